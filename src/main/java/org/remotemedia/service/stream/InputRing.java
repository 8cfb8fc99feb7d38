package org.remotemedia.service.stream;

import java.util.concurrent.atomic.AtomicLong;
import org.remotemedia.buffer.PooledBuffer;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.proto.v1.StreamRequest;

/**
 * A session's bounded input queue: a single-producer single-consumer ring of preallocated
 * slots, so queueing a chunk allocates nothing. The producer is the call's event loop (one
 * parsed {@link StreamRequest} per slot, with what keeps its aliased samples alive); the
 * consumer is whichever thread runs the session (the same event loop inline, a pinned DSP
 * worker otherwise). Release/acquire on the two counters orders the slot contents.
 *
 * <p>The bound is {@code streaming.input_queue_chunks}; the call asks the transport for one
 * message per free slot, so a full ring means a peer that sent what was not asked for.
 */
final class InputRing {
    /** One queued message. Written by the producer before publish, read by the consumer before advance. */
    static final class Slot {
        StreamRequest request;
        /** The retained network message the request aliases (samples, unknown fields); null if gathered. */
        InboundMessage retained;
        /** A pooled block the message was gathered into when it spanned network buffers (null if not). */
        PooledBuffer gathered;
        /** {@code System.nanoTime()} when the event loop received it. */
        long arrivalNanos;

        /** Releases what keeps the samples alive and forgets the request. Idempotent. */
        void release() {
            InboundMessage r = retained;
            if (r != null) {
                retained = null;
                r.release();
            }
            PooledBuffer g = gathered;
            if (g != null) {
                gathered = null;
                g.release();
            }
            request = null;
        }
    }

    private final Slot[] slots;
    private final int mask;
    private final int capacity;
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong tail = new AtomicLong();

    InputRing(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, got " + capacity);
        }
        this.capacity = capacity;
        int size = Integer.highestOneBit(capacity);
        if (size < capacity) {
            size <<= 1;
        }
        slots = new Slot[size];
        for (int i = 0; i < size; i++) {
            slots[i] = new Slot();
        }
        mask = size - 1;
    }

    int capacity() {
        return capacity;
    }

    // ---- producer ----

    /** The next free slot to fill, or null when {@link #capacity()} messages are queued. */
    Slot claim() {
        long t = tail.getPlain();
        if (t - head.getAcquire() >= capacity) {
            return null;
        }
        return slots[(int) t & mask];
    }

    /** Makes the claimed slot visible to the consumer. */
    void publish() {
        tail.setRelease(tail.getPlain() + 1);
    }

    // ---- consumer ----

    /** The oldest queued slot, or null if none. */
    Slot peek() {
        long h = head.getPlain();
        if (h == tail.getAcquire()) {
            return null;
        }
        return slots[(int) h & mask];
    }

    /** Releases the oldest slot's contents and frees it for the producer. */
    void advance() {
        long h = head.getPlain();
        slots[(int) h & mask].release();
        head.setRelease(h + 1);
    }

    /** Releases every queued slot; returns how many there were. */
    int drain() {
        int n = 0;
        while (peek() != null) {
            advance();
            n++;
        }
        return n;
    }

    /** Queued messages (exact for the consumer; a snapshot for others). */
    int size() {
        return (int) (tail.getAcquire() - head.getAcquire());
    }
}
