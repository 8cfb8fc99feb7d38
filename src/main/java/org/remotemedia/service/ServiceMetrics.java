package org.remotemedia.service;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.concurrent.atomic.AtomicBoolean;
import org.remotemedia.observe.LatencyRecorder;
import org.remotemedia.observe.Metrics;

/**
 * The remotemedia.v1 service's own metrics, on the metrics port next to the transport's: one
 * HdrHistogram latency recorder per method (request received to response handed to the
 * transport) plus the engine's share, the DSP queue wait in workers mode, and counters of
 * executions by outcome. Data points are resolved once here, so recording allocates nothing.
 *
 * <p>Thread-safe: any thread records.
 */
public final class ServiceMetrics {
    /** How an ExecutePipeline call ended (the {@code outcome} label). */
    public enum Outcome {
        SUCCESS, VALIDATION, NODE_EXECUTION, RESOURCE_LIMIT, VERSION_MISMATCH, INTERNAL, CANCELLED,
        DEADLINE_EXCEEDED, REJECTED_OVERLOADED, MALFORMED;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private final Metrics metrics;
    private final CounterDataPoint[] executions = new CounterDataPoint[Outcome.values().length];
    private final CounterDataPoint emptyClientVersion;
    private final AtomicBoolean emptyClientVersionSeen = new AtomicBoolean();
    private final CounterDataPoint parsedInPlace;
    private final CounterDataPoint parsedGathered;
    private final CounterDataPoint readInPlace;
    private final CounterDataPoint readByProtobuf;
    private final CounterDataPoint placedInline;
    private final CounterDataPoint placedWorker;
    final LatencyRecorder execute;
    final LatencyRecorder engine;
    final LatencyRecorder queueWait;
    final LatencyRecorder getVersion;
    final LatencyRecorder getMetrics;
    private final long startNanos = System.nanoTime();
    private final CounterDataPoint samplesIn;
    private final CounterDataPoint samplesOut;
    private final CounterDataPoint bytesIn;
    private final CounterDataPoint bytesOut;
    private final Histogram nodeTime;
    /** metrics.per_call_latency: false records no node time (the latency recorders check it themselves). */
    private final boolean timed;
    private final java.util.concurrent.ConcurrentHashMap<String, DistributionDataPoint> nodeTimeByType =
            new java.util.concurrent.ConcurrentHashMap<>();

    public ServiceMetrics(Metrics metrics) {
        this.metrics = metrics;
        Counter c = metrics.counter("service_executions", "ExecutePipeline calls by outcome", "outcome");
        for (Outcome o : Outcome.values()) {
            executions[o.ordinal()] = c.labelValues(o.label);
        }
        emptyClientVersion = metrics.counter("service_empty_client_version",
                "calls that sent no client_version (accepted as v1)").labelValues();
        Counter parse = metrics.counter("service_request_parse",
                "requests parsed in place (one network buffer: samples aliased, no copy) or gathered first"
                        + " (spread over several buffers: one off-heap copy)", "path");
        parsedInPlace = parse.labelValues("in_place");
        parsedGathered = parse.labelValues("gathered");
        Counter read = metrics.counter("service_request_read",
                "ExecutePipeline requests read in place with a cached plan found by the manifest's bytes (no protobuf"
                        + " objects, no manifest parse) or parsed by protobuf (a new manifest, or an uncommon shape)",
                "how");
        readInPlace = read.labelValues("cached_manifest");
        readByProtobuf = read.labelValues("protobuf");
        Counter placed = metrics.counter("service_dsp_placement",
                "admitted ExecutePipeline calls run on the event loop (inline) or handed to a DSP worker", "where");
        placedInline = placed.labelValues("inline");
        placedWorker = placed.labelValues("worker");
        execute = metrics.latency("service_execute_pipeline",
                "ExecutePipeline: request received to response handed to the transport");
        engine = metrics.latency("service_execute_engine", "ExecutePipeline: time inside the engine (compile + run)");
        queueWait = metrics.latency("service_dsp_queue_wait", "workers mode: time from hand-off to a DSP worker starting");
        getVersion = metrics.latency("service_get_version", "GetVersion handler time");
        getMetrics = metrics.latency("service_get_metrics", "GetMetrics handler time");
        Counter samples = metrics.counter("audio_samples", "audio samples (all channels) into and out of pipelines,"
                + " ExecutePipeline and StreamPipeline", "direction");
        samplesIn = samples.labelValues("in");
        samplesOut = samples.labelValues("out");
        Counter bytes = metrics.counter("audio_bytes", "audio sample bytes into and out of pipelines", "direction");
        bytesIn = bytes.labelValues("in");
        bytesOut = bytes.labelValues("out");
        timed = metrics.perCallLatency();
        nodeTime = metrics.histogram("node_execution_seconds", "time a node took in one ExecutePipeline call, by node type",
                "node_type");
    }

    /** Audio into a pipeline. */
    public void audioIn(long samples, long bytes) {
        samplesIn.inc(samples);
        bytesIn.inc(bytes);
    }

    /** Audio out of a pipeline. */
    public void audioOut(long samples, long bytes) {
        samplesOut.inc(samples);
        bytesOut.inc(bytes);
    }

    /** A node's execution time (node types are a bounded set: the registry's). */
    public void nodeTime(String nodeType, double millis) {
        if (!timed) {
            return;
        }
        DistributionDataPoint d = nodeTimeByType.get(nodeType);
        if (d == null) {
            d = nodeTimeByType.computeIfAbsent(nodeType, nodeTime::labelValues);
        }
        d.observe(millis / 1e3);
    }

    public Metrics registry() {
        return metrics;
    }

    void count(Outcome o) {
        executions[o.ordinal()].inc();
    }

    void parsed(boolean gathered, boolean byProtobuf) {
        (gathered ? parsedGathered : parsedInPlace).inc();
        (byProtobuf ? readByProtobuf : readInPlace).inc();
    }

    void placed(boolean inline) {
        (inline ? placedInline : placedWorker).inc();
    }

    /** Admitted ExecutePipeline calls run inline (true) or on a worker (false) so far. */
    public long placedCount(boolean inline) {
        return (long) (inline ? placedInline : placedWorker).get();
    }

    /**
     * A call (ExecutePipeline or a stream's init) sent no client_version: counted. True for the
     * server's first such call only, whichever threads race to it.
     */
    public boolean emptyClientVersion() {
        emptyClientVersion.inc();
        return !emptyClientVersionSeen.get() && emptyClientVersionSeen.compareAndSet(false, true);
    }

    /** Executions that ended with {@code o} so far. */
    public long executions(Outcome o) {
        return (long) executions[o.ordinal()].get();
    }

    double uptimeMs() {
        return (System.nanoTime() - startNanos) / 1e6;
    }
}
