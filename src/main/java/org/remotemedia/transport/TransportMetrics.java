package org.remotemedia.transport;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.observe.LatencyRecorder;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.RegisteredMethod;

/**
 * The transport's metrics: calls by method and status, active connections and streams,
 * per-method server latency (from request headers to status sent) as a Prometheus histogram
 * and as an HdrHistogram summary over a sliding window (both labelled by method), and
 * HTTP-level rejections ({@code metrics.per_call_latency: off}: no latency, counts still). Data points are resolved once at start-up so recording a call is a few
 * atomic adds, no lookup.
 *
 * <p>Thread-safe: built at start-up, recorded from every event loop.
 */
final class TransportMetrics {
    /** Label used for calls to paths that are not registered (bounded label cardinality). */
    static final String UNREGISTERED = "unregistered";

    private final Counter calls;
    private final Gauge streams;
    private final Counter httpRejections;
    private final Counter connectionErrors;
    private final Counter connectionDrains;
    private final Counter strayFrames;
    private final Counter budgetsExceeded;
    private final Counter stalledStreams;
    private final Counter unreadRefusals;
    private final Metrics metrics;
    private final Map<RegisteredMethod, MethodMetrics> byMethod = new IdentityHashMap<>();
    private final MethodMetrics unregistered;

    /** Per-method data points, indexed by status code. */
    static final class MethodMetrics {
        final CounterDataPoint[] byStatus = new CounterDataPoint[StatusCode.values().length];
        final DistributionDataPoint histogram;
        final LatencyRecorder latency;
        /** metrics.per_call_latency: false leaves the histogram and the recorder out. */
        final boolean timed;

        MethodMetrics(Counter calls, Histogram histogram, String label, LatencyRecorder latency, boolean timed) {
            for (StatusCode c : StatusCode.values()) {
                byStatus[c.ordinal()] = calls.labelValues(label, c.name());
            }
            this.histogram = histogram.labelValues(label);
            this.latency = latency;
            this.timed = timed;
        }

        void record(StatusCode code, long latencyNanos) {
            byStatus[code.ordinal()].inc();
            if (timed) {
                histogram.observe(latencyNanos / 1e9);
                latency.recordNanos(latencyNanos);
            }
        }
    }

    /**
     * @param openConnections the size of the server's connection registry: the gauge reads the
     *     registry itself, so connections that never leave it would show as growth
     */
    TransportMetrics(Metrics metrics, MethodRegistry registry, IntSupplier openConnections) {
        calls = metrics.counter(GrpcServer.CALLS_COUNTER, "gRPC calls finished, by method and status", "method", "code");
        metrics.gaugeOf("grpc_server_connections", "open connections (the server's connection registry)",
                openConnections::getAsInt);
        streams = metrics.gauge("grpc_server_streams", "active gRPC calls (HTTP/2 streams)");
        // the allocator every connection uses (GrpcServer's child ALLOCATOR option); its memory is
        // outside the heap and the JVM's own buffer-pool figures, so only this shows it
        PooledByteBufAllocatorMetric network = PooledByteBufAllocator.DEFAULT.metric();
        metrics.gaugeOf("grpc_server_network_buffer_bytes", "direct memory held by the pooled allocator of network"
                + " buffers (frames read and written), in use or cached in its arenas", network::usedDirectMemory);
        metrics.gaugeOf("grpc_server_network_buffer_in_use_bytes", "direct memory pinned by network buffers in use"
                + " (frames being read, partial uploads, answers being written; limits.shed_network_bytes sheds on it)",
                GrpcServer::networkBufferBytesInUse);
        httpRejections = metrics.counter("grpc_server_http_rejections",
                "requests refused before gRPC (bad method, content-type, te, headers), by HTTP status", "status");
        connectionErrors = metrics.counter("grpc_server_connection_errors",
                "connections ended by a protocol error or policy (GOAWAY with an error), by reason", "reason");
        connectionDrains = metrics.counter("grpc_server_connection_drains",
                "connections the server drained by policy (graceful GOAWAY): max_connection_idle, max_connection_age;"
                        + " max_connection_age_grace when the grace after the age ended calls still running", "reason");
        strayFrames = metrics.counter("grpc_server_stray_frames_ignored",
                "frames ignored because they arrived on a stream the server had just reset or refused (RFC 9113 5.1)");
        budgetsExceeded = metrics.counter("grpc_server_budget_exceeded",
                "connections ended with GOAWAY ENHANCE_YOUR_CALM because the peer exceeded a budget "
                        + "(docs/configuration.md, transport), by budget", "budget");
        stalledStreams = metrics.counter("grpc_server_stalled_streams_reset",
                "streams reset because the client gave no flow-control window for transport.stalled_stream_timeout_ms");
        unreadRefusals = metrics.counter("grpc_server_unread_resets",
                "streams reset because their answer, queued behind a client's full window, would pass the cap of the"
                        + " stream, the connection or the server (transport.max_*_unread_bytes), by scope", "scope");
        this.metrics = metrics;
        Histogram handling = metrics.histogram("grpc_server_handling_seconds",
                "server latency of gRPC calls, request headers to status sent, by method", "method");
        String help = "server latency of gRPC calls, request headers to status sent, by method";
        for (RegisteredMethod m : registry.methods().values()) {
            byMethod.put(m, new MethodMetrics(calls, handling, m.metricName(),
                    metrics.latency("grpc_server_latency", help, "method", m.metricName()), metrics.perCallLatency()));
        }
        unregistered = new MethodMetrics(calls, handling, UNREGISTERED,
                metrics.latency("grpc_server_latency", help, "method", UNREGISTERED), metrics.perCallLatency());
    }

    /** The data points of a registered method (identity lookup: no hashing of the path), or the unregistered ones. */
    MethodMetrics method(RegisteredMethod method) {
        MethodMetrics m = method == null ? null : byMethod.get(method);
        return m == null ? unregistered : m;
    }

    void streamOpened() {
        streams.inc();
    }

    void streamClosed() {
        streams.dec();
    }

    void httpRejected(int httpStatus) {
        httpRejections.labelValues(Integer.toString(httpStatus)).inc();
    }

    void connectionError(String reason) {
        connectionErrors.labelValues(reason).inc();
    }

    void connectionDrained(String reason) {
        connectionDrains.labelValues(reason).inc();
    }

    void strayFrameIgnored() {
        strayFrames.inc();
    }

    void budgetExceeded(String budget) {
        budgetsExceeded.labelValues(budget).inc();
    }

    void stalledStreamReset() {
        stalledStreams.inc();
    }

    /** A stream reset because its unread answer would pass the cap of {@code scope}. */
    /** The server-wide unread bytes, read at each scrape. */
    void unreadBytes(java.util.function.LongSupplier bytes) {
        metrics.gaugeOf("grpc_server_unread_bytes", "answer bytes queued for streams whose client gives no window,"
                + " over all connections (slow readers)", bytes::getAsLong);
    }

    void unreadRefused(String scope) {
        unreadRefusals.labelValues(scope).inc();
    }
}
