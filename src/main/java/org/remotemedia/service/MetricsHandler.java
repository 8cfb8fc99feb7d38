package org.remotemedia.service;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Label;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Status;
import org.remotemedia.observe.LatencyRecorder;
import org.remotemedia.proto.v1.GetMetricsResponse;
import org.remotemedia.proto.v1.LatencySummary;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.UnaryHandler;

/**
 * {@code PipelineExecutionService/GetMetrics} (our extension): every counter on the metrics port
 * (transport and service, keyed {@code name{label="value",...}} as Prometheus writes them), every
 * latency recorder as percentiles in milliseconds, open streams and pooled memory. For clients
 * without Prometheus; reads are not on the hot path (a scrape costs what a /metrics scrape costs).
 *
 * <p>Stateless and shared; runs on the event loop.
 */
public final class MetricsHandler implements UnaryHandler {
    public static final String PATH = "/remotemedia.v1.PipelineExecutionService/GetMetrics";

    private final ServiceContext ctx;

    public MetricsHandler(ServiceContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void onRequest(ServerCall call, InboundMessage request) {
        long t0 = System.nanoTime();
        call.sendMessage(snapshot(), ProtoCodec.ENCODER);
        call.close(Status.OK);
        ctx.metrics().getMetrics.recordNanos(System.nanoTime() - t0);
    }

    /** The current figures. */
    public GetMetricsResponse snapshot() {
        GetMetricsResponse.Builder b = GetMetricsResponse.newBuilder()
                .setUptimeMs(ctx.metrics().uptimeMs())
                .setActiveStreams(Math.max(0, ctx.activeStreams().getAsLong()))
                .setMemoryInUseBytes(ctx.engine().pool().inUseBytes())
                .setMemoryPeakBytes(ctx.engine().pool().peakBytes());
        for (MetricSnapshot s : ctx.metrics().registry().registry().scrape()) {
            if (!(s instanceof CounterSnapshot c)) {
                continue;
            }
            for (CounterSnapshot.CounterDataPointSnapshot p : c.getDataPoints()) {
                StringBuilder key = new StringBuilder(c.getMetadata().getPrometheusName()).append("_total");
                if (!p.getLabels().isEmpty()) {
                    key.append('{');
                    boolean first = true;
                    for (Label l : p.getLabels()) {
                        if (!first) {
                            key.append(',');
                        }
                        first = false;
                        key.append(l.getName()).append("=\"").append(l.getValue()).append('"');
                    }
                    key.append('}');
                }
                b.putCounters(key.toString(), (long) p.getValue());
            }
        }
        for (LatencyRecorder r : ctx.metrics().registry().latencies()) {
            LatencyRecorder.Summary h = r.summary();
            b.addLatencies(LatencySummary.newBuilder()
                    .setName(r.name())
                    .setCount(h.count())
                    .setP50Ms(ms(h.p50()))
                    .setP95Ms(ms(h.p95()))
                    .setP99Ms(ms(h.p99()))
                    .setP999Ms(ms(h.p999()))
                    .setMaxMs(ms(h.max()))
                    .setMeanMs(h.mean() / 1e6));
        }
        return b.build();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
