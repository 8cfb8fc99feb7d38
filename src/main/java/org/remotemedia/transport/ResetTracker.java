package org.remotemedia.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2LifecycleManager;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * Decorates the encoder where every RST_STREAM this server sends passes (netty's stream-error
 * handling writes through the encoder too): the {@link ConnectionGuard} remembers the stream
 * for the stray frames still in flight, and counts the reset against its budget.
 *
 * <p>Threads: the connection's event loop.
 */
final class ResetTracker extends DecoratingHttp2ConnectionEncoder {
    private final ConnectionGuard guard;
    private Http2LifecycleManager lifecycleManager;
    private boolean failed;

    ResetTracker(Http2ConnectionEncoder delegate, ConnectionGuard guard) {
        super(delegate);
        this.guard = guard;
    }

    @Override
    public void lifecycleManager(Http2LifecycleManager lifecycleManager) {
        this.lifecycleManager = lifecycleManager;
        super.lifecycleManager(lifecycleManager);
    }

    @Override
    public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode,
            ChannelPromise promise) {
        Http2Stream stream = connection().stream(streamId);
        // netty routes every stream error here, also for a stream it has already reset (queued DATA
        // failing after our reset, say): no frame goes out for those, so nothing is counted
        Http2Exception over = stream != null && stream.isResetSent() ? null : guard.resetSent(streamId, errorCode);
        ChannelFuture f = super.writeRstStream(ctx, streamId, errorCode, promise);
        if (over != null && !failed) {
            failed = true;
            lifecycleManager.onError(ctx, true, over); // GOAWAY with the reason, as netty's own limit does
            ctx.close();
        }
        return f;
    }
}
