package org.remotemedia.buffer;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import org.agrona.BufferUtil;
import org.agrona.concurrent.ManyToManyConcurrentArrayQueue;

/**
 * Off-heap buffers in power-of-two size classes (4 KiB to 1 GiB), recycled through one
 * lock-free queue per class, so a steady stream of acquire / release allocates nothing.
 * Accounts the bytes in use and their peak, pool-wide and per {@link MemoryAccount}.
 *
 * <p>Thread-safe: acquire and release from any thread. At most {@code maxRetainedBytes} of
 * free blocks are kept; beyond that a released block is dropped and its memory returned to
 * the JDK (freed by the ByteBuffer's cleaner).
 */
public final class BufferPool {
    public static final int MIN_SHIFT = 12;
    public static final int MAX_SHIFT = 30;
    public static final int MAX_CAPACITY = 1 << MAX_SHIFT;
    static final int ALIGNMENT = 64;
    private static final int QUEUE_SLOTS = 256;

    private final ManyToManyConcurrentArrayQueue<PooledBuffer>[] free;
    private final long maxRetainedBytes;
    private final AtomicLong retainedBytes = new AtomicLong();
    private final AtomicLong inUseBytes = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();
    private final AtomicLong allocatedBytes = new AtomicLong();
    private final AtomicLong acquisitions = new AtomicLong();

    @SuppressWarnings("unchecked")
    public BufferPool(long maxRetainedBytes) {
        this.maxRetainedBytes = maxRetainedBytes;
        free = new ManyToManyConcurrentArrayQueue[MAX_SHIFT + 1];
        for (int s = MIN_SHIFT; s <= MAX_SHIFT; s++) {
            free[s] = new ManyToManyConcurrentArrayQueue<>(QUEUE_SLOTS);
        }
    }

    /** A pool keeping up to 256 MiB of free blocks. */
    public BufferPool() {
        this(256L << 20);
    }

    /** The size class (log2 of capacity) that holds {@code bytes}. */
    public static int sizeClassOf(long bytes) {
        if (bytes > MAX_CAPACITY) {
            throw new IllegalArgumentException("buffer of " + bytes + " bytes is over the pool's largest block ("
                    + MAX_CAPACITY + " bytes)");
        }
        int shift = 64 - Long.numberOfLeadingZeros(Math.max(bytes, 1) - 1);
        return Math.max(MIN_SHIFT, shift);
    }

    /** The capacity a request of {@code bytes} gets (what it is charged). */
    public static int capacityFor(long bytes) {
        return 1 << sizeClassOf(bytes);
    }

    /** A block of at least {@code minBytes}, charged to {@code account} (may be null). Never null. */
    public PooledBuffer acquire(long minBytes, MemoryAccount account) {
        int sc = sizeClassOf(minBytes);
        PooledBuffer b = free[sc].poll();
        if (b != null) {
            retainedBytes.addAndGet(-(1L << sc));
        } else {
            ByteBuffer mem = BufferUtil.allocateDirectAligned(1 << sc, ALIGNMENT);
            allocatedBytes.addAndGet(1L << sc);
            b = new PooledBuffer(this, mem, sc);
        }
        if (!b.claim(account)) {
            throw new IllegalStateException("pool handed out a block that is in use");
        }
        long cap = 1L << sc;
        acquisitions.incrementAndGet();
        long now = inUseBytes.addAndGet(cap);
        long peak;
        while (now > (peak = peakBytes.get()) && !peakBytes.compareAndSet(peak, now)) {
            // retry
        }
        if (account != null) {
            account.charge(cap);
        }
        return b;
    }

    void recycle(PooledBuffer b, MemoryAccount account) {
        long cap = 1L << b.sizeClass();
        inUseBytes.addAndGet(-cap);
        if (account != null) {
            account.credit(cap);
        }
        if (retainedBytes.addAndGet(cap) <= maxRetainedBytes && free[b.sizeClass()].offer(b)) {
            return;
        }
        retainedBytes.addAndGet(-cap); // dropped: the cleaner frees it
        allocatedBytes.addAndGet(-cap);
    }

    /** Bytes handed out and not yet released. */
    public long inUseBytes() {
        return inUseBytes.get();
    }

    /** Most bytes ever in use at once. */
    public long peakBytes() {
        return peakBytes.get();
    }

    /** Bytes of free blocks kept for reuse. */
    public long retainedBytes() {
        return retainedBytes.get();
    }

    /** Off-heap bytes this pool holds (in use plus retained). */
    public long allocatedBytes() {
        return allocatedBytes.get();
    }

    public long acquisitions() {
        return acquisitions.get();
    }
}
