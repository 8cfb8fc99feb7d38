package org.remotemedia.grpc;

/**
 * Reference counting of the memory behind a {@link java.nio.ByteBuffer} view, supplied by the
 * transport (for netty: {@code ReferenceCounted.retain/release}). The wire code holds opaque
 * owners and never learns what they are.
 *
 * <p>Thread-safe as the owners are: netty's reference counts are atomic.
 */
public interface BufferRefs {
    void retain(Object owner);

    void release(Object owner);
}
