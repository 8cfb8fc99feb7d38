package org.remotemedia.transport;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2LifecycleManager;

/**
 * Caps the control frames the peer makes us queue without reading them: SETTINGS and PING
 * acknowledgements and RST_STREAMs that are written but not yet out on the socket. A peer that
 * sends SETTINGS or PINGs and never reads would otherwise grow the outbound buffer without end.
 * Takes the place of netty's own limit of the same shape (package-private in netty, so it goes
 * with the codec this server assembles itself), and reports through the {@link ConnectionGuard}.
 *
 * <p>Threads: the connection's event loop.
 */
final class ControlFrameBacklog extends DecoratingHttp2ConnectionEncoder {
    private final ConnectionGuard guard;
    private final int max;
    private int outstanding;
    private final ChannelFutureListener written = f -> outstanding--;
    private Http2LifecycleManager lifecycleManager;
    private boolean failed;

    ControlFrameBacklog(Http2ConnectionEncoder delegate, ConnectionGuard guard, int max) {
        super(delegate);
        this.guard = guard;
        this.max = max;
    }

    @Override
    public void lifecycleManager(Http2LifecycleManager lifecycleManager) {
        this.lifecycleManager = lifecycleManager;
        super.lifecycleManager(lifecycleManager);
    }

    @Override
    public ChannelFuture writeSettingsAck(ChannelHandlerContext ctx, ChannelPromise promise) {
        return super.writeSettingsAck(ctx, track(ctx, promise));
    }

    @Override
    public ChannelFuture writePing(ChannelHandlerContext ctx, boolean ack, long data, ChannelPromise promise) {
        if (!ack) {
            return super.writePing(ctx, false, data, promise); // our own pings: keepalive, drain
        }
        return super.writePing(ctx, true, data, track(ctx, promise));
    }

    @Override
    public ChannelFuture writeRstStream(ChannelHandlerContext ctx, int streamId, long errorCode,
            ChannelPromise promise) {
        return super.writeRstStream(ctx, streamId, errorCode, track(ctx, promise));
    }

    private ChannelPromise track(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (failed) {
            return promise; // the connection is closing: the write fails on its own
        }
        if (outstanding >= max) {
            ctx.flush(); // what can go out now no longer counts
        }
        if (outstanding >= max) {
            failed = true;
            lifecycleManager.onError(ctx, true, guard.exceeded("pending_control_frames", "more than " + max
                    + " SETTINGS/PING acknowledgements and RST_STREAMs queued while the peer does not read"));
            ctx.close();
            return promise;
        }
        outstanding++;
        return promise.unvoid().addListener(written);
    }
}
