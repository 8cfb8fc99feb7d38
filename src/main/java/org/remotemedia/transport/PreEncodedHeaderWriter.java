package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2FrameWriter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameSizePolicy;
import io.netty.handler.codec.http2.Http2FrameTypes;
import io.netty.handler.codec.http2.Http2FrameWriter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;

/**
 * Writes {@link PreEncodedHeaders} as one HEADERS frame around their stored HPACK block, and
 * every other frame (and headers too large for one frame or the peer's list limit, which netty
 * refuses or splits) through the writer it decorates. The stored blocks use no dynamic-table
 * entries, so they are valid between the decorated writer's own blocks. The one piece of
 * encoder state a block must carry is a pending dynamic-table size update (RFC 7541 4.2: at
 * the start of the first block after the peer's SETTINGS_HEADER_TABLE_SIZE): after any such
 * setting the next headers go through netty's encoder, which writes it.
 *
 * <p>Threads: the connection's event loop (netty's encoder calls the writer and applies the
 * peer's settings there).
 */
final class PreEncodedHeaderWriter extends DecoratingHttp2FrameWriter {
    // never modified after these lines: read by every event loop
    private static final Http2Flags LAST_HEADERS = new Http2Flags().endOfHeaders(true);
    private static final Http2Flags LAST_HEADERS_END_STREAM = new Http2Flags().endOfHeaders(true).endOfStream(true);

    private final Http2FrameWriter delegate;
    private final Configuration configuration;
    private boolean tableSizeUpdatePending;

    PreEncodedHeaderWriter(Http2FrameWriter delegate) {
        super(delegate);
        this.delegate = delegate;
        this.configuration = new TableSizeWatch(delegate.configuration());
    }

    @Override
    public ChannelFuture writeHeaders(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
            boolean endStream, ChannelPromise promise) {
        if (headers instanceof PreEncodedHeaders p && padding == 0 && streamId > 0 && !tableSizeUpdatePending) {
            Configuration c = delegate.configuration();
            int length = p.blockLength();
            if (p.listSize() <= c.headersConfiguration().maxHeaderListSize()
                    && length <= c.frameSizePolicy().maxFrameSize()) {
                ByteBuf frame = ctx.alloc().buffer(Http2CodecUtil.FRAME_HEADER_LENGTH + length);
                Http2CodecUtil.writeFrameHeader(frame, length, Http2FrameTypes.HEADERS,
                        endStream ? LAST_HEADERS_END_STREAM : LAST_HEADERS, streamId);
                p.writeBlock(frame);
                return ctx.write(frame, promise);
            }
        }
        tableSizeUpdatePending = false; // netty's encoder puts it at the start of this block
        return super.writeHeaders(ctx, streamId, headers, padding, endStream, promise);
    }

    @Override
    public ChannelFuture writeHeaders(ChannelHandlerContext ctx, int streamId, Http2Headers headers,
            int streamDependency, short weight, boolean exclusive, int padding, boolean endStream,
            ChannelPromise promise) {
        tableSizeUpdatePending = false;
        return super.writeHeaders(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream,
                promise);
    }

    @Override
    public ChannelFuture writePushPromise(ChannelHandlerContext ctx, int streamId, int promisedStreamId,
            Http2Headers headers, int padding, ChannelPromise promise) {
        tableSizeUpdatePending = false;
        return super.writePushPromise(ctx, streamId, promisedStreamId, headers, padding, promise);
    }

    @Override
    public Configuration configuration() {
        return configuration;
    }

    /** The decorated writer's configuration, noting when the peer's table size is applied. */
    private final class TableSizeWatch implements Configuration, Http2HeadersEncoder.Configuration {
        private final Configuration inner;

        TableSizeWatch(Configuration inner) {
            this.inner = inner;
        }

        @Override
        public Http2HeadersEncoder.Configuration headersConfiguration() {
            return this;
        }

        @Override
        public Http2FrameSizePolicy frameSizePolicy() {
            return inner.frameSizePolicy();
        }

        @Override
        public void maxHeaderTableSize(long max) throws Http2Exception {
            inner.headersConfiguration().maxHeaderTableSize(max);
            tableSizeUpdatePending = true;
        }

        @Override
        public long maxHeaderTableSize() {
            return inner.headersConfiguration().maxHeaderTableSize();
        }

        @Override
        public void maxHeaderListSize(long max) throws Http2Exception {
            inner.headersConfiguration().maxHeaderListSize(max);
        }

        @Override
        public long maxHeaderListSize() {
            return inner.headersConfiguration().maxHeaderListSize();
        }
    }
}
