package org.remotemedia.transport;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.rpc.MethodRegistry;

/**
 * What every connection of one server shares: settings, the method registry, metrics, the
 * log, and id counters. Immutable apart from the counters; read by every event loop.
 */
final class TransportContext {
    final ServerConfig.Transport config;
    final MethodRegistry registry;
    final TransportMetrics metrics;
    final JsonLog log;
    final int maxMessageBytes;
    /**
     * Answer bytes queued for streams whose client gives no window, over all connections: what
     * slow readers make the server hold ({@code transport.max_unread_bytes} caps it).
     */
    final AtomicLong unreadBytes = new AtomicLong();
    /** Echo the call's request id in {@code x-request-id} response headers (with the access log). */
    volatile boolean echoRequestId;
    private final AtomicLong connectionIds = new AtomicLong();
    private final ConcurrentHashMap<EventExecutor, LoopLoad> loads = new ConcurrentHashMap<>();

    TransportContext(ServerConfig.Transport config, MethodRegistry registry, TransportMetrics metrics, JsonLog log) {
        this.config = config;
        this.registry = registry;
        this.metrics = metrics;
        this.log = log;
        this.maxMessageBytes = config.maxInboundMessageBytes();
    }

    long nextConnectionId() {
        return connectionIds.incrementAndGet();
    }

    /** The open-stream count of one event loop, shared by its connections. */
    LoopLoad loopLoad(EventExecutor loop) {
        return loads.computeIfAbsent(loop, l -> new LoopLoad());
    }

    /**
     * HTTP/2 streams open on one event loop over all its connections: lets a handler see whether
     * its call is alone on the loop ({@code ServerCall.callsOnEventLoop}). Written and read only
     * by that loop's thread.
     */
    static final class LoopLoad {
        int openStreams;
    }
}
