package org.remotemedia.observe;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One named latency distribution in nanoseconds. Writers record wait-free and allocation-free
 * (HdrHistogram {@link Recorder}); a reader folds each interval into a cumulative histogram
 * under this object's lock when metrics are scraped.
 *
 * <p>Threads: any number of writer threads; {@link #cumulative()} and {@link #interval()} by
 * reader threads (metrics server, GetMetrics), serialized by {@code synchronized}.
 */
public final class LatencyRecorder {
    /** Highest value tracked: one hour. Larger values are clamped to it rather than lost. */
    static final long MAX_TRACKABLE_NS = 3_600_000_000_000L;

    private final String name;
    private final String help;
    private final Recorder recorder = new Recorder(1, MAX_TRACKABLE_NS, 3);
    private final Histogram cumulative = new Histogram(1, MAX_TRACKABLE_NS, 3);
    private Histogram recycle;

    LatencyRecorder(String name, String help) {
        this.name = name;
        this.help = help;
    }

    public String name() {
        return name;
    }

    public String help() {
        return help;
    }

    public void recordNanos(long ns) {
        recorder.recordValue(clamp(ns));
    }

    /**
     * Records with coordinated-omission correction: a value far above the expected interval
     * also records the samples that a stalled open-loop sender would have seen.
     */
    public void recordNanos(long ns, long expectedIntervalNs) {
        recorder.recordValueWithExpectedInterval(clamp(ns), expectedIntervalNs);
    }

    /**
     * Count, mean, max, p50, p95, p99 and p99.9 of everything recorded since start, read in place
     * (no copy of the histogram: scrapes and GetMetrics make no garbage of its size).
     */
    public synchronized Summary summary() {
        fold();
        long n = cumulative.getTotalCount();
        return new Summary(n, n == 0 ? 0.0 : cumulative.getMean(), cumulative.getMaxValue(),
                cumulative.getValueAtPercentile(50), cumulative.getValueAtPercentile(95),
                cumulative.getValueAtPercentile(99), cumulative.getValueAtPercentile(99.9));
    }

    /** What {@link #summary} read, in nanoseconds (the mean too). */
    public record Summary(long count, double mean, long max, long p50, long p95, long p99, long p999) {
    }

    /** Everything recorded since start. The returned copy belongs to the caller. */
    public synchronized Histogram cumulative() {
        fold();
        return cumulative.copy();
    }

    /** Clears the cumulative distribution (tests and benchmark phases). */
    public synchronized void reset() {
        fold();
        cumulative.reset();
    }

    private void fold() {
        recycle = recorder.getIntervalHistogram(recycle);
        cumulative.add(recycle);
    }

    private static long clamp(long ns) {
        return ns < 1 ? 1 : Math.min(ns, MAX_TRACKABLE_NS);
    }
}
