package org.remotemedia.transport;

import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.util.IntSupplier;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.internal.ThreadExecutorMap;

/**
 * {@code transport.spin_before_sleep_us}: before an event loop goes to sleep in
 * {@code epoll_wait}, it polls (non-blocking {@code epoll_wait}) for up to that long. A request
 * that arrives within the window is read without the sleep / wake-up pair (a context switch
 * here, an IPI and the wake-up work in the sender's system call); one that does not costs the
 * window in CPU time. 50 us by default, chosen by measurement (perf/RESULTS.md, "Spin before
 * sleep"); 0 turns it off. {@link SpinBackoff} stops the spinning while it keeps missing (events
 * further apart than the window, as a stream's chunks are) and tries it again now and then.
 *
 * <p>Tasks handed to the loop by other threads during the spin end it (they set no eventfd
 * while the loop is awake), so the write queue is not delayed by the window.
 *
 * <p>Threads: one instance per event loop, called only by that loop's thread.
 */
final class SpinThenSleepStrategy implements SelectStrategy {
    private final long spinNanos;
    private final SpinBackoff backoff = new SpinBackoff();
    private SingleThreadEventExecutor loop;

    private SpinThenSleepStrategy(long spinNanos) {
        this.spinNanos = spinNanos;
    }

    static SelectStrategyFactory factory(int spinMicros) {
        long nanos = spinMicros * 1000L;
        return () -> new SpinThenSleepStrategy(nanos);
    }

    @Override
    public int calculateStrategy(IntSupplier selectSupplier, boolean hasTasks) throws Exception {
        if (hasTasks) {
            return selectSupplier.get();
        }
        if (!backoff.shouldSpin()) {
            return SelectStrategy.SELECT;
        }
        int ready = selectSupplier.get();
        if (ready != 0) {
            backoff.found();
            return ready;
        }
        SingleThreadEventExecutor l = loop;
        if (l == null) {
            EventExecutor current = ThreadExecutorMap.currentExecutor();
            if (!(current instanceof SingleThreadEventExecutor)) {
                return SelectStrategy.SELECT;
            }
            l = (SingleThreadEventExecutor) current;
            loop = l;
        }
        long deadline = System.nanoTime() + spinNanos;
        do {
            Thread.onSpinWait();
            ready = selectSupplier.get();
            if (ready != 0) {
                backoff.found();
                return ready;
            }
            if (l.pendingTasks() > 0) {
                backoff.found();
                return 0; // run them now
            }
        } while (System.nanoTime() - deadline < 0);
        backoff.missed();
        return SelectStrategy.SELECT;
    }
}
