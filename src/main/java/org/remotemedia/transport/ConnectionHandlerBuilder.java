package org.remotemedia.transport;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import org.remotemedia.config.ServerConfig;

/**
 * Builds a {@link ConnectionHandler} with our settings and netty's protections switched on:
 * max concurrent streams, max header list size, initial window, the rapid-reset limit (max
 * RST_STREAM frames per window), the control-frame-flood limit (max queued control frames),
 * and the empty-DATA-frame limit. Used on the event loop when a connection is set up.
 *
 * <p>Outbound bytes are shared between streams by netty's {@link UniformStreamByteDistributor}
 * instead of its default priority tree (WeightedFairQueueByteDistributor): gRPC clients send
 * no priorities, and the tree's bookkeeping (a state, child maps and events per stream) was a
 * per-call cost.
 */
final class ConnectionHandlerBuilder
        extends AbstractHttp2ConnectionHandlerBuilder<ConnectionHandler, ConnectionHandlerBuilder> {
    /** Control frames (PING/SETTINGS acks, RST) queued unflushed before the connection is closed. */
    static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;
    static final int MAX_CONSECUTIVE_EMPTY_DATA_FRAMES = 2;

    private final TransportContext context;
    private final WriteMonitor writeMonitor = new WriteMonitor();

    ConnectionHandlerBuilder(TransportContext context) {
        this.context = context;
        ServerConfig.Transport t = context.config;
        DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
        connection.remote().flowController(new DefaultHttp2RemoteFlowController(connection,
                new UniformStreamByteDistributor(connection)));
        connection(connection); // a server connection: netty takes isServer from it
        frameLogger(writeMonitor);
        validateHeaders(true);
        gracefulShutdownTimeoutMillis(0);
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(t.maxConcurrentStreams())
                .maxHeaderListSize(t.maxHeaderListBytes())
                .initialWindowSize(t.initialWindowBytes());
        initialSettings(settings);
        encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES);
        decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_CONSECUTIVE_EMPTY_DATA_FRAMES);
        if (t.maxRstFramesPerWindow() > 0) {
            decoderEnforceMaxRstFramesPerWindow(t.maxRstFramesPerWindow(), t.rstFramesWindowSeconds());
        }
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
        return h;
    }
}
