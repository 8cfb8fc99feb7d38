package org.remotemedia.buffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of pooled memory held by one execution or session, with its peak and an optional
 * limit (the request's {@code max_memory_bytes}). Charged on acquire, credited on release;
 * release may happen on another thread, so the counters are atomic (uncontended in practice).
 */
public final class MemoryAccount {
    private final long limitBytes;
    private final AtomicLong inUseBytes = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();

    /** @param limitBytes the most bytes this account may hold at once; {@code Long.MAX_VALUE} for none */
    public MemoryAccount(long limitBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("limitBytes must be > 0: " + limitBytes);
        }
        this.limitBytes = limitBytes;
    }

    public static MemoryAccount unlimited() {
        return new MemoryAccount(Long.MAX_VALUE);
    }

    public long limitBytes() {
        return limitBytes;
    }

    public long inUseBytes() {
        return inUseBytes.get();
    }

    public long peakBytes() {
        return peakBytes.get();
    }

    /** Whether {@code bytes} more would stay within the limit. */
    public boolean fits(long bytes) {
        return inUseBytes.get() + bytes <= limitBytes;
    }

    void charge(long bytes) {
        long now = inUseBytes.addAndGet(bytes);
        long peak;
        while (now > (peak = peakBytes.get())) {
            if (peakBytes.compareAndSet(peak, now)) {
                break;
            }
        }
    }

    void credit(long bytes) {
        inUseBytes.addAndGet(-bytes);
    }

    /** Charges state memory that is not pooled (a node's own arrays), so it counts toward the limit and peak. */
    public void chargeExternal(long bytes) {
        charge(bytes);
    }

    public void creditExternal(long bytes) {
        credit(bytes);
    }
}
