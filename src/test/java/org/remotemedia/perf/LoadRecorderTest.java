package org.remotemedia.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

/**
 * The load generator's latency in open loop: each call timed from its due time. A server stall
 * then shows exactly once per call due during it, with the latencies an ideal observer would
 * see; nothing is added on top (HdrHistogram's expected-interval back-fill, meant for a loop that
 * waited for its answers, would count the stall a second time).
 */
class LoadRecorderTest {
    @Test
    void aStallInOpenLoopCountsOncePerCallDueDuringIt() {
        LoadRecorder rec = new LoadRecorder();
        rec.startMeasuring();
        long interval = 10_000_000; // 100 calls/s
        long stallEnd = 500_000_000; // the server answers nothing for the first 0.5 s
        long service = 1_000_000; // then each call takes 1 ms
        int calls = 100;
        for (int i = 0; i < calls; i++) {
            long due = i * interval;
            long answeredAt = Math.max(due, stallEnd) + service;
            rec.answered(answeredAt - due);
        }
        rec.stopMeasuring();
        Histogram h = rec.latency();
        assertEquals(calls, h.getTotalCount(), "one value per call, nothing synthetic");
        // calls 0..49 were due during the stall: latencies 501, 491, ..., 11 ms; calls 50..99: 1 ms
        assertEquals(1e6, h.getValueAtPercentile(50), 1e6 * 0.002);
        assertEquals(501e6, h.getMaxValue(), 501e6 * 0.002);
        assertEquals(128.5e6, h.getMean(), 0.01 * 128.5e6, "fifty of 11..501 ms (mean 256) and fifty of 1 ms");
        assertEquals(calls, rec.ok());
    }
}
