package org.remotemedia.transport;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2FrameReader;
import io.netty.handler.codec.http2.Http2PromisedRequestVerifier;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import org.remotemedia.config.ServerConfig;

/**
 * Builds a {@link ConnectionHandler} with our settings and netty's protections switched on:
 * max concurrent streams, max header list size, initial window, the rapid-reset limit (max
 * RST_STREAM frames received per window), the empty-DATA-frame limit and the limit of small
 * CONTINUATION frames per header block. Used on the event loop when a connection is set up.
 *
 * <p>The codec is assembled here rather than by netty's builder, so our decorators can sit in
 * it: {@link GuardedFrameReader} between netty's frame reader and its connection decoder (stray
 * frames on streams we reset are dropped there, RFC 9113 §5.1), {@link WriteMonitor} around
 * netty's frame writer, and on the encoder
 * {@link ResetTracker} and {@link ControlFrameBacklog}, which take the place of netty's own
 * encoder limits (sent RST_STREAMs, queued control frames) that only its builder can add.
 *
 * <p>Outbound bytes are shared between streams by netty's {@link UniformStreamByteDistributor}
 * instead of its default priority tree (WeightedFairQueueByteDistributor): gRPC clients send
 * no priorities, and the tree's bookkeeping (a state, child maps and events per stream) was a
 * per-call cost.
 */
final class ConnectionHandlerBuilder
        extends AbstractHttp2ConnectionHandlerBuilder<ConnectionHandler, ConnectionHandlerBuilder> {
    static final int MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;

    private final TransportContext context;
    private final WriteMonitor writeMonitor;
    private final ConnectionGuard guard;
    private final StallWatch stalls;

    ConnectionHandlerBuilder(TransportContext context) {
        this.context = context;
        ServerConfig.Transport t = context.config;
        DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
        connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
                new UniformStreamByteDistributor(connection)));
        gracefulShutdownTimeoutMillis(0);
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(t.maxConcurrentStreams())
                .maxHeaderListSize(t.maxHeaderListBytes())
                .initialWindowSize(t.initialWindowBytes());
        initialSettings(settings);
        // decoder decorations: netty adds them in build() around the decoder given to codec()
        decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_CONSECUTIVE_EMPTY_DATA_FRAMES);
        decoderEnforceMaxRstFramesPerWindow(t.maxRstFramesPerWindow(), t.rstFramesWindowSeconds());

        guard = new ConnectionGuard(connection, context, System::nanoTime);
        stalls = new StallWatch(context, System::nanoTime);
        guard.stallWatch(stalls);
        Http2FrameReader reader = new GuardedFrameReader(new DefaultHttp2FrameReader(
                new DefaultHttp2HeadersDecoder(true, t.maxHeaderListBytes()),
                t.maxContinuationFrames()), guard);
        writeMonitor = new WriteMonitor(new PreEncodedHeaderWriter(new DefaultHttp2FrameWriter()));
        Http2ConnectionEncoder encoder = new DefaultHttp2ConnectionEncoder(connection, writeMonitor);
        encoder = new ControlFrameBacklog(encoder, guard, t.maxPendingControlFrames());
        encoder = new ResetTracker(encoder, guard);
        Http2ConnectionDecoder decoder = new DefaultHttp2ConnectionDecoder(connection, encoder, reader,
                Http2PromisedRequestVerifier.ALWAYS_VERIFY, true, true, true, false);
        codec(decoder, encoder);
    }

    @Override
    public ConnectionHandler build() {
        return super.build();
    }

    @Override
    protected ConnectionHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
            Http2Settings initialSettings) {
        ConnectionHandler h = new ConnectionHandler(decoder, encoder, initialSettings, context);
        writeMonitor.enforcer(h.keepAliveEnforcer());
        guard.idPrefix(h.idPrefix());
        guard.lifecycle(h);
        h.stallWatch(stalls);
        return h;
    }
}
