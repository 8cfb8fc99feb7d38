package org.remotemedia.transport;

/**
 * {@code transport.max_connection_age_ms}: a connection older than that is drained with the
 * two-phase GOAWAY, so a client behind an L7 balancer or with client-side balancing reconnects and
 * load spreads again after instances are added (an HTTP/2 connection otherwise stays on one
 * instance for ever). The calls in flight finish; after {@code max_connection_age_grace_ms} more
 * (0: no limit) those still running are cancelled and the connection closes. The age carries a
 * jitter of up to +-10%, as grpc-java's, so connections opened together do not all reconnect at
 * once. Off when the age is 0.
 *
 * <p>Threads: the connection's event loop.
 */
final class ConnectionAgeLimit {
    /** What the limit does to the connection. */
    interface Connection {
        boolean isDraining();

        /** The age is reached: start the drain (GOAWAY). */
        void tooOld();

        /** The grace after the age is over: cancel what still runs and close. */
        void graceOver();
    }

    /** Largest share by which one connection's age is moved, either way. */
    static final double MAX_JITTER = 0.1;

    private final ConnectionTimers timers;
    private final long maxAgeNanos;
    private final long graceNanos;
    private final Connection connection;
    private ConnectionTimers.Timer timer;
    private boolean stopped;

    /**
     * @param jitter in [-1, 1]: this connection's age is {@code maxAgeNanos * (1 + jitter * MAX_JITTER)}
     * @param graceNanos time calls get after the age; 0: no limit
     */
    ConnectionAgeLimit(ConnectionTimers timers, long maxAgeNanos, long graceNanos, double jitter,
            Connection connection) {
        if (jitter < -1 || jitter > 1) {
            throw new IllegalArgumentException("jitter " + jitter + " is outside [-1, 1]");
        }
        this.timers = timers;
        this.maxAgeNanos = maxAgeNanos <= 0 ? 0 : Math.max(1, (long) (maxAgeNanos * (1 + jitter * MAX_JITTER)));
        this.graceNanos = graceNanos;
        this.connection = connection;
    }

    boolean enabled() {
        return maxAgeNanos > 0;
    }

    /** This connection's age limit after jitter (0 when off). */
    long maxAgeNanos() {
        return maxAgeNanos;
    }

    void start() {
        if (enabled()) {
            timer = timers.schedule(this::ageReached, maxAgeNanos);
        }
    }

    void stop() {
        stopped = true;
        if (timer != null) {
            timer.cancel();
        }
    }

    private void ageReached() {
        if (stopped) {
            return;
        }
        if (!connection.isDraining()) { // a shutdown or the idle limit may have started it already
            connection.tooOld();
        }
        if (graceNanos > 0) {
            timer = timers.schedule(this::graceEnded, graceNanos);
        }
    }

    private void graceEnded() {
        if (!stopped) {
            connection.graceOver();
        }
    }
}
