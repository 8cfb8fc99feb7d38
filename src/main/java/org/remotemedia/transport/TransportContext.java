package org.remotemedia.transport;

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
    private final AtomicLong connectionIds = new AtomicLong();

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
}
