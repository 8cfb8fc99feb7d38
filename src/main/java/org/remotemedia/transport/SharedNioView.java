package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/**
 * A {@link ByteBuffer} over a netty buffer's readable bytes without allocating: netty's
 * derived buffers (the retained slice each DATA frame is) answer {@code internalNioBuffer}
 * with a fresh {@code nioBuffer} (two objects per frame), so we go to the root pooled buffer,
 * whose internal view is cached and shared, and position that at the slice's bytes.
 *
 * <p>The returned buffer may be shared with every other slice of the same root: callers read
 * it with absolute indexes or re-position it right before use (as {@code InboundMessage}
 * does), and only on the owning event loop. Stateless.
 */
public final class SharedNioView {
    private SharedNioView() {
    }

    /** A view of {@code data}'s readable bytes, positioned on them; shared when possible. */
    public static ByteBuffer of(ByteBuf data) {
        int len = data.readableBytes();
        if (data.hasMemoryAddress()) {
            ByteBuf root = data;
            while (root.unwrap() != null) {
                root = root.unwrap();
            }
            if (root != data && root.hasMemoryAddress() && root.nioBufferCount() == 1) {
                long index = data.memoryAddress() - root.memoryAddress() + data.readerIndex();
                if (index >= 0 && index + len <= root.capacity()) {
                    return root.internalNioBuffer((int) index, len);
                }
            }
        }
        if (data.nioBufferCount() == 1) {
            return data.internalNioBuffer(data.readerIndex(), len);
        }
        return null;
    }
}
