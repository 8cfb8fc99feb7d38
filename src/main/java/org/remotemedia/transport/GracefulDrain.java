package org.remotemedia.transport;

import org.remotemedia.grpc.Status;

/**
 * The two-phase GOAWAY drain (as grpc-java's server does it): GOAWAY with last-stream-id
 * 2^31-1 and a PING; the PING's ack -- or a timeout -- proves the client has seen the first
 * GOAWAY, so the second one with the real last stream id cannot race a request in flight.
 * The connection closes when its last call ends. {@link #forceClose} ends the grace period.
 *
 * <p>Threads: the connection's event loop.
 */
final class GracefulDrain {
    /** What the drain does to the connection. */
    interface Connection {
        /** GOAWAY(NO_ERROR) with this last stream id, flushed. */
        void goAway(int lastStreamId);

        void sendDrainPing();

        /** The highest stream id the client has opened. */
        int lastStreamCreated();

        boolean hasActiveStreams();

        /** Ends the calls still running (the grace period is over) with {@code why}. */
        void cancelCalls(Status why);

        void close();
    }

    private final ConnectionTimers timers;
    private final long pingTimeoutNanos;
    private final Connection connection;
    private boolean draining;
    private boolean secondGoAwaySent;
    private boolean closed;
    private ConnectionTimers.Timer pingTimer;

    GracefulDrain(ConnectionTimers timers, long pingTimeoutNanos, Connection connection) {
        this.timers = timers;
        this.pingTimeoutNanos = pingTimeoutNanos;
        this.connection = connection;
    }

    boolean isDraining() {
        return draining;
    }

    /** Phase one; a second call does nothing. */
    void start() {
        if (draining || closed) {
            return;
        }
        draining = true;
        connection.goAway(Integer.MAX_VALUE);
        connection.sendDrainPing();
        pingTimer = timers.schedule(this::sendSecondGoAway, pingTimeoutNanos);
    }

    void onDrainPingAck() {
        if (draining) {
            sendSecondGoAway();
        }
    }

    /** A stream closed: the drain may be complete. */
    void streamClosed() {
        maybeFinish();
    }

    /**
     * The grace period ended: cancel what runs (with {@code why}, which says whose grace: the
     * shutdown's or the connection age's), say the real last stream id if not yet said, close.
     */
    void forceClose(Status why) {
        if (closed) {
            return;
        }
        connection.cancelCalls(why);
        if (!secondGoAwaySent) {
            secondGoAwaySent = true;
            connection.goAway(connection.lastStreamCreated());
        }
        closed = true;
        connection.close();
    }

    /** The channel is gone. */
    void connectionClosed() {
        closed = true;
        if (pingTimer != null) {
            pingTimer.cancel();
        }
    }

    private void sendSecondGoAway() {
        if (secondGoAwaySent || closed) {
            return;
        }
        secondGoAwaySent = true;
        if (pingTimer != null) {
            pingTimer.cancel();
        }
        connection.goAway(connection.lastStreamCreated());
        maybeFinish();
    }

    private void maybeFinish() {
        if (secondGoAwaySent && !closed && !connection.hasActiveStreams()) {
            closed = true;
            connection.close();
        }
    }
}
