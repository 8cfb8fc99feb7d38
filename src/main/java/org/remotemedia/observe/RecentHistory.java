package org.remotemedia.observe;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The last minutes of calls and errors per method, for the dashboard: once a second
 * {@link #sample} reads each method's cumulative totals from a {@link Source} (in the daemon:
 * the transport's calls counter, {@link #fromCallsCounter}) into a fixed ring of
 * {@code intervals + 1} samples; {@link #snapshot()} turns consecutive samples into calls per
 * second and errors per second, one rate per interval. An error is a call that ended with a gRPC status other than OK
 * (pipeline errors answered in-band end with OK and are not counted here).
 *
 * <p>The call path is untouched: calls increment the Prometheus counter they always did, and
 * only this sampler reads it, so recording a call gains no lock and no allocation.
 *
 * <p>Memory is bounded: one ring of timestamps, and per method two rings of {@code long}s; at most
 * {@link #MAX_METHODS} methods are followed (the counter's method label is bounded anyway: the
 * registered methods and "unregistered"), the rest are counted in {@code methodsNotFollowed}.
 *
 * <p>Threads: the one sampler thread of {@link #start()} (or a test's thread) calls
 * {@link #sample}; the metrics thread calls {@link #snapshot()}. Both hold this object's lock;
 * neither runs on an event loop.
 */
public final class RecentHistory implements AutoCloseable {
    /** Five minutes at one sample a second. */
    public static final int DEFAULT_INTERVALS = 300;
    public static final long SAMPLE_INTERVAL_MS = 1000;
    static final int MAX_METHODS = 64;

    /** Cumulative calls and errors of one method since start. */
    public record Totals(long calls, long errors) {
    }

    /** Where the totals come from: each method's cumulative totals, read once per sample. */
    @FunctionalInterface
    public interface Source {
        Map<String, Totals> read();
    }

    /** What {@link #snapshot()} read: one rate per interval between consecutive samples. */
    public record Snapshot(int capacityIntervals, long sampleIntervalMs, long[] intervalEndEpochMillis,
            List<MethodRates> methods, int methodsNotFollowed, String samplerError) {
    }

    /** One method's rates, aligned with {@link Snapshot#intervalEndEpochMillis}, and its totals since start. */
    public record MethodRates(String method, long callsTotal, long errorsTotal, double[] callsPerSecond,
            double[] errorsPerSecond) {
    }

    /** One method's cumulative totals at each sample (same ring positions as the timestamps). */
    private static final class Series {
        final long[] calls;
        final long[] errors;

        Series(int capacity) {
            calls = new long[capacity];
            errors = new long[capacity];
        }
    }

    private final Source source;
    private final int capacity;
    private final long[] epochMillis;
    private final long[] monotonicNanos;
    private final Map<String, Series> byMethod = new TreeMap<>();
    private int next; // ring position of the next sample
    private int count; // samples held, at most capacity
    private int methodsNotFollowed;
    private String samplerError;
    private ScheduledExecutorService sampler;

    /** @param intervals rates kept per method (one per sample interval): the ring holds one sample more */
    public RecentHistory(Source source, int intervals) {
        if (intervals < 1) {
            throw new IllegalArgumentException("intervals = " + intervals + ": at least one");
        }
        this.source = source;
        this.capacity = intervals + 1;
        this.epochMillis = new long[capacity];
        this.monotonicNanos = new long[capacity];
    }

    /**
     * A source that reads a counter labelled {@code method} and {@code code} (gRPC status name)
     * from {@code metrics}: calls are the sum over codes, errors the sum over codes other than
     * OK. Until the counter is registered (the transport starts after the metrics port) it
     * reads no methods.
     */
    public static Source fromCallsCounter(Metrics metrics, String counterName) {
        return () -> {
            Counter counter = metrics.registeredCounter(counterName);
            Map<String, Totals> totals = new HashMap<>();
            if (counter == null) {
                return totals;
            }
            for (CounterSnapshot.CounterDataPointSnapshot p : counter.collect().getDataPoints()) {
                String method = p.getLabels().get("method");
                long n = (long) p.getValue();
                boolean error = !"OK".equals(p.getLabels().get("code"));
                totals.merge(method, new Totals(n, error ? n : 0),
                        (a, b) -> new Totals(a.calls() + b.calls(), a.errors() + b.errors()));
            }
            return totals;
        };
    }

    /** Samples every {@link #SAMPLE_INTERVAL_MS} on a daemon thread of its own, from now on. */
    public synchronized RecentHistory start() {
        if (sampler == null) {
            sampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "rm-recent-history");
                t.setDaemon(true);
                return t;
            });
            sampler.scheduleAtFixedRate(() -> sample(System.currentTimeMillis(), System.nanoTime()), 0,
                    SAMPLE_INTERVAL_MS, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /**
     * Reads the totals once, stamped {@code epochMillis} (shown) and {@code monotonicNanos}
     * (divides the counts: a step of the wall clock does not make a rate). A sample no later
     * than the previous one is skipped; so is one whose read fails (the snapshot says why
     * until a read succeeds).
     */
    public synchronized void sample(long epochMillis, long monotonicNanos) {
        int previous = (next + capacity - 1) % capacity;
        if (count > 0 && monotonicNanos - this.monotonicNanos[previous] <= 0) {
            return;
        }
        Map<String, Totals> now;
        try {
            now = source.read();
        } catch (RuntimeException e) {
            samplerError = e.toString(); // a scheduled task that throws is never run again: keep sampling
            return;
        }
        samplerError = null;
        for (Map.Entry<String, Totals> e : now.entrySet()) {
            if (!byMethod.containsKey(e.getKey())) {
                if (byMethod.size() >= MAX_METHODS) {
                    methodsNotFollowed++;
                    continue;
                }
                // zeros before its first sample: a counter's data point starts at 0 when it appears
                byMethod.put(e.getKey(), new Series(capacity));
            }
        }
        for (Map.Entry<String, Series> e : byMethod.entrySet()) {
            Totals t = now.get(e.getKey());
            Series s = e.getValue();
            // a method missing from this read keeps its totals: nothing happened to it
            s.calls[next] = t != null ? t.calls() : count > 0 ? s.calls[previous] : 0;
            s.errors[next] = t != null ? t.errors() : count > 0 ? s.errors[previous] : 0;
        }
        this.epochMillis[next] = epochMillis;
        this.monotonicNanos[next] = monotonicNanos;
        next = (next + 1) % capacity;
        count = Math.min(count + 1, capacity);
    }

    /** The rates between consecutive samples held, oldest first, per method in name order. */
    public synchronized Snapshot snapshot() {
        int intervals = Math.max(0, count - 1);
        int oldest = (next + capacity - count) % capacity;
        long[] ends = new long[intervals];
        double[] seconds = new double[intervals];
        for (int i = 0; i < intervals; i++) {
            int from = (oldest + i) % capacity;
            int to = (from + 1) % capacity;
            ends[i] = epochMillis[to];
            seconds[i] = (monotonicNanos[to] - monotonicNanos[from]) / 1e9;
        }
        List<MethodRates> methods = new ArrayList<>(byMethod.size());
        int newest = (next + capacity - 1) % capacity;
        for (Map.Entry<String, Series> e : byMethod.entrySet()) {
            Series s = e.getValue();
            methods.add(new MethodRates(e.getKey(), count == 0 ? 0 : s.calls[newest], count == 0 ? 0 : s.errors[newest],
                    rates(s.calls, oldest, seconds), rates(s.errors, oldest, seconds)));
        }
        return new Snapshot(capacity - 1, SAMPLE_INTERVAL_MS, ends, methods, methodsNotFollowed, samplerError);
    }

    private double[] rates(long[] totals, int oldest, double[] seconds) {
        double[] out = new double[seconds.length];
        for (int i = 0; i < out.length; i++) {
            int from = (oldest + i) % capacity;
            out[i] = (totals[(from + 1) % capacity] - totals[from]) / seconds[i];
        }
        return out;
    }

    /** Stops the sampler thread; what was sampled stays readable. */
    @Override
    public synchronized void close() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }
}
