package org.remotemedia.transport;

/**
 * Decides whether an idle event loop spins before it sleeps ({@link SpinThenSleepStrategy}). A
 * spin pays when the next event comes within the window (a request-response client that sends
 * again at once); it is pure cost when events come further apart (a stream whose chunks are
 * 100 us or more apart, a lightly loaded server). So: spin while spins find work; after
 * {@link #MISSES_TO_BACK_OFF} misses in a row, go straight to sleep for the next {@code skips}
 * idle moments, then try one spin again (a probe). A probe that misses doubles {@code skips} (up
 * to {@link #MAX_SKIPS}); any spin that finds work resets them.
 *
 * <p>Counts idle moments, not time, so it needs no clock: under steady traffic whose gaps are
 * longer than the window it costs one missed spin per up to 4,096 idle moments.
 *
 * <p>Threads: confined to one event loop.
 */
final class SpinBackoff {
    static final int MISSES_TO_BACK_OFF = 8;
    static final int MIN_SKIPS = 16;
    static final int MAX_SKIPS = 4096;

    private int misses;
    private int skips = MIN_SKIPS;
    private int skipsLeft;
    private boolean probing;

    /** The loop is idle: spin now (true) or sleep at once (false)? */
    boolean shouldSpin() {
        if (skipsLeft > 0) {
            skipsLeft--;
            return false;
        }
        return true;
    }

    /** The spin found work. */
    void found() {
        misses = 0;
        skips = MIN_SKIPS;
        probing = false;
    }

    /** The spin ran out without work; the loop sleeps. */
    void missed() {
        if (probing) {
            skips = Math.min(MAX_SKIPS, skips * 2);
            skipsLeft = skips;
            return;
        }
        if (++misses >= MISSES_TO_BACK_OFF) {
            misses = 0;
            probing = true;
            skipsLeft = skips;
        }
    }

    /** Idle moments left before the next spin (for tests and the loop's metrics). */
    int skipsLeft() {
        return skipsLeft;
    }
}
