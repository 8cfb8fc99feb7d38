package org.remotemedia.testkit;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.remotemedia.grpc.BufferRefs;

/**
 * {@link BufferRefs} for fuzzing the wire code without netty: every owner is a region of a
 * direct buffer with a reference count that starts at one. When the count reaches zero the
 * region is overwritten with {@link #POISON}, so a view read after its memory was given back
 * shows wrong bytes (a use after free that netty's pooled memory would hide until another
 * call got the memory). A release below zero fails at once; {@link #assertAllReleased()}
 * finds owners still held (a leak).
 *
 * <p>Threads: one at a time (the fuzzing thread).
 */
public final class PoisoningRefs implements BufferRefs {
    public static final byte POISON = (byte) 0xA5;

    /** One region of a base buffer; the owner object the wire code holds. */
    public static final class Region {
        final ByteBuffer base;
        final int pos;
        final int len;
        int count = 1;

        Region(ByteBuffer base, int pos, int len) {
            this.base = base;
            this.pos = pos;
            this.len = len;
        }

        public ByteBuffer base() {
            return base;
        }

        public int pos() {
            return pos;
        }

        public int len() {
            return len;
        }
    }

    /** Direct memory for one input's buffers, reused: allocateDirect per buffer is slow and GC-bound. */
    private static final ByteBuffer SLAB = ByteBuffer.allocateDirect(1 << 20);
    private static int slabUsed;

    private final List<Region> regions = new ArrayList<>();

    /** Starts an input: the previous input's buffers (all released by now) are reused. */
    public PoisoningRefs() {
        slabUsed = 0;
    }

    /**
     * A direct buffer of {@code bytes}, a slice of the shared slab (a fresh allocation past it).
     * Valid until the next {@code PoisoningRefs} is made.
     */
    public static ByteBuffer direct(int bytes) {
        if (slabUsed + bytes > SLAB.capacity()) {
            return ByteBuffer.allocateDirect(bytes);
        }
        ByteBuffer b = SLAB.slice(slabUsed, bytes);
        slabUsed += (bytes + 7) & ~7;
        return b;
    }

    /**
     * Copies {@code len} bytes of {@code src} into its own direct buffer at a margin of
     * {@code margin} bytes (so views must honour their start), one reference held by the caller.
     */
    public Region copyOf(byte[] src, int off, int len, int margin) {
        ByteBuffer base = direct(margin + len + margin);
        base.put(margin, src, off, len);
        return region(base, margin, len);
    }

    /** A region of an existing base (several regions may share one base, as netty slices do). */
    public Region region(ByteBuffer base, int pos, int len) {
        Region r = new Region(base, pos, len);
        regions.add(r);
        return r;
    }

    @Override
    public void retain(Object owner) {
        Region r = (Region) owner;
        if (r.count <= 0) {
            throw new AssertionError("retain of a buffer already released (use after free)");
        }
        r.count++;
    }

    @Override
    public void release(Object owner) {
        Region r = (Region) owner;
        if (r.count <= 0) {
            throw new AssertionError("buffer released more often than retained (double release)");
        }
        if (--r.count == 0) {
            ByteBuffer whole = r.base.duplicate().clear(); // views move the base's limit
            for (int i = 0; i < r.len; i++) {
                whole.put(r.pos + i, POISON);
            }
        }
    }

    /** Fails if any region is still referenced. */
    public void assertAllReleased(String what) {
        int held = 0;
        for (Region r : regions) {
            if (r.count != 0) {
                held++;
            }
        }
        if (held > 0) {
            throw new AssertionError(what + ": " + held + " of " + regions.size()
                    + " buffers still referenced after everything was closed and released (a leak)");
        }
    }

    public int regionCount() {
        return regions.size();
    }
}
