package org.remotemedia.transport;

/**
 * Server keepalive ({@code transport.keepalive_time_ms}, {@code keepalive_timeout_ms}): when
 * nothing was read for the keepalive time, send a PING; when its ack does not come within the
 * timeout, the peer is gone and the connection is closed. Reads push the next PING back.
 *
 * <p>Threads: the connection's event loop.
 */
final class KeepAlivePinger {
    /** What the pinger does to the connection. */
    interface Connection {
        void sendKeepAlivePing();

        void keepAliveTimedOut();
    }

    /** Lowest delay between two checks, so a read just before a check does not spin the timer. */
    static final long MIN_CHECK_NANOS = 1_000_000;

    private final ConnectionTimers timers;
    private final long timeNanos;
    private final long timeoutNanos;
    private final Connection connection;
    private long lastReadNanos;
    private ConnectionTimers.Timer checkTimer;
    private ConnectionTimers.Timer ackTimer;
    private boolean stopped;

    KeepAlivePinger(ConnectionTimers timers, long timeNanos, long timeoutNanos, Connection connection) {
        this.timers = timers;
        this.timeNanos = timeNanos;
        this.timeoutNanos = timeoutNanos;
        this.connection = connection;
    }

    void start() {
        lastReadNanos = timers.nanoTime();
        checkTimer = timers.schedule(this::check, timeNanos);
    }

    /** The peer sent something: it is alive. */
    void onRead(long nowNanos) {
        lastReadNanos = nowNanos;
    }

    void onPingAck() {
        if (ackTimer != null) {
            ackTimer.cancel();
            ackTimer = null;
        }
    }

    boolean awaitingAck() {
        return ackTimer != null;
    }

    void stop() {
        stopped = true;
        if (checkTimer != null) {
            checkTimer.cancel();
        }
        onPingAck();
    }

    private void check() {
        if (stopped) {
            return;
        }
        long idleNanos = timers.nanoTime() - lastReadNanos;
        if (idleNanos >= timeNanos && ackTimer == null) {
            connection.sendKeepAlivePing();
            ackTimer = timers.schedule(this::ackOverdue, timeoutNanos);
        }
        long untilDue = timeNanos - Math.min(idleNanos, timeNanos);
        checkTimer = timers.schedule(this::check, Math.max(MIN_CHECK_NANOS, untilDue) + MIN_CHECK_NANOS);
    }

    private void ackOverdue() {
        ackTimer = null;
        if (!stopped) {
            stop();
            connection.keepAliveTimedOut();
        }
    }
}
