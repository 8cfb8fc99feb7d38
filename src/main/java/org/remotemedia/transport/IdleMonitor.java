package org.remotemedia.transport;

/**
 * {@code transport.max_connection_idle_ms}: a connection without calls for that long is
 * drained (graceful GOAWAY), so idle clients do not hold server resources forever. Checked a
 * few times per idle period; off when the limit is 0.
 *
 * <p>Threads: the connection's event loop.
 */
final class IdleMonitor {
    /** What the monitor reads from and does to the connection. */
    interface Connection {
        boolean hasActiveStreams();

        boolean isDraining();

        void idleTooLong();
    }

    static final long MIN_CHECK_NANOS = 10_000_000;

    private final ConnectionTimers timers;
    private final long maxIdleNanos;
    private final Connection connection;
    private long idleSinceNanos;
    private ConnectionTimers.Timer checkTimer;
    private boolean stopped;

    IdleMonitor(ConnectionTimers timers, long maxIdleNanos, Connection connection) {
        this.timers = timers;
        this.maxIdleNanos = maxIdleNanos;
        this.connection = connection;
    }

    boolean enabled() {
        return maxIdleNanos > 0;
    }

    void start() {
        if (!enabled()) {
            return;
        }
        idleSinceNanos = timers.nanoTime();
        scheduleCheck();
    }

    /** The connection's last call ended: it is idle from now. */
    void lastStreamClosed() {
        if (enabled()) {
            idleSinceNanos = timers.nanoTime();
        }
    }

    void stop() {
        stopped = true;
        if (checkTimer != null) {
            checkTimer.cancel();
        }
    }

    private void scheduleCheck() {
        checkTimer = timers.schedule(this::check, Math.max(MIN_CHECK_NANOS, maxIdleNanos / 4));
    }

    private void check() {
        if (stopped) {
            return;
        }
        if (!connection.isDraining() && !connection.hasActiveStreams()
                && timers.nanoTime() - idleSinceNanos >= maxIdleNanos) {
            connection.idleTooLong();
        }
        scheduleCheck();
    }
}
