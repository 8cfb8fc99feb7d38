package org.remotemedia.observe;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

/**
 * The daemon's metrics: Prometheus counters and gauges, plus HdrHistogram latency recorders
 * exported as summaries with p50 / p95 / p99 / p999 (seconds) and as full percentile
 * distributions on {@code /latency}. Names are prefixed {@code remotemedia_}.
 *
 * <p>Thread-safe. Register at start-up; record from any thread.
 */
public final class Metrics {
    public static final String PREFIX = "remotemedia_";
    static final double[] QUANTILES = {0.5, 0.95, 0.99, 0.999}; // those LatencyRecorder.Summary holds

    private final PrometheusRegistry registry;
    private final List<LatencyRecorder> latencies = new CopyOnWriteArrayList<>();

    public Metrics() {
        this(new PrometheusRegistry());
    }

    public Metrics(PrometheusRegistry registry) {
        this.registry = registry;
        registry.register((MultiCollector) this::collectLatencies);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public Counter counter(String name, String help, String... labelNames) {
        return Counter.builder().name(PREFIX + name).help(help).labelNames(labelNames).register(registry);
    }

    public Gauge gauge(String name, String help, String... labelNames) {
        return Gauge.builder().name(PREFIX + name).help(help).labelNames(labelNames).register(registry);
    }

    /** A gauge whose value is read from {@code value} at each scrape (no bookkeeping to drift). */
    public void gaugeOf(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(PREFIX + name).help(help).callback(cb -> cb.call(value.getAsDouble()))
                .register(registry);
    }

    /** A latency distribution, exported as {@code remotemedia_<name>_seconds}. */
    public LatencyRecorder latency(String name, String help) {
        LatencyRecorder r = new LatencyRecorder(PREFIX + name + "_seconds", help);
        latencies.add(r);
        return r;
    }

    public List<LatencyRecorder> latencies() {
        return List.copyOf(latencies);
    }

    private MetricSnapshots collectLatencies() {
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        for (LatencyRecorder r : latencies) {
            LatencyRecorder.Summary h = r.summary();
            long[] at = {h.p50(), h.p95(), h.p99(), h.p999()};
            Quantile[] qs = new Quantile[QUANTILES.length];
            for (int i = 0; i < qs.length; i++) {
                qs[i] = new Quantile(QUANTILES[i], at[i] / 1e9);
            }
            double sumSeconds = h.mean() * h.count() / 1e9;
            out.metricSnapshot(SummarySnapshot.builder()
                    .name(r.name())
                    .help(r.help())
                    .dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder()
                            .count(h.count())
                            .sum(sumSeconds)
                            .quantiles(Quantiles.of(qs))
                            .build())
                    .build());
        }
        return out.build();
    }
}
