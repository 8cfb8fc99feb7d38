package org.remotemedia.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/** The in-place summary reads what a copy of the cumulative histogram would. */
class LatencyRecorderTest {
    @Test
    void summaryEqualsTheCumulativeHistogram() {
        LatencyRecorder r = new LatencyRecorder("x", "y");
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
}
