package org.remotemedia.limits;

import java.util.concurrent.atomic.AtomicInteger;
import org.remotemedia.config.ServerConfig;

/**
 * Admission control for executions: at most {@code execution.max_concurrent_executions} in
 * flight (an ExecutePipeline running or queued for a DSP worker, a StreamPipeline session
 * open); beyond that callers are turned away with a retry hint. Draining is a flag the callers
 * read: the transport's two-phase GOAWAY decides which calls a draining server still serves (every
 * one it accepted), so a slot is still granted while the server drains.
 * Lock-free: one CAS per admission, one decrement per exit.
 *
 * <p>Thread-safe: event loops admit, whichever thread finishes the work releases.
 */
public final class Admission {
    /** The hint sent with an overload rejection: roughly one short execution. */
    public static final long DEFAULT_RETRY_AFTER_MS = 100;

    private final int maxInFlight;
    private final long retryAfterMs;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;
    private volatile long drainRetryAfterMs = 1000;

    public Admission(int maxInFlight, long retryAfterMs) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be >= 1, got " + maxInFlight);
        }
        this.maxInFlight = maxInFlight;
        this.retryAfterMs = retryAfterMs;
    }

    public static Admission from(ServerConfig.Execution e) {
        return new Admission(e.maxConcurrentExecutions(), DEFAULT_RETRY_AFTER_MS);
    }

    /** Takes a slot; false when all are taken. Pair a true with {@link #release()}. */
    public boolean tryAcquire() {
        int n;
        do {
            n = inFlight.get();
            if (n >= maxInFlight) {
                return false;
            }
        } while (!inFlight.compareAndSet(n, n + 1));
        return true;
    }

    public void release() {
        int n = inFlight.decrementAndGet();
        if (n < 0) {
            inFlight.incrementAndGet();
            throw new IllegalStateException("Admission.release without a matching tryAcquire");
        }
    }

    /** True when a new execution would be refused for lack of a slot (a cheap pre-check). */
    public boolean full() {
        return inFlight.get() >= maxInFlight;
    }

    /**
     * The server drains from now on: {@link #draining()} turns true (new streaming sessions are then
     * refused with {@code retryAfterMs}, e.g. the drain grace, as the hint).
     */
    public void beginDrain(long retryAfterMs) {
        this.drainRetryAfterMs = Math.max(1, retryAfterMs);
        this.draining = true;
    }

    public boolean draining() {
        return draining;
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    public long retryAfterMs() {
        return retryAfterMs;
    }

    public long drainRetryAfterMs() {
        return drainRetryAfterMs;
    }
}
