package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.logging.LogLevel;

/**
 * Sees every HEADERS and DATA frame as it goes on the wire (netty calls its frame logger for
 * each), so the ping-abuse policy can forgive pings while the server is sending: clients
 * legitimately ping (BDP estimation) while a large response streams in, which is one
 * {@code sendMessage} but hundreds of DATA frames. Logs nothing itself (level TRACE, off).
 *
 * <p>Threads: the connection's event loop.
 */
final class WriteMonitor extends Http2FrameLogger {
    private KeepAliveEnforcer enforcer;

    WriteMonitor() {
        super(LogLevel.TRACE, WriteMonitor.class);
    }

    void enforcer(KeepAliveEnforcer e) {
        this.enforcer = e;
    }

    @Override
    public void logData(Direction direction, ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding,
            boolean endStream) {
        if (direction == Direction.OUTBOUND && enforcer != null) {
            enforcer.onWrite();
        }
    }

    @Override
    public void logHeaders(Direction direction, ChannelHandlerContext ctx, int streamId, Http2Headers headers,
            int padding, boolean endStream) {
        if (direction == Direction.OUTBOUND && enforcer != null) {
            enforcer.onWrite();
        }
    }

    @Override
    public void logHeaders(Direction direction, ChannelHandlerContext ctx, int streamId, Http2Headers headers,
            int streamDependency, short weight, boolean exclusive, int padding, boolean endStream) {
        logHeaders(direction, ctx, streamId, headers, padding, endStream);
    }
}
