package org.remotemedia.limits;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-peer authentication-failure throttling: a client address that fails authentication
 * {@code maxFailures} times within {@code windowMs} is refused, without a token check, for
 * {@code backoffMs} (a guessing client gets a few tries, not a stream of them). At most
 * {@link #MAX_PEERS} addresses are remembered; the oldest entries give way first. Handed the
 * time, so tests need no clock.
 *
 * <p>Thread-safe: one short lock per peer entry; event loops of every connection call it.
 */
final class AuthFailureThrottle {
    static final int MAX_PEERS = 100_000;

    private static final class Peer {
        long windowStartNanos;
        int failures;
        long blockedUntilNanos;
        long lastNanos;
    }

    private final int maxFailures;
    private final long windowNanos;
    private final long backoffNanos;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();

    AuthFailureThrottle(int maxFailures, long windowMs, long backoffMs) {
        this.maxFailures = maxFailures;
        this.windowNanos = windowMs * 1_000_000L;
        this.backoffNanos = backoffMs * 1_000_000L;
    }

    boolean enabled() {
        return maxFailures > 0;
    }

    /** Milliseconds the peer is still refused for, or 0 when it may try. */
    long blockedForMs(String peer, long nowNanos) {
        if (maxFailures <= 0) {
            return 0;
        }
        Peer p = peers.get(peer);
        if (p == null) {
            return 0;
        }
        synchronized (p) {
            long left = p.blockedUntilNanos - nowNanos;
            return left > 0 ? Math.max(1, left / 1_000_000) : 0;
        }
    }

    /** Counts a failure; true when it starts a back-off for this peer. */
    boolean failed(String peer, long nowNanos) {
        if (maxFailures <= 0) {
            return false;
        }
        Peer p = peers.get(peer);
        if (p == null) {
            if (peers.size() >= MAX_PEERS) {
                evict(nowNanos);
            }
            p = peers.computeIfAbsent(peer, k -> new Peer());
        }
        synchronized (p) {
            p.lastNanos = nowNanos;
            if (p.failures == 0 || nowNanos - p.windowStartNanos > windowNanos) {
                p.windowStartNanos = nowNanos;
                p.failures = 0;
            }
            p.failures++;
            if (p.failures >= maxFailures) {
                p.failures = 0;
                p.blockedUntilNanos = nowNanos + backoffNanos;
                return true;
            }
            return false;
        }
    }

    /** Forgets peers whose window and back-off are over; if none, the least recently seen tenth. */
    private void evict(long nowNanos) {
        long horizon = Math.max(windowNanos, backoffNanos);
        peers.values().removeIf(p -> nowNanos - p.lastNanos > horizon && nowNanos >= p.blockedUntilNanos);
        if (peers.size() >= MAX_PEERS) {
            int drop = MAX_PEERS / 10;
            Iterator<Peer> it = peers.values().iterator();
            while (drop-- > 0 && it.hasNext()) {
                it.next();
                it.remove();
            }
        }
    }

    int trackedPeers() {
        return peers.size();
    }
}
