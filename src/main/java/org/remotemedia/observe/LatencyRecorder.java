package org.remotemedia.observe;

import java.lang.ref.WeakReference;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One named latency distribution in nanoseconds, optionally one of a family sharing a name and
 * told apart by a label ({@code method="..."}). Writers record wait-free and allocation-free
 * (HdrHistogram {@link Recorder}); readers fold each interval into a cumulative histogram and
 * into the current slot of a sliding window ({@link #SLOTS} slots over the window), so
 * {@link #recent()} is the distribution of about the last window, not since start.
 *
 * <p>A recorder made with {@code on} false ({@code metrics.per_call_latency: off}) ignores what it is
 * handed: its distributions stay empty and recording costs one test of a final field.
 *
 * <p>Threads: any number of writer threads; readers (metrics server, GetMetrics) and the one
 * window ticker thread of the process are serialized by {@code synchronized}.
 */
public final class LatencyRecorder {
    /** Highest value tracked: one hour. Larger values are clamped to it rather than lost. */
    static final long MAX_TRACKABLE_NS = 3_600_000_000_000L;
    /** Slots of the sliding window: the window moves in steps of window / SLOTS. */
    static final int SLOTS = 6;

    private static final Queue<WeakReference<LatencyRecorder>> WINDOWED = new ConcurrentLinkedQueue<>();
    private static final ScheduledExecutorService TICKER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rm-latency-window");
        t.setDaemon(true);
        return t;
    });

    static {
        TICKER.scheduleAtFixedRate(LatencyRecorder::tickAll, 1, 1, TimeUnit.SECONDS);
    }

    private final String name;
    private final String help;
    private final String labelName;
    private final String labelValue;
    private final long slotNanos;
    private final boolean on;
    private final Recorder recorder = new Recorder(1, MAX_TRACKABLE_NS, 3);
    private final Histogram cumulative = new Histogram(1, MAX_TRACKABLE_NS, 3);
    private final Histogram[] slots = new Histogram[SLOTS];
    private final Histogram recentScratch = new Histogram(1, MAX_TRACKABLE_NS, 3);
    private int slot;
    private long slotStartNanos = System.nanoTime();
    private Histogram recycle;

    LatencyRecorder(String name, String help, String labelName, String labelValue, int windowSeconds) {
        this(name, help, labelName, labelValue, windowSeconds, true);
    }

    LatencyRecorder(String name, String help, String labelName, String labelValue, int windowSeconds, boolean on) {
        this.on = on;
        this.name = name;
        this.help = help;
        this.labelName = labelName;
        this.labelValue = labelValue;
        this.slotNanos = TimeUnit.SECONDS.toNanos(windowSeconds) / SLOTS;
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Histogram(1, MAX_TRACKABLE_NS, 3);
        }
        WINDOWED.add(new WeakReference<>(this));
    }

    private static void tickAll() {
        long now = System.nanoTime();
        for (var it = WINDOWED.iterator(); it.hasNext(); ) {
            LatencyRecorder r = it.next().get();
            if (r == null) {
                it.remove();
            } else {
                r.tick(now);
            }
        }
    }

    /** Moves the window on when the current slot's time is up (the ticker calls it every second). */
    synchronized void tick(long nowNanos) {
        if (nowNanos - slotStartNanos < slotNanos) {
            return;
        }
        fold();
        long steps = Math.min(SLOTS, (nowNanos - slotStartNanos) / slotNanos);
        for (long i = 0; i < steps; i++) {
            slot = (slot + 1) % SLOTS;
            slots[slot].reset();
        }
        slotStartNanos += steps * slotNanos;
        if (nowNanos - slotStartNanos >= slotNanos) {
            slotStartNanos = nowNanos;
        }
    }

    public String name() {
        return name;
    }

    public String help() {
        return help;
    }

    /** The label that tells this recorder from others of its name (e.g. "method"), or null. */
    public String labelName() {
        return labelName;
    }

    public String labelValue() {
        return labelValue;
    }

    public void recordNanos(long ns) {
        if (on) {
            recorder.recordValue(clamp(ns));
        }
    }

    /**
     * Records with coordinated-omission correction: a value far above the expected interval
     * also records the samples that a stalled open-loop sender would have seen.
     */
    public void recordNanos(long ns, long expectedIntervalNs) {
        if (on) {
            recorder.recordValueWithExpectedInterval(clamp(ns), expectedIntervalNs);
        }
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

    /** p50, p90, p99, p99.9 of about the last window, and the count and sum since start (a Prometheus summary). */
    public synchronized Window window() {
        Histogram r = recentLocked();
        long n = cumulative.getTotalCount();
        return new Window(r.getTotalCount(), r.getValueAtPercentile(50), r.getValueAtPercentile(90),
                r.getValueAtPercentile(99), r.getValueAtPercentile(99.9), n, n == 0 ? 0.0 : cumulative.getMean() * n);
    }

    /** What {@link #window} read: windowed percentiles (ns), cumulative count and sum (ns). */
    public record Window(long recentCount, long p50, long p90, long p99, long p999, long count, double sumNanos) {
    }

    /** Everything recorded since start. The returned copy belongs to the caller. */
    public synchronized Histogram cumulative() {
        fold();
        return cumulative.copy();
    }

    /** About the last window ({@code metrics.latency_window_seconds}). The returned copy belongs to the caller. */
    public synchronized Histogram recent() {
        return recentLocked().copy();
    }

    private Histogram recentLocked() {
        fold();
        recentScratch.reset();
        for (Histogram h : slots) {
            recentScratch.add(h);
        }
        return recentScratch;
    }

    /** Clears the distributions (tests and benchmark phases). */
    public synchronized void reset() {
        fold();
        cumulative.reset();
        for (Histogram h : slots) {
            h.reset();
        }
    }

    private void fold() {
        recycle = recorder.getIntervalHistogram(recycle);
        cumulative.add(recycle);
        slots[slot].add(recycle);
    }

    private static long clamp(long ns) {
        return ns < 1 ? 1 : Math.min(ns, MAX_TRACKABLE_NS);
    }
}
