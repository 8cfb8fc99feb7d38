package org.remotemedia.grpc;

import java.nio.ByteBuffer;

/**
 * Splits one stream's DATA bytes into gRPC length-prefixed messages (1-byte compressed flag,
 * 4-byte big-endian length, body) without copying: it queues the frames' views and hands each
 * message out as views of them ({@link InboundMessage}). Messages may span frames and frames
 * may hold many messages.
 *
 * <p>Flow control: bytes become "returnable" (the HTTP/2 window may be given back for them)
 * only when they are read -- a message delivered, or the growing part of a message while the
 * caller has demand ({@link #poll()} is only called with demand). A slow consumer therefore
 * pushes back on a fast sender: at most one window of unread bytes is ever queued.
 *
 * <p>Result codes, no exceptions: {@link #poll()} returns {@link #MESSAGE},
 * {@link #NEED_MORE} or a negative error.
 *
 * <p>Threads: confined to the connection's event loop.
 */
public final class MessageDeframer {
    public static final int NEED_MORE = 0;
    public static final int MESSAGE = 1;
    /** The declared length exceeds the limit: RESOURCE_EXHAUSTED. */
    public static final int ERR_TOO_LARGE = -1;
    /** The compressed-flag byte is neither 0 nor 1: INTERNAL. */
    public static final int ERR_BAD_FLAG = -2;

    public static final int PREFIX_BYTES = 5;

    private final BufferRefs refs;
    private final int maxMessageBytes;
    private final InboundMessage message;

    // ring of queued segments: [pos, end) of base, owned (one reference) until consumed
    // 4 to start (a unary request usually sits in 1 or 2 frames); grows by doubling
    private ByteBuffer[] segBase = new ByteBuffer[4];
    private int[] segPos = new int[4];
    private int[] segEnd = new int[4];
    private Object[] segOwner = new Object[4];
    private int head;
    private int count;

    private long queued;
    private long credited;
    private long returnable;

    private boolean inBody;
    private boolean compressed;
    private int bodyLength;
    private long badValue;
    private boolean messageOut;
    private boolean closed;

    public MessageDeframer(BufferRefs refs, int maxMessageBytes) {
        this.refs = refs;
        this.maxMessageBytes = maxMessageBytes;
        this.message = new InboundMessage(refs);
    }

    /**
     * Queues {@code len} bytes at {@code pos} of {@code base}; takes over one reference of
     * {@code owner}. {@code base} may be shared with other segments of the same owner's
     * parent: it is read with absolute indexes only.
     */
    public void add(ByteBuffer base, int pos, int len, Object owner) {
        if (closed || len == 0) {
            refs.release(owner);
            return;
        }
        if (count == segBase.length) {
            grow();
        }
        int i = (head + count) & (segBase.length - 1);
        segBase[i] = base;
        segPos[i] = pos;
        segEnd[i] = pos + len;
        segOwner[i] = owner;
        count++;
        queued += len;
    }

    /**
     * Reads the next message if complete. On {@link #MESSAGE} the message is in
     * {@link #message()} (compressed if {@link #isCompressed()}) and stays valid until
     * {@link #messageDone()} or the next poll.
     */
    public int poll() {
        if (messageOut) {
            messageDone();
        }
        if (closed) {
            return NEED_MORE;
        }
        if (!inBody) {
            if (queued < PREFIX_BYTES) {
                creditQueued();
                return NEED_MORE;
            }
            int flag = readByte();
            long length = (long) readByte() << 24 | readByte() << 16 | readByte() << 8 | readByte();
            consumed(PREFIX_BYTES);
            if (flag != 0 && flag != 1) {
                badValue = flag;
                return ERR_BAD_FLAG;
            }
            if (length > maxMessageBytes) {
                badValue = length;
                return ERR_TOO_LARGE;
            }
            inBody = true;
            compressed = flag == 1;
            bodyLength = (int) length;
        }
        if (queued < bodyLength) {
            creditQueued();
            return NEED_MORE;
        }
        buildMessage(bodyLength);
        consumed(bodyLength);
        inBody = false;
        messageOut = true;
        return MESSAGE;
    }

    /** The message of the last {@link #MESSAGE} result. */
    public InboundMessage message() {
        return message;
    }

    /** Whether the last message carried compressed-flag 1. */
    public boolean isCompressed() {
        return compressed;
    }

    /** The offending value of the last error (the flag byte, or the declared length). */
    public long badValue() {
        return badValue;
    }

    /** Ends the current message's validity and releases the buffers it used up. */
    public void messageDone() {
        messageOut = false;
        message.clear();
        releaseConsumedHead();
    }

    /** Bytes read since the last call, for which the flow-control window may now be returned. */
    public long takeReturnableBytes() {
        long r = returnable;
        returnable = 0;
        return r;
    }

    /** Unread bytes queued. */
    public long queuedBytes() {
        return queued;
    }

    /** True if bytes of an unfinished message remain: at end of stream, a truncated message. */
    public boolean hasPartialMessage() {
        return inBody || queued > 0;
    }

    /** Releases every queued buffer; later frames are released on arrival. Idempotent. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        messageOut = false;
        message.clear();
        while (count > 0) {
            pop();
        }
        queued = 0;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * A closed deframer made ready for another stream (its arrays and message object kept, so a
     * connection's calls do not allocate them again: {@link DeframerPool}). Everything it held was
     * released by {@link #close()}.
     */
    void reopen() {
        if (!closed) {
            throw new IllegalStateException("reopen() of a deframer still in use");
        }
        head = 0;
        count = 0;
        queued = 0;
        credited = 0;
        returnable = 0;
        inBody = false;
        compressed = false;
        bodyLength = 0;
        badValue = 0;
        messageOut = false;
        closed = false;
    }

    /** Segments the ring holds without growing. */
    int capacity() {
        return segBase.length;
    }

    int maxMessageBytes() {
        return maxMessageBytes;
    }

    private void creditQueued() {
        returnable += queued - credited;
        credited = queued;
    }

    private void consumed(int n) {
        long fromCredit = Math.min(n, credited);
        credited -= fromCredit;
        returnable += n - fromCredit;
        queued -= n;
    }

    private int readByte() {
        while (segPos[head] == segEnd[head]) {
            pop();
        }
        int p = segPos[head]++;
        ByteBuffer b = segBase[head];
        InboundMessage.reach(b, p + 1);
        return b.get(p) & 0xFF;
    }

    private void buildMessage(int length) {
        message.clear();
        int remaining = length;
        int mask = segBase.length - 1;
        int spans = 0; // segments this message takes: its views grow once to that, not by doubling
        for (int k = 0, left = length; k < count && left > 0; k++) {
            int avail = segEnd[(head + k) & mask] - segPos[(head + k) & mask];
            if (avail > 0) {
                spans++;
                left -= avail;
            }
        }
        message.ensureCapacity(spans);
        // a view spanning one segment may use the shared base; several need their own slices
        boolean single = true;
        int i = head;
        int left = remaining;
        for (int k = 0; k < count && left > 0; k++) {
            int idx = (i + k) & mask;
            int avail = segEnd[idx] - segPos[idx];
            if (avail == 0) {
                continue;
            }
            single = avail >= left;
            break;
        }
        for (int k = 0; k < count && remaining > 0; k++) {
            int idx = (head + k) & mask;
            int avail = segEnd[idx] - segPos[idx];
            if (avail == 0) {
                continue;
            }
            int take = Math.min(avail, remaining);
            message.add(segBase[idx], segPos[idx], take, segOwner[idx], single);
            segPos[idx] += take;
            remaining -= take;
        }
    }

    private void releaseConsumedHead() {
        while (count > 0 && segPos[head] == segEnd[head]) {
            pop();
        }
    }

    private void pop() {
        Object owner = segOwner[head];
        segBase[head] = null;
        segOwner[head] = null;
        head = (head + 1) & (segBase.length - 1);
        count--;
        refs.release(owner);
    }

    private void grow() {
        int n = segBase.length;
        ByteBuffer[] b = new ByteBuffer[n * 2];
        int[] p = new int[n * 2];
        int[] e = new int[n * 2];
        Object[] o = new Object[n * 2];
        for (int k = 0; k < count; k++) {
            int idx = (head + k) & (n - 1);
            b[k] = segBase[idx];
            p[k] = segPos[idx];
            e[k] = segEnd[idx];
            o[k] = segOwner[idx];
        }
        segBase = b;
        segPos = p;
        segEnd = e;
        segOwner = o;
        head = 0;
    }

    @Override
    public String toString() {
        return "MessageDeframer{queued=" + queued + ", inBody=" + inBody + ", bodyLength=" + bodyLength
                + ", segments=" + count  + ", closed=" + closed + '}';
    }
}
