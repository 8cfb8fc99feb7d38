package org.remotemedia.transport;

import java.util.concurrent.TimeUnit;

/**
 * Decides whether a client's PING is too frequent (the keepalive policy of gRPC's A8 design:
 * {@code permit_keepalive_time_ms}, {@code permit_keepalive_without_calls}, ping strikes).
 * A ping earlier than allowed is a strike; more than {@code maxStrikes} strikes and the
 * connection gets GOAWAY ENHANCE_YOUR_CALM. Sending headers or data resets the count, since
 * clients legitimately ping (BDP estimation) while data flows.
 *
 * <p>Threads: confined to the connection's event loop. Time comes from the caller, so tests
 * drive it without sleeping.
 */
final class KeepAliveEnforcer {
    /** Without calls and without permission, one ping per two hours is still fine (as in gRPC). */
    static final long IMPLICIT_PERMIT_NANOS = TimeUnit.HOURS.toNanos(2);

    private final long minIntervalNanos;
    private final boolean permitWithoutCalls;
    private final int maxStrikes;
    private long lastValidPingNanos;
    private boolean hasValidPing;
    private int strikes;

    KeepAliveEnforcer(long permitKeepaliveTimeMs, boolean permitWithoutCalls, int maxStrikes) {
        this.minIntervalNanos = TimeUnit.MILLISECONDS.toNanos(permitKeepaliveTimeMs);
        this.permitWithoutCalls = permitWithoutCalls;
        this.maxStrikes = maxStrikes;
    }

    /** Returns false when the ping is one strike too many: the caller must GOAWAY ENHANCE_YOUR_CALM. */
    boolean pingReceived(long nowNanos, boolean hasActiveCalls) {
        long interval = hasActiveCalls || permitWithoutCalls ? minIntervalNanos : IMPLICIT_PERMIT_NANOS;
        boolean valid = !hasValidPing || nowNanos - lastValidPingNanos >= interval;
        if (valid) {
            hasValidPing = true;
            lastValidPingNanos = nowNanos;
            return true;
        }
        strikes++;
        return strikes <= maxStrikes;
    }

    /** The server sent headers or data: the client's pings are not abuse. */
    void onWrite() {
        hasValidPing = false;
        strikes = 0;
    }

    int strikes() {
        return strikes;
    }
}
