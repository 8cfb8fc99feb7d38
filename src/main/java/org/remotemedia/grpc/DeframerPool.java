package org.remotemedia.grpc;

import java.util.ArrayDeque;

/**
 * One connection's closed {@link MessageDeframer}s, handed to its next calls: a deframer keeps
 * the arrays it grew for a large request (one per DATA frame of it) and its message object, so
 * a connection's steady stream of calls allocates none of them. Bounded in count, and a
 * deframer that grew past {@link #MAX_KEPT_SEGMENTS} is let go rather than kept.
 *
 * <p>Threads: confined to the connection's event loop, like the deframers.
 */
public final class DeframerPool {
    /** Deframers kept per connection: about the calls a connection has open at once in steady state. */
    static final int MAX_KEPT = 16;
    /** A deframer whose ring grew beyond this (a long client stream) is not kept. */
    static final int MAX_KEPT_SEGMENTS = 64;

    private final BufferRefs refs;
    private final int maxMessageBytes;
    private final ArrayDeque<MessageDeframer> free = new ArrayDeque<>();
    /** Stands in for a deframer given back: closed for good, so a late frame is only released. */
    private final MessageDeframer closed;
    private int created;

    public DeframerPool(BufferRefs refs, int maxMessageBytes) {
        this.refs = refs;
        this.maxMessageBytes = maxMessageBytes;
        this.closed = new MessageDeframer(refs, maxMessageBytes);
        this.closed.close();
    }

    /** What a stream uses once it gave its deframer back. */
    MessageDeframer closedStandIn() {
        return closed;
    }

    /** A deframer for a new stream: a kept one reopened, or a new one. */
    public MessageDeframer take() {
        MessageDeframer d = free.pollFirst();
        if (d == null) {
            created++;
            return new MessageDeframer(refs, maxMessageBytes);
        }
        d.reopen();
        return d;
    }

    /**
     * Takes back a deframer its stream no longer uses (closing it releases what it held) and
     * returns the closed stand-in the stream is to use from now on.
     */
    public MessageDeframer giveBack(MessageDeframer d) {
        if (d == closed) {
            return closed;
        }
        d.close();
        if (free.size() < MAX_KEPT && d.capacity() <= MAX_KEPT_SEGMENTS && d.maxMessageBytes() == maxMessageBytes) {
            free.addFirst(d);
        }
        return closed;
    }

    int kept() {
        return free.size();
    }

    /** Deframers made so far (the rest of the takes reused one). */
    int created() {
        return created;
    }
}
