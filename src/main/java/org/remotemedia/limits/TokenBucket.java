package org.remotemedia.limits;

/**
 * A token bucket: {@code ratePerSecond} tokens flow in, at most {@code burst} are kept. A call
 * that finds at least one token (calls) or a non-negative balance (audio, charged after the
 * fact and allowed to go into debt) is let through. Handed the time, so tests need no clock.
 *
 * <p>Thread-safe: one short {@code synchronized} section per check (per identity, so identities
 * never contend with each other).
 */
final class TokenBucket {
    private final double ratePerSecond;
    private final double burst;
    private double tokens;
    private long lastNanos;

    TokenBucket(double ratePerSecond, double burst, long nowNanos) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.tokens = burst;
        this.lastNanos = nowNanos;
    }

    private void refill(long nowNanos) {
        if (nowNanos > lastNanos) {
            tokens = Math.min(burst, tokens + (nowNanos - lastNanos) * ratePerSecond / 1e9);
            lastNanos = nowNanos;
        }
    }

    /** Takes {@code n} tokens if there are that many: true; else false and nothing taken. */
    synchronized boolean tryTake(double n, long nowNanos) {
        refill(nowNanos);
        if (tokens >= n) {
            tokens -= n;
            return true;
        }
        return false;
    }

    /** True while the balance is not negative (a debt from {@link #charge} blocks until paid off). */
    synchronized boolean solvent(long nowNanos) {
        refill(nowNanos);
        return tokens >= 0;
    }

    /** Takes {@code n} tokens whatever the balance (may go negative: a debt). */
    synchronized void charge(double n, long nowNanos) {
        refill(nowNanos);
        tokens -= n;
    }

    /** Milliseconds until {@code n} tokens are there (0 if they are), at least 1 when waiting. */
    synchronized long millisUntil(double n, long nowNanos) {
        refill(nowNanos);
        if (tokens >= n) {
            return 0;
        }
        return Math.max(1, (long) Math.ceil((n - tokens) / ratePerSecond * 1000));
    }

    double ratePerSecond() {
        return ratePerSecond;
    }

    double burst() {
        return burst;
    }
}
