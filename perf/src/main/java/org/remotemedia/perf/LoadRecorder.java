package org.remotemedia.perf;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What a load run records while it runs: latency of each call or chunk (HdrHistogram
 * {@link Recorder}, nanoseconds; in open loop counted from the work's due time, not from when it
 * was sent, which is the coordinated-omission correction: a stall shows in every call due during
 * it, and nothing synthetic is added on top, which would count the stall twice), the load
 * generator's own lateness (how far behind schedule it issued work: the
 * client's fault, never the server's), answers that were right, and failures keyed by what they
 * were (a gRPC status code, an in-band stream error type, or a wrong answer). Nothing is recorded
 * before {@link #startMeasuring()} (warm-up) or after {@link #stopMeasuring()}.
 *
 * <p>Threads: any thread records (Recorder and LongAdder are writer-safe, allocation-free once
 * warm); {@link #startMeasuring()}, {@link #stopMeasuring()} and the getters on the driver's thread.
 */
final class LoadRecorder {
    private static final long HIGHEST_NS = 3_600_000_000_000L;

    private final Recorder latency = new Recorder(HIGHEST_NS, 3);
    private final Recorder lateness = new Recorder(HIGHEST_NS, 3);
    private final LongAdder ok = new LongAdder();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private volatile boolean measuring;
    private long startNanos;
    private long stopNanos;
    private Histogram latencyResult;
    private Histogram latenessResult;
    private Runnable onStart = () -> { };
    private Runnable onStop = () -> { };

    /** Hooks run as measuring starts and stops (e.g. reading the server's CPU time). */
    void marks(Runnable start, Runnable stop) {
        this.onStart = start;
        this.onStop = stop;
    }

    boolean measuring() {
        return measuring;
    }

    void startMeasuring() {
        latency.reset();
        lateness.reset();
        ok.reset();
        failures.clear();
        onStart.run();
        startNanos = System.nanoTime();
        measuring = true;
    }

    void stopMeasuring() {
        if (!measuring) {
            return;
        }
        measuring = false;
        stopNanos = System.nanoTime();
        onStop.run();
        latencyResult = latency.getIntervalHistogram();
        latenessResult = lateness.getIntervalHistogram();
    }

    /**
     * A right answer {@code ns} after it was due (open loop) or sent (closed loop). Open loop
     * needs no HdrHistogram expected-interval back-fill: the generator does not wait for answers,
     * so every call due during a stall is issued and measured from its due time already.
     */
    void answered(long ns) {
        if (!measuring) {
            return;
        }
        latency.recordValue(Math.min(Math.max(1, ns), HIGHEST_NS));
        ok.increment();
    }

    /** The generator issued work {@code ns} after its due time. */
    void late(long ns) {
        if (measuring) {
            lateness.recordValue(Math.min(Math.max(1, ns), HIGHEST_NS));
        }
    }

    /** A failure of kind {@code what} (e.g. "UNAVAILABLE", "STREAM_ERROR_TIMEOUT", "wrong answer"). */
    void failed(String what) {
        if (measuring) {
            failures.computeIfAbsent(what, k -> new LongAdder()).increment();
        }
    }

    /** A failure counted whether or not the run is measuring (e.g. a session that did not open). */
    void failedAlways(String what) {
        failures.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    double measuredSeconds() {
        return (stopNanos - startNanos) / 1e9;
    }

    Histogram latency() {
        return latencyResult;
    }

    Histogram lateness() {
        return latenessResult;
    }

    long ok() {
        return ok.sum();
    }

    Map<String, Long> failures() {
        Map<String, Long> m = new TreeMap<>();
        failures.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    long failureCount() {
        return failures.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
