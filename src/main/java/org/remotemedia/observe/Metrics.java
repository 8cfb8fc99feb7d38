package org.remotemedia.observe;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

/**
 * The daemon's metrics: Prometheus counters, gauges and histograms (classic buckets from 50 us
 * to 30 s plus native buckets), and HdrHistogram latency recorders exported as summaries with
 * p50 / p90 / p99 / p99.9 over a sliding window ({@code metrics.latency_window_seconds}) and as
 * full percentile distributions on {@code /latency}. Names are prefixed {@code remotemedia_}.
 *
 * <p>{@link #perCallLatency()} false ({@code metrics.per_call_latency: off}): the latency recorders
 * made here record nothing, and the owners of latency histograms read the flag once into a final
 * field and skip their observations; every metric stays registered (histograms and summaries at
 * count 0), counters and gauges go on.
 *
 * <p>Thread-safe. Register at start-up; record from any thread.
 */
public final class Metrics {
    public static final String PREFIX = "remotemedia_";
    static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999}; // those LatencyRecorder.Window holds
    /** Classic histogram buckets, seconds: 50 us to 30 s, about three per decade. */
    public static final double[] LATENCY_BUCKETS = {50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3,
        50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5, 5, 10, 30};
    public static final int DEFAULT_WINDOW_SECONDS = 60;

    private final PrometheusRegistry registry;
    private final int windowSeconds;
    private final boolean perCallLatency;
    private final List<LatencyRecorder> latencies = new CopyOnWriteArrayList<>();
    /** The counters made here, by name without the prefix: readers of a counter (RecentHistory) find it here. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public Metrics() {
        this(new PrometheusRegistry(), DEFAULT_WINDOW_SECONDS);
    }

    public Metrics(int windowSeconds) {
        this(new PrometheusRegistry(), windowSeconds);
    }

    public Metrics(PrometheusRegistry registry) {
        this(registry, DEFAULT_WINDOW_SECONDS);
    }

    public Metrics(PrometheusRegistry registry, int windowSeconds) {
        this(registry, windowSeconds, true);
    }

    /** @param perCallLatency false: record no call's latency ({@code metrics.per_call_latency: off}) */
    public Metrics(int windowSeconds, boolean perCallLatency) {
        this(new PrometheusRegistry(), windowSeconds, perCallLatency);
    }

    public Metrics(PrometheusRegistry registry, int windowSeconds, boolean perCallLatency) {
        this.registry = registry;
        this.windowSeconds = windowSeconds;
        this.perCallLatency = perCallLatency;
        registry.register((MultiCollector) this::collectLatencies);
    }

    /** Adds the JVM's own metrics (memory, GC, threads, classes; {@code jvm_*}) to this registry. */
    public Metrics withJvmMetrics() {
        io.prometheus.metrics.instrumentation.jvm.JvmMetrics.builder().register(registry);
        return this;
    }

    public int windowSeconds() {
        return windowSeconds;
    }

    /**
     * Whether each call's latency is recorded ({@code metrics.per_call_latency}); owners of latency
     * histograms read it once, at construction, into a final field.
     */
    public boolean perCallLatency() {
        return perCallLatency;
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    public Counter counter(String name, String help, String... labelNames) {
        Counter c = Counter.builder().name(PREFIX + name).help(help).labelNames(labelNames).register(registry);
        counters.put(name, c);
        return c;
    }

    /**
     * The counter made by {@code counter(name, ...)}, or null while nobody has made it yet (a
     * reader that starts before the counter's owner asks again later). Reading its data points
     * ({@link Counter#collect()}) costs nothing on the paths that increment it.
     */
    public Counter registeredCounter(String name) {
        return counters.get(name);
    }

    public Gauge gauge(String name, String help, String... labelNames) {
        return Gauge.builder().name(PREFIX + name).help(help).labelNames(labelNames).register(registry);
    }

    /** A counter whose total is read from {@code total} at each scrape (a count kept elsewhere). */
    public void counterOf(String name, String help, DoubleSupplier total) {
        io.prometheus.metrics.core.metrics.CounterWithCallback.builder().name(PREFIX + name).help(help)
                .callback(cb -> cb.call(total.getAsDouble())).register(registry);
    }

    /** A gauge whose value is read from {@code value} at each scrape (no bookkeeping to drift). */
    public void gaugeOf(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(PREFIX + name).help(help).callback(cb -> cb.call(value.getAsDouble()))
                .register(registry);
    }

    /** Gauges of one name told apart by one label, each value read from its supplier at each scrape. */
    public void gaugesOf(String name, String help, String labelName,
            java.util.Map<String, java.util.function.Supplier<? extends Number>> values) {
        java.util.Map<String, java.util.function.Supplier<? extends Number>> copy = new java.util.TreeMap<>(values);
        GaugeWithCallback.builder().name(PREFIX + name).help(help).labelNames(labelName).callback(cb -> {
            for (var e : copy.entrySet()) {
                cb.call(e.getValue().get().doubleValue(), e.getKey());
            }
        }).register(registry);
    }

    /**
     * A latency histogram in seconds: classic buckets {@link #LATENCY_BUCKETS} (aggregatable over
     * instances in any Prometheus) plus native buckets (in the protobuf exposition).
     */
    public Histogram histogram(String name, String help, String... labelNames) {
        return Histogram.builder().name(PREFIX + name).help(help).labelNames(labelNames)
                .classicUpperBounds(LATENCY_BUCKETS).withoutExemplars().register(registry);
    }

    /** A latency distribution, exported as {@code remotemedia_<name>_seconds}. */
    public LatencyRecorder latency(String name, String help) {
        return latency(name, help, null, null);
    }

    /**
     * One of a family of latency distributions exported as {@code remotemedia_<name>_seconds}
     * with the label {@code labelName=labelValue}; the first one registered gives the help text.
     */
    public LatencyRecorder latency(String name, String help, String labelName, String labelValue) {
        LatencyRecorder r = new LatencyRecorder(PREFIX + name + "_seconds", help, labelName, labelValue, windowSeconds,
                perCallLatency);
        latencies.add(r);
        return r;
    }

    public List<LatencyRecorder> latencies() {
        return List.copyOf(latencies);
    }

    /** One summary per name; the recorders of a family are its data points, told apart by their label. */
    private MetricSnapshots collectLatencies() {
        java.util.Map<String, SummarySnapshot.Builder> byName = new java.util.LinkedHashMap<>();
        for (LatencyRecorder r : latencies) {
            LatencyRecorder.Window w = r.window();
            long[] at = {w.p50(), w.p90(), w.p99(), w.p999()};
            Quantile[] qs = new Quantile[QUANTILES.length];
            for (int i = 0; i < qs.length; i++) {
                qs[i] = new Quantile(QUANTILES[i], w.recentCount() == 0 ? Double.NaN : at[i] / 1e9);
            }
            SummarySnapshot.SummaryDataPointSnapshot.Builder p = SummarySnapshot.SummaryDataPointSnapshot.builder()
                    .count(w.count())
                    .sum(w.sumNanos() / 1e9)
                    .quantiles(Quantiles.of(qs));
            if (r.labelName() != null) {
                p.labels(io.prometheus.metrics.model.snapshots.Labels.of(r.labelName(), r.labelValue()));
            }
            byName.computeIfAbsent(r.name(), n -> SummarySnapshot.builder().name(n).help(r.help()
                    + " (quantiles over the last " + windowSeconds + " s)")).dataPoint(p.build());
        }
        MetricSnapshots.Builder out = MetricSnapshots.builder();
        byName.values().forEach(b -> out.metricSnapshot(b.build()));
        return out.build();
    }
}
