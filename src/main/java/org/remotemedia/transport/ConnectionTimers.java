package org.remotemedia.transport;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.remotemedia.grpc.NanoClock;

/**
 * Time for a connection's timers (keepalive, idle, drain): the clock and a way to run a task
 * later on the connection's thread. In the server that is the channel's event loop; tests
 * use a hand-driven fake that runs due tasks when time is advanced.
 *
 * <p>Threads: tasks run on the connection's event loop; {@link #schedule} is called there.
 */
interface ConnectionTimers extends NanoClock {
    /** A scheduled task that can be called off. Cancelling a task that ran or was cancelled does nothing. */
    interface Timer {
        void cancel();
    }

    Timer schedule(Runnable task, long delayNanos);

    /** The event loop's scheduler and System.nanoTime. */
    static ConnectionTimers of(EventExecutor loop) {
        return new ConnectionTimers() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public Timer schedule(Runnable task, long delayNanos) {
                Future<?> f = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
                return () -> f.cancel(false);
            }
        };
    }
}
