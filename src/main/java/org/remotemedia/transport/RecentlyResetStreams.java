package org.remotemedia.transport;

/**
 * The stream ids this server reset or refused lately, with when: the peer may still have frames
 * in flight on them (an upload's DATA, its trailers, a WINDOW_UPDATE), and RFC 9113 §5.1 says an
 * endpoint that sent RST_STREAM ignores those. Bounded twice: an id is remembered for
 * {@code graceNanos} at most (after that a frame on it is an error again, as the RFC allows),
 * and at most {@code capacity} ids at once (the oldest is forgotten first). The arrays grow
 * from 8 entries, so a connection that never resets a stream costs nothing.
 *
 * <p>Threads: confined to the connection's event loop. Time comes from the caller, so tests drive
 * it without sleeping.
 */
final class RecentlyResetStreams {
    private static final int FIRST_CAPACITY = 8;
    /** In the place of a forgotten id: no stream has it (ids are positive). */
    private static final int FORGOTTEN = -1;

    private final int capacity;
    private final long graceNanos;
    private int[] ids = new int[0];
    private long[] times = new long[0];
    private int next; // where the next id goes (ring)
    private int size;

    RecentlyResetStreams(int capacity, long graceNanos) {
        if (capacity < 1 || graceNanos < 0) {
            throw new IllegalArgumentException("capacity " + capacity + ", grace " + graceNanos + " ns");
        }
        this.capacity = capacity;
        this.graceNanos = graceNanos;
    }

    /** Remembers that the server reset (or refused) {@code streamId} at {@code nowNanos}. */
    void add(int streamId, long nowNanos) {
        if (size == ids.length && ids.length < capacity) {
            grow();
        }
        ids[next] = streamId;
        times[next] = nowNanos;
        next = next + 1 == ids.length ? 0 : next + 1;
        if (size < ids.length) {
            size++;
        }
    }

    /** True while {@code streamId} was reset less than the grace ago and is still remembered. */
    boolean contains(int streamId, long nowNanos) {
        return indexOf(streamId, nowNanos) >= 0;
    }

    /**
     * Like {@link #contains}, and forgets {@code streamId} when it was remembered: for the
     * peer's own RST_STREAM, the last frame it sends on a stream, after which nothing more on
     * that id is a straggler.
     */
    boolean forget(int streamId, long nowNanos) {
        int i = indexOf(streamId, nowNanos);
        if (i < 0) {
            return false;
        }
        ids[i] = FORGOTTEN;
        return true;
    }

    private int indexOf(int streamId, long nowNanos) {
        int i = next;
        for (int n = 0; n < size; n++) {
            i = i == 0 ? ids.length - 1 : i - 1;
            if (nowNanos - times[i] > graceNanos) {
                return -1; // newest first: everything older is past the grace too
            }
            if (ids[i] == streamId) {
                return i;
            }
        }
        return -1;
    }

    /** Nothing remembered: the caller can skip the stream lookup. */
    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    private void grow() {
        int n = Math.min(capacity, Math.max(FIRST_CAPACITY, ids.length * 2));
        int[] newIds = new int[n];
        long[] newTimes = new long[n];
        // oldest first, so the ring restarts at 0 with the same order
        int oldest = size == ids.length ? next : 0;
        for (int k = 0; k < size; k++) {
            int j = (oldest + k) % ids.length;
            newIds[k] = ids[j];
            newTimes[k] = times[j];
        }
        ids = newIds;
        times = newTimes;
        next = size;
    }
}
