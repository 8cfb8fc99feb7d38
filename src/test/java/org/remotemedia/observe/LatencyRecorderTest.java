package org.remotemedia.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The in-place summary reads what a copy of the cumulative histogram would; the window forgets old values. */
class LatencyRecorderTest {
    @Test
    void summaryEqualsTheCumulativeHistogram() {
        LatencyRecorder r = new LatencyRecorder("x", "y", null, null, 60);
        assertEquals(0, r.summary().count());
        assertEquals(0.0, r.summary().mean());
        for (long v = 1; v <= 100_000; v++) {
            r.recordNanos(v * 1_000); // 1 us .. 100 ms, uniform
        }
        r.recordNanos(-5); // clamped to 1 ns
        LatencyRecorder.Summary s = r.summary();
        r.recordNanos(7_000_000_000_000L); // after the summary; clamped to one hour
        Histogram h = new Histogram(1, LatencyRecorder.MAX_TRACKABLE_NS, 3);
        for (long v = 1; v <= 100_000; v++) {
            h.recordValue(v * 1_000);
        }
        h.recordValue(1);
        assertEquals(h.getTotalCount(), s.count());
        assertEquals(h.getMean(), s.mean(), 1e-9);
        assertEquals(h.getMaxValue(), s.max());
        assertArrayEquals(new long[] {h.getValueAtPercentile(50), h.getValueAtPercentile(95), h.getValueAtPercentile(99),
                h.getValueAtPercentile(99.9)}, new long[] {s.p50(), s.p95(), s.p99(), s.p999()});
        // and the later value is folded in by the next read
        assertEquals(h.getTotalCount() + 1, r.summary().count());
        assertEquals(r.cumulative().getMaxValue(), r.summary().max());
    }

    @Test
    void theWindowForgetsWhatIsOlderThanItsLengthButTheCumulativeKeepsIt() {
        LatencyRecorder r = new LatencyRecorder("x", "y", "method", "m", 60);
        long t = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            r.recordNanos(5_000_000); // 5 ms
        }
        r.tick(t + 30_000_000_000L); // 30 s later: still in the window
        assertEquals(1000, r.window().recentCount());
        for (int i = 0; i < 10; i++) {
            r.recordNanos(1_000); // 1 us
        }
        r.tick(t + 65_000_000_000L); // the 5 ms values are more than a window old now
        LatencyRecorder.Window w = r.window();
        assertEquals(10, w.recentCount());
        assertEquals(1010, w.count(), "count and sum stay cumulative (a Prometheus summary)");
        assertEquals(1_000, w.p99(), 1_000 * 0.001);
        assertEquals(5_000_000, r.cumulative().getValueAtPercentile(50), 5_000_000 * 0.001);
        r.tick(t + 200_000_000_000L);
        assertEquals(0, r.window().recentCount(), "an idle window empties");
    }
}
