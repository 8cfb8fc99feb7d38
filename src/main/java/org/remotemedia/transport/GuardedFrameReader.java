package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameReader;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Decorates netty's frame reader: every frame it parses passes through here before netty's
 * connection decoder sees it, so the {@link ConnectionGuard} can drop the stray frames netty
 * would answer with RST_STREAM or a connection error, and count control frames (SETTINGS, PING,
 * RST_STREAM, WINDOW_UPDATE) against their budgets. HEADERS are dropped only after HPACK has
 * decoded them, so the header table stays in step with the peer's. The bytes the reader
 * consumed are then walked by a {@link FrameHeaderScanner}, which sees the CONTINUATION frames
 * listeners never do, to time header blocks; netty's own limits that throw from inside are
 * counted by name.
 *
 * <p>Threads: the connection's event loop (netty calls readers there only).
 */
final class GuardedFrameReader implements Http2FrameReader {
    private final Http2FrameReader delegate;
    private final ConnectionGuard guard;
    private final Filter filter = new Filter();
    private final FrameHeaderScanner scanner = new FrameHeaderScanner();
    private ChannelHandlerContext ctx;

    GuardedFrameReader(Http2FrameReader delegate, ConnectionGuard guard) {
        this.delegate = delegate;
        this.guard = guard;
    }

    @Override
    public void readFrame(ChannelHandlerContext ctx, ByteBuf input, Http2FrameListener listener) throws Http2Exception {
        if (this.ctx != ctx) {
            this.ctx = ctx;
            guard.context(ctx);
        }
        if (guard.failed()) {
            input.skipBytes(input.readableBytes()); // the connection is ending: read nothing more
            return;
        }
        filter.target = listener; // netty's decoder passes the same listener each time, bar the preface one
        int from = input.readerIndex();
        try {
            delegate.readFrame(ctx, input, filter);
        } catch (Http2Exception e) {
            if (Http2Exception.isStreamError(e)) {
                scanner.scan(input, from, input.readerIndex(), guard); // the reader goes on: stay in step
            }
            throw guard.nettyError(e);
        }
        // after the reader: the frames are parsed and valid by now; header blocks are timed here
        scanner.scan(input, from, input.readerIndex(), guard);
    }

    @Override
    public Configuration configuration() {
        return delegate.configuration();
    }

    @Override
    public void close() {
        delegate.close();
    }

    /** Forwards to netty's decoder what is not stray. One per connection: no allocation per read. */
    private final class Filter implements Http2FrameListener {
        Http2FrameListener target;

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
                throws Http2Exception {
            if (guard.failed()) {
                return data.readableBytes() + padding;
            }
            guard.trafficFrame();
            if (guard.isStray(streamId)) {
                guard.strayData(streamId, data, padding, endOfStream);
                return data.readableBytes() + padding;
            }
            return target.onDataRead(ctx, streamId, data, padding, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                boolean endOfStream) throws Http2Exception {
            if (guard.failed()) {
                return;
            }
            guard.trafficFrame();
            if (guard.isStray(streamId)) {
                guard.stray("HEADERS", streamId);
                return;
            }
            target.onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
            if (guard.failed()) {
                return;
            }
            guard.trafficFrame();
            if (guard.isStray(streamId)) {
                guard.stray("HEADERS", streamId);
                return;
            }
            target.onHeadersRead(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endOfStream);
        }

        @Override
        public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
                boolean exclusive) throws Http2Exception {
            target.onPriorityRead(ctx, streamId, streamDependency, weight, exclusive);
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) throws Http2Exception {
            if (guard.failed()) {
                return;
            }
            if (guard.strayRstStream(streamId)) {
                return;
            }
            guard.rstStreamFrame(streamId);
            target.onRstStreamRead(ctx, streamId, errorCode);
        }

        @Override
        public void onSettingsAckRead(ChannelHandlerContext ctx) throws Http2Exception {
            target.onSettingsAckRead(ctx);
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) throws Http2Exception {
            if (guard.failed()) {
                return;
            }
            guard.settingsFrame();
            target.onSettingsRead(ctx, settings);
        }

        @Override
        public void onPingRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
            if (guard.failed()) {
                return;
            }
            guard.pingFrame();
            target.onPingRead(ctx, data);
        }

        @Override
        public void onPingAckRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
            target.onPingAckRead(ctx, data);
        }

        @Override
        public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
                Http2Headers headers, int padding) throws Http2Exception {
            target.onPushPromiseRead(ctx, streamId, promisedStreamId, headers, padding);
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData)
                throws Http2Exception {
            target.onGoAwayRead(ctx, lastStreamId, errorCode, debugData);
        }

        @Override
        public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement)
                throws Http2Exception {
            if (guard.failed()) {
                return;
            }
            guard.windowUpdateFrame(streamId);
            if (streamId != 0 && guard.isStray(streamId)) {
                guard.stray("WINDOW_UPDATE", streamId);
                return;
            }
            target.onWindowUpdateRead(ctx, streamId, windowSizeIncrement);
        }

        @Override
        public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
                ByteBuf payload) throws Http2Exception {
            target.onUnknownFrame(ctx, frameType, streamId, flags, payload);
        }
    }
}
