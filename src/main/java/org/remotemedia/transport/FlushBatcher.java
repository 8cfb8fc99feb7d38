package org.remotemedia.transport;

import java.util.concurrent.Executor;

/**
 * One flush per turn of the event loop instead of one per write: a write on the loop asks for
 * a flush ({@link #flushSoon}), which happens at the end of the read or batch in progress --
 * whoever {@link #hold held} the flush does it -- or else in one task queued behind the
 * current one. Under load that puts more responses into each writev.
 *
 * <p>Threads: the connection's event loop.
 */
final class FlushBatcher {
    private final Executor loop;
    private final Runnable flush;
    private final Runnable flushTask = this::runFlushTask;
    private boolean held;
    private boolean taskQueued;

    /** {@code flush} writes out what is queued (it is not called once the connection is closed). */
    FlushBatcher(Executor loop, Runnable flush) {
        this.loop = loop;
        this.flush = flush;
    }

    /** Something was written: make sure one flush follows in this turn. */
    void flushSoon() {
        if (!held && !taskQueued) {
            taskQueued = true;
            loop.execute(flushTask);
        }
    }

    /** Writes from now on wait for the holder's flush; returns whether it was held already (for {@link #restore}). */
    boolean hold() {
        boolean was = held;
        held = true;
        return was;
    }

    void restore(boolean wasHeld) {
        held = wasHeld;
    }

    private void runFlushTask() {
        taskQueued = false;
        flush.run();
    }
}
