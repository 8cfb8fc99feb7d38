package org.remotemedia.grpc;

import java.nio.ByteBuffer;

/**
 * The transport's pooled direct buffers, as the framer writes into them (for netty: a
 * {@code ByteBuf} from the channel's allocator). Buffers are opaque owners, as in
 * {@link BufferRefs}; offsets count from the start of the buffer.
 *
 * <p>A buffer is used by one thread at a time; the allocator itself is thread-safe.
 */
public interface OutboundBuffers extends BufferRefs {
    /** A new buffer with room for {@code capacity} bytes, holding one reference for the caller. */
    Object allocate(int capacity);

    /**
     * A view of bytes {@code [index, index + length)}, position at {@code index}'s byte. It may be
     * the buffer's one shared view: valid until the next call of this method for the same buffer.
     */
    ByteBuffer view(Object owner, int index, int length);

    /** Byte {@code index} set to the low 8 bits of {@code value}. */
    void setByte(Object owner, int index, int value);

    /** Bytes {@code [index, index + 4)} set to {@code value}, big-endian (network order). */
    void setInt(Object owner, int index, int value);

    /** The first {@code length} bytes are the buffer's content: what the transport sends. */
    void setLength(Object owner, int length);

    /** The content's length. */
    int length(Object owner);
}
