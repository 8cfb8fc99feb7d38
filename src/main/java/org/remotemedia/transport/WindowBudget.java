package org.remotemedia.transport;

/**
 * At most {@code max} events per fixed window of {@code windowNanos}: the shape of netty's own
 * RST_STREAM limits, reused for every per-connection rate budget (control frames, resets). The
 * window starts at the first event after the previous one ended. {@code max == 0} switches the
 * budget off.
 *
 * <p>Threads: confined to the connection's event loop. Time comes from the caller.
 */
final class WindowBudget {
    private final int max;
    private final long windowNanos;
    private long windowStart;
    private int count;

    WindowBudget(int max, long windowNanos) {
        if (max < 0 || windowNanos <= 0) {
            throw new IllegalArgumentException("max " + max + " per " + windowNanos + " ns");
        }
        this.max = max;
        this.windowNanos = windowNanos;
    }

    /** Counts one event; false when it is one more than the window allows. */
    boolean tryAcquire(long nowNanos) {
        if (max == 0) {
            return true;
        }
        if (count == 0 || nowNanos - windowStart >= windowNanos) {
            windowStart = nowNanos;
            count = 0;
        }
        return ++count <= max;
    }

    int max() {
        return max;
    }

    long windowNanos() {
        return windowNanos;
    }
}
