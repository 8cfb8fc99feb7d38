package org.remotemedia.transport;

import io.netty.util.ReferenceCounted;
import org.remotemedia.grpc.BufferRefs;

/** {@link BufferRefs} over netty's atomic reference counts. Stateless; any thread. */
final class NettyBufferRefs implements BufferRefs {
    static final NettyBufferRefs INSTANCE = new NettyBufferRefs();

    private NettyBufferRefs() {
    }

    @Override
    public void retain(Object owner) {
        ((ReferenceCounted) owner).retain();
    }

    @Override
    public void release(Object owner) {
        ((ReferenceCounted) owner).release();
    }
}
