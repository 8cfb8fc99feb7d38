package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ReferenceCounted;
import java.nio.ByteBuffer;
import org.remotemedia.grpc.OutboundBuffers;

/**
 * {@link OutboundBuffers} over netty: owners are {@link ByteBuf}s from one allocator (the
 * channels' pooled one), reference counts are netty's atomic ones. Stateless; any thread.
 */
final class NettyBufferRefs implements OutboundBuffers {
    private final ByteBufAllocator alloc;

    NettyBufferRefs(ByteBufAllocator alloc) {
        this.alloc = alloc;
    }

    @Override
    public void retain(Object owner) {
        ((ReferenceCounted) owner).retain();
    }

    @Override
    public void release(Object owner) {
        ((ReferenceCounted) owner).release();
    }

    @Override
    public Object allocate(int capacity) {
        return alloc.directBuffer(capacity);
    }

    @Override
    public ByteBuffer view(Object owner, int index, int length) {
        return ((ByteBuf) owner).internalNioBuffer(index, length);
    }

    @Override
    public void setByte(Object owner, int index, int value) {
        ((ByteBuf) owner).setByte(index, value);
    }

    @Override
    public void setInt(Object owner, int index, int value) {
        ((ByteBuf) owner).setInt(index, value); // ByteBuf's order is big-endian
    }

    @Override
    public void setLength(Object owner, int length) {
        ((ByteBuf) owner).writerIndex(length);
    }

    @Override
    public int length(Object owner) {
        return ((ByteBuf) owner).writerIndex();
    }
}
