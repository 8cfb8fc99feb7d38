package org.remotemedia.buffer;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicIntegerArray;
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
 * the JDK (freed by the ByteBuffer's cleaner). {@link #trim} lets go of free blocks nobody
 * needed for a while, so memory a burst took is given back.
 */
public final class BufferPool {
    public static final int MIN_SHIFT = 12;
    public static final int MAX_SHIFT = 30;
    public static final int MAX_CAPACITY = 1 << MAX_SHIFT;
    static final int ALIGNMENT = 64;
    /**
     * Free-list slots per size class: enough for {@code maxRetainedBytes} of that class, between
     * these bounds. A list shorter than the blocks a burst releases drops the surplus, and the
     * next burst allocates (and zeroes) them again: 256 slots for every class made 800 streaming
     * sessions spend 6% of their core in {@code allocateDirect} (perf, perf/RESULTS.md).
     */
    static final int MIN_QUEUE_SLOTS = 64;
    /** How often the daemon calls {@link #trim}: free blocks unused for one to two of these go. */
    public static final int TRIM_INTERVAL_SECONDS = 10;
    static final int MAX_QUEUE_SLOTS = 16_384;

    private final ManyToManyConcurrentArrayQueue<PooledBuffer>[] free;
    /** Per class: the fewest free blocks since the last {@link #trim} (blocks nobody needed). */
    private final AtomicIntegerArray leastFree = new AtomicIntegerArray(MAX_SHIFT + 1);
    private final long maxRetainedBytes;
    private final AtomicLong retainedBytes = new AtomicLong();
    private final AtomicLong inUseBytes = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();
    private final AtomicLong allocatedBytes = new AtomicLong();
    private final AtomicLong acquisitions = new AtomicLong();
    private final AtomicLong allocations = new AtomicLong();

    @SuppressWarnings("unchecked")
    public BufferPool(long maxRetainedBytes) {
        this.maxRetainedBytes = maxRetainedBytes;
        free = new ManyToManyConcurrentArrayQueue[MAX_SHIFT + 1];
        for (int s = MIN_SHIFT; s <= MAX_SHIFT; s++) {
            free[s] = new ManyToManyConcurrentArrayQueue<>(queueSlots(maxRetainedBytes, s));
        }
    }

    static int queueSlots(long maxRetainedBytes, int sizeClass) {
        return (int) Math.max(MIN_QUEUE_SLOTS, Math.min(MAX_QUEUE_SLOTS, maxRetainedBytes >> sizeClass));
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
            int left = free[sc].size();
            if (left < leastFree.get(sc)) {
                leastFree.set(sc, left); // racy by design: a lost update only makes a trim keep or drop one block more
            }
        } else {
            leastFree.set(sc, 0);
            ByteBuffer mem = BufferUtil.allocateDirectAligned(1 << sc, ALIGNMENT);
            allocatedBytes.addAndGet(1L << sc);
            allocations.incrementAndGet();
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

    /**
     * Lets go of the free blocks that no acquisition needed since the previous trim: per size
     * class, as many blocks as the fewest the class had free in that interval. So what a burst
     * (an attack, a start-up) left behind goes back to the JDK after two trims, while a steady
     * working set stays pooled. Dropped blocks are freed by their cleaner (after a GC). Returns
     * the bytes let go. Called every {@link #TRIM_INTERVAL_SECONDS} by the daemon; any thread.
     */
    public long trim() {
        long dropped = 0;
        for (int s = MIN_SHIFT; s <= MAX_SHIFT; s++) {
            int idle = leastFree.get(s);
            for (int i = 0; i < idle; i++) {
                PooledBuffer b = free[s].poll();
                if (b == null) {
                    break;
                }
                retainedBytes.addAndGet(-(1L << s));
                allocatedBytes.addAndGet(-(1L << s));
                dropped += 1L << s;
            }
            leastFree.set(s, free[s].size());
        }
        return dropped;
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

    /** Blocks allocated from the JDK (acquisitions the free lists could not serve). */
    public long allocations() {
        return allocations.get();
    }
}
