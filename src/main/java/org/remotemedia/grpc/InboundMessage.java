package org.remotemedia.grpc;

import java.nio.ByteBuffer;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.RandomAccess;

/**
 * One inbound gRPC message as direct {@link ByteBuffer} views of the network buffers it
 * arrived in: one view when it sat in one DATA frame, several when it spanned frames. No byte
 * is copied (a compressed message is inflated once into a fresh pooled buffer).
 *
 * <p>Ownership: a message handed to a callback is valid <em>during that callback only</em>;
 * the transport reuses the object and the memory afterwards. To keep the bytes (e.g. an audio
 * {@code bytes} field parsed with aliasing, handed to DSP on another thread), call
 * {@link #retain()} inside the callback: it returns an independent handle that keeps the
 * memory alive until its {@link #release()}, which must be called exactly once, from any
 * thread. The views' positions are the caller's to move; {@link #toByteArray()} and
 * {@link #copyTo} ignore them.
 *
 * <p>Parsing with protobuf aliasing (large {@code bytes} fields become views, not copies):
 * {@code UnsafeByteOperations.unsafeWrap(buffer()).newCodedInput()} then
 * {@code enableAliasing(true)} for a single view, the concatenation of the wrapped
 * {@link #buffers()} for several; docs/rpc-api.md shows both.
 *
 * <p>Threads: a transient message belongs to the event loop that delivers it; a retained
 * handle may move to any one thread at a time.
 */
public final class InboundMessage {
    private static final ByteBuffer EMPTY = ByteBuffer.allocateDirect(0);

    private final BufferRefs refs;
    private final boolean retained;
    private int length;
    private int count;
    private ByteBuffer[] bases;
    private int[] starts;
    private int[] lengths;
    private ByteBuffer[] views;
    private Object[] owners;
    private Object tempOwner;
    private boolean released;
    private boolean wasCompressed;
    private final ViewList list = new ViewList();

    /** A reusable transient message, for a deframer or the transport. */
    public InboundMessage(BufferRefs refs) {
        this(refs, false, 2);
    }

    private InboundMessage(BufferRefs refs, boolean retained, int capacity) {
        this.refs = refs;
        this.retained = retained;
        this.bases = new ByteBuffer[capacity];
        this.starts = new int[capacity];
        this.lengths = new int[capacity];
        this.views = new ByteBuffer[capacity];
        this.owners = new Object[capacity];
    }

    /** Total bytes of the message. */
    public int length() {
        return length;
    }

    /** Number of views the message spans (0 for an empty message). */
    public int bufferCount() {
        return count;
    }

    /** The {@code i}-th view, positioned on the message's bytes in it. */
    public ByteBuffer buffer(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException(i);
        }
        ByteBuffer v = views[i];
        if (v == null) { // made on first use: a message gathered by copyTo never needs its views
            reach(bases[i], starts[i] + lengths[i]);
            v = views[i] = bases[i].slice(starts[i], lengths[i]);
        }
        return v;
    }

    /**
     * The single view of a message that sits in one buffer (an empty direct buffer for an
     * empty message). For a message that spans several, use {@link #buffers()}.
     */
    public ByteBuffer buffer() {
        if (count == 0) {
            return EMPTY;
        }
        if (count != 1) {
            throw new IllegalStateException("this message spans " + count
                    + " network buffers; use buffers() (or check bufferCount() first)");
        }
        return buffer(0);
    }

    /** All views in order: a live list over this message, not a copy. */
    public List<ByteBuffer> buffers() {
        return list;
    }

    /** Copies the whole message into {@code dst} at its position, advancing it. */
    public void copyTo(ByteBuffer dst) {
        int p = dst.position();
        for (int i = 0; i < count; i++) {
            reach(bases[i], starts[i] + lengths[i]);
            dst.put(p, bases[i], starts[i], lengths[i]);
            p += lengths[i];
        }
        dst.position(p);
    }

    /** A heap copy of the bytes (tests, small control messages; never for audio). */
    public byte[] toByteArray() {
        byte[] out = new byte[length];
        int o = 0;
        for (int i = 0; i < count; i++) {
            reach(bases[i], starts[i] + lengths[i]);
            bases[i].get(starts[i], out, o, lengths[i]);
            o += lengths[i];
        }
        return out;
    }

    /**
     * Keeps the memory beyond the callback: returns an independent handle whose
     * {@link #release()} must be called exactly once. Allocates the handle and one view per
     * buffer; the bytes are not copied.
     */
    public InboundMessage retain() {
        if (released) {
            throw new IllegalStateException("message already released");
        }
        InboundMessage copy = new InboundMessage(refs, true, Math.max(1, count));
        for (int i = 0; i < count; i++) {
            refs.retain(owners[i]);
            copy.add(bases[i], starts[i], lengths[i], owners[i], false);
        }
        copy.wasCompressed = wasCompressed;
        return copy;
    }

    /** Releases a handle obtained from {@link #retain()}; exactly once, from any thread. */
    public void release() {
        if (!retained) {
            throw new IllegalStateException(
                    "release() is only for handles returned by retain(); the transport releases a callback's message");
        }
        if (released) {
            throw new IllegalStateException("message released twice");
        }
        released = true;
        for (int i = 0; i < count; i++) {
            Object o = owners[i];
            owners[i] = null;
            views[i] = null;
            bases[i] = null;
            refs.release(o);
        }
    }

    /**
     * True if the message arrived compressed (compressed-flag 1) and was inflated by the
     * transport; services that must insist on compression (grpc interop's
     * {@code expect_compressed}) read this.
     */
    public boolean wasCompressed() {
        return wasCompressed;
    }

    /** Set by the transport before the callback. */
    public void markCompressed(boolean compressed) {
        this.wasCompressed = compressed;
    }

    /**
     * Re-applies the views' positions (transport only): a single shared view is repositioned
     * before a callback that comes later than the deframing (a unary request held until the
     * client's end of stream).
     */
    public void reposition() {
        for (int i = 0; i < count; i++) {
            if (views[i] == bases[i]) {
                ByteBuffer b = bases[i];
                b.clear();
                b.position(starts[i]).limit(starts[i] + lengths[i]);
            }
        }
    }

    /** True for a handle from {@link #retain()}. */
    public boolean isRetainedHandle() {
        return retained;
    }

    /** True once a retained handle has been released. */
    public boolean isReleased() {
        return released;
    }

    // ---- for the deframer and the transport (the owning event loop) ----

    void clear() {
        for (int i = 0; i < count; i++) {
            bases[i] = null;
            views[i] = null;
            owners[i] = null;
        }
        count = 0;
        length = 0;
        wasCompressed = false;
    }

    /**
     * Adds a view of {@code len} bytes at {@code start} of {@code base}. {@code shared}: the
     * base itself becomes the view (positioned; no allocation) -- only for a transient message
     * whose base is not used by another view at the same time.
     */
    void add(ByteBuffer base, int start, int len, Object owner, boolean shared) {
        if (count == bases.length) {
            ensureCapacity(count * 2);
        }
        bases[count] = base;
        starts[count] = start;
        lengths[count] = len;
        owners[count] = owner;
        if (shared) {
            base.clear();
            base.position(start).limit(start + len);
            views[count] = base;
        } else {
            views[count] = null; // see buffer(int)
        }
        count++;
        length += len;
    }

    /** Room for {@code n} views, so a message whose frame count is known grows once, not by doubling. */
    void ensureCapacity(int n) {
        if (n > bases.length) {
            bases = Arrays.copyOf(bases, n);
            starts = Arrays.copyOf(starts, n);
            lengths = Arrays.copyOf(lengths, n);
            views = Arrays.copyOf(views, n);
            owners = Arrays.copyOf(owners, n);
        }
    }

    /**
     * Makes this transient message one view of a buffer the transport owns (an inflated
     * message); the transport releases that owner after the callback ({@link #takeTempOwner}).
     */
    public void resetToSingle(ByteBuffer base, int start, int len, Object owner) {
        clear();
        add(base, start, len, owner, true);
        tempOwner = owner;
    }

    /** The owner set by {@link #resetToSingle}, or null; forgets it. */
    public Object takeTempOwner() {
        Object o = tempOwner;
        tempOwner = null;
        return o;
    }

    /** Forgets the views of a transient message (after its callback). */
    public void reset() {
        clear();
    }

    /**
     * Absolute reads and slices are bounded by the limit: a base shared with other views may
     * have a smaller one right now. Widening it is harmless (its position stays put).
     */
    static void reach(ByteBuffer base, int end) {
        if (base.limit() < end) {
            base.limit(base.capacity());
        }
    }

    private final class ViewList extends AbstractList<ByteBuffer> implements RandomAccess {
        @Override
        public ByteBuffer get(int index) {
            return buffer(index);
        }

        @Override
        public int size() {
            return count;
        }
    }
}
