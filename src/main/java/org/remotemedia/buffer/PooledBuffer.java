package org.remotemedia.buffer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One off-heap block of a {@link BufferPool}: 64-byte aligned, its capacity a power of two.
 * The object itself is recycled with its memory, so acquiring and releasing allocates nothing.
 *
 * <p>Owned by whoever acquired it until {@link #release()}; release may happen on any thread
 * (the service serializes an output on an event loop and releases it there), exactly once.
 */
public final class PooledBuffer {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PooledBuffer.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static final int FREE = 0;
    static final int IN_USE = 1;

    private final BufferPool pool;
    private final ByteBuffer memory;
    private final UnsafeBuffer buffer;
    private final int sizeClass;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state = FREE;
    private MemoryAccount account;

    PooledBuffer(BufferPool pool, ByteBuffer memory, int sizeClass) {
        this.pool = pool;
        this.memory = memory;
        this.buffer = new UnsafeBuffer(memory);
        this.sizeClass = sizeClass;
    }

    /** The bytes, as an Agrona buffer (absolute offsets from 0 to {@link #capacity()}). */
    public UnsafeBuffer buffer() {
        return buffer;
    }

    /** The same memory as a direct ByteBuffer (position 0, limit = capacity); do not change its position. */
    public ByteBuffer byteBuffer() {
        return memory;
    }

    public int capacity() {
        return buffer.capacity();
    }

    /** Native address of byte 0. */
    public long address() {
        return buffer.addressOffset();
    }

    int sizeClass() {
        return sizeClass;
    }

    boolean claim(MemoryAccount account) {
        if (!STATE.compareAndSet(this, FREE, IN_USE)) {
            return false;
        }
        this.account = account;
        return true;
    }

    /** True between acquire and release. */
    public boolean inUse() {
        return state == IN_USE;
    }

    /**
     * Returns the block to its pool. A second release of the same acquisition is a bug in the
     * caller and throws, so it cannot silently hand one block to two owners.
     */
    public void release() {
        if (!STATE.compareAndSet(this, IN_USE, FREE)) {
            throw new IllegalStateException("buffer released twice (or never acquired)");
        }
        MemoryAccount a = account;
        account = null;
        pool.recycle(this, a);
    }
}
