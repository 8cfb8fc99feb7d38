package org.remotemedia.grpc;

import java.nio.ByteBuffer;

/**
 * Writes one outbound message straight into a (direct, pooled) buffer: the transport asks for
 * the size, reserves exactly that many bytes after the 5-byte prefix, and lets the encoder
 * write them -- no byte[] in between. For protobuf: {@code getSerializedSize()} and
 * {@code writeTo(CodedOutputStream.newInstance(dst))}; the service supplies that, this
 * package knows nothing of protobuf.
 *
 * <p>Stateless implementations may be shared by every thread; {@link #serializedSize} is
 * called before {@link #encode} on the same thread.
 */
public interface MessageEncoder<T> {
    /** Exact number of bytes {@link #encode} will write. */
    int serializedSize(T message);

    /**
     * Writes exactly {@link #serializedSize} bytes at {@code dst.position()}, advancing it.
     * {@code dst.remaining()} equals that size.
     */
    void encode(T message, ByteBuffer dst);
}
