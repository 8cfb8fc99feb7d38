package org.remotemedia.transport;

/**
 * Times header blocks that span frames: a HEADERS frame without END_HEADERS opens one, the
 * CONTINUATION with END_HEADERS closes it. No other frame may come between (netty enforces
 * that), so a peer that opens a block and then trickles CONTINUATIONs, or stops, holds the
 * connection's reader: the block must complete within {@code maxNanos}.
 *
 * <p>Threads: confined to the connection's event loop. Time comes from the caller.
 */
final class HeaderBlockClock {
    static final int TYPE_HEADERS = 0x1;
    static final int TYPE_PUSH_PROMISE = 0x5;
    static final int TYPE_CONTINUATION = 0x9;
    static final int FLAG_END_HEADERS = 0x4;

    private final long maxNanos;
    private boolean open;
    private long openedAt;

    HeaderBlockClock(long maxNanos) {
        this.maxNanos = maxNanos;
    }

    /**
     * Whether {@code frame} and {@link #overdue} need the time for this frame header: only while a
     * block is open or when this frame opens one. Any other frame changes nothing here, so the
     * caller reads no clock for it (a complete HEADERS, DATA, and every control frame: all of a
     * normal call's frames).
     */
    boolean timed(int type, int flags) {
        return open || (type == TYPE_HEADERS || type == TYPE_PUSH_PROMISE) && (flags & FLAG_END_HEADERS) == 0;
    }

    /** One frame header seen; returns true if a block opened with it. */
    boolean frame(int type, int flags, long nowNanos) {
        boolean endHeaders = (flags & FLAG_END_HEADERS) != 0;
        if (type == TYPE_HEADERS || type == TYPE_PUSH_PROMISE) {
            open = !endHeaders;
            openedAt = nowNanos;
            return open;
        }
        if (type == TYPE_CONTINUATION && endHeaders) {
            open = false;
        }
        return false;
    }

    /** True when a block is open and older than allowed. */
    boolean overdue(long nowNanos) {
        return open && nowNanos - openedAt > maxNanos;
    }

    boolean isOpen() {
        return open;
    }

    /** When the open block becomes overdue (meaningful while {@link #isOpen}). */
    long deadlineNanos() {
        return openedAt + maxNanos;
    }

    long maxNanos() {
        return maxNanos;
    }
}
