package org.remotemedia.testkit;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded polling for state another thread sets after the client has its answer (a worker's
 * metrics, released buffers, a session's teardown). Bound generously: CI is a loaded 2-core box.
 */
public final class Await {
    private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(10);

    private Await() {
    }

    /** Polls every 10 ms until {@code cond} holds; fails with {@code what} after 10 s. */
    public static void until(BooleanSupplier cond, Supplier<String> what) throws InterruptedException {
        long end = System.nanoTime() + BOUND_NANOS;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what.get());
            }
            Thread.sleep(10);
        }
    }
}
