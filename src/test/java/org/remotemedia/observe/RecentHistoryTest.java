package org.remotemedia.observe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.core.metrics.Counter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * RecentHistory with the time handed in (no sleeping): rates are the counters' differences over
 * the monotonic time between samples, the ring keeps only its last intervals, and the daemon's
 * source reads the real calls counter.
 */
class RecentHistoryTest {
    private static final long T0_MS = 1_700_000_000_000L;
    private static final long SECOND_NS = 1_000_000_000L;

    /** A source whose totals the test sets. */
    private static final class FakeTotals implements RecentHistory.Source {
        final Map<String, RecentHistory.Totals> now = new HashMap<>();
        RuntimeException failure;

        void set(String method, long calls, long errors) {
            now.put(method, new RecentHistory.Totals(calls, errors));
        }

        @Override
        public Map<String, RecentHistory.Totals> read() {
            if (failure != null) {
                throw failure;
            }
            return Map.copyOf(now);
        }
    }

    private static void sampleAtSecond(RecentHistory h, double s) {
        h.sample(T0_MS + Math.round(s * 1000), Math.round(s * SECOND_NS));
    }

    private static RecentHistory.MethodRates method(RecentHistory.Snapshot s, String name) {
        return s.methods().stream().filter(m -> m.method().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not in " + s.methods()));
    }

    @Test
    void ratesAreCountDifferencesOverTheTimeBetweenSamples() {
        FakeTotals src = new FakeTotals();
        RecentHistory h = new RecentHistory(src, 10);
        src.set("a/Exec", 0, 0);
        sampleAtSecond(h, 0);
        assertEquals(0, h.snapshot().intervalEndEpochMillis().length, "one sample is no rate yet");
        src.set("a/Exec", 10, 2);
        sampleAtSecond(h, 1);
        src.set("a/Exec", 30, 2);
        sampleAtSecond(h, 3); // a late sample: 20 calls over 2 s
        src.set("a/Exec", 31, 3);
        sampleAtSecond(h, 3.5);
        RecentHistory.Snapshot s = h.snapshot();
        assertArrayEquals(new long[] {T0_MS + 1000, T0_MS + 3000, T0_MS + 3500}, s.intervalEndEpochMillis());
        RecentHistory.MethodRates a = method(s, "a/Exec");
        assertArrayEquals(new double[] {10, 10, 2}, a.callsPerSecond(), 1e-9);
        assertArrayEquals(new double[] {2, 0, 2}, a.errorsPerSecond(), 1e-9);
        assertEquals(31, a.callsTotal());
        assertEquals(3, a.errorsTotal());
        assertEquals(10, s.capacityIntervals());
        assertNull(s.samplerError());
    }

    @Test
    void theRingKeepsOnlyTheLastIntervals() {
        FakeTotals src = new FakeTotals();
        RecentHistory h = new RecentHistory(src, 3);
        for (int i = 0; i <= 10; i++) {
            src.set("m", i * i, 0); // rate in (i-1, i] is 2i - 1
            sampleAtSecond(h, i);
        }
        RecentHistory.Snapshot s = h.snapshot();
        assertArrayEquals(new long[] {T0_MS + 8000, T0_MS + 9000, T0_MS + 10_000}, s.intervalEndEpochMillis());
        assertArrayEquals(new double[] {15, 17, 19}, method(s, "m").callsPerSecond(), 1e-9);
        assertEquals(100, method(s, "m").callsTotal());
    }

    @Test
    void aMethodSeenLaterStartsFromZeroAndOneMissingFromAReadKeepsItsTotals() {
        FakeTotals src = new FakeTotals();
        RecentHistory h = new RecentHistory(src, 10);
        src.set("old", 5, 1);
        sampleAtSecond(h, 0);
        src.set("old", 7, 1);
        src.set("new", 4, 4); // its counter appeared during this second: it was 0 before
        sampleAtSecond(h, 1);
        src.now.remove("old");
        src.set("new", 6, 4);
        sampleAtSecond(h, 2);
        RecentHistory.Snapshot s = h.snapshot();
        assertEquals(List.of("new", "old"), s.methods().stream().map(RecentHistory.MethodRates::method).toList(),
                "in name order");
        assertArrayEquals(new double[] {4, 2}, method(s, "new").callsPerSecond(), 1e-9);
        assertArrayEquals(new double[] {4, 0}, method(s, "new").errorsPerSecond(), 1e-9);
        assertArrayEquals(new double[] {2, 0}, method(s, "old").callsPerSecond(), 1e-9);
        assertEquals(7, method(s, "old").callsTotal());
    }

    @Test
    void aSampleNoLaterThanThePreviousIsSkipped() {
        FakeTotals src = new FakeTotals();
        RecentHistory h = new RecentHistory(src, 10);
        src.set("m", 0, 0);
        sampleAtSecond(h, 5);
        src.set("m", 100, 0);
        sampleAtSecond(h, 5); // no time passed: no rate can be made of it
        sampleAtSecond(h, 4);
        assertEquals(0, h.snapshot().intervalEndEpochMillis().length);
        sampleAtSecond(h, 6);
        assertArrayEquals(new double[] {100}, method(h.snapshot(), "m").callsPerSecond(), 1e-9);
    }

    @Test
    void aFailingReadIsReportedAndSamplingGoesOn() {
        FakeTotals src = new FakeTotals();
        RecentHistory h = new RecentHistory(src, 10);
        src.set("m", 0, 0);
        sampleAtSecond(h, 0);
        src.failure = new IllegalStateException("counter gone");
        sampleAtSecond(h, 1);
        assertTrue(h.snapshot().samplerError().contains("counter gone"), h.snapshot().samplerError());
        src.failure = null;
        src.set("m", 8, 0);
        sampleAtSecond(h, 2);
        RecentHistory.Snapshot s = h.snapshot();
        assertNull(s.samplerError());
        assertArrayEquals(new double[] {4}, method(s, "m").callsPerSecond(), 1e-9, "8 calls over the 2 s since the last good read");
    }

    @Test
    void methodsBeyondTheCapAreCountedNotFollowed() {
        FakeTotals src = new FakeTotals();
        RecentHistory h = new RecentHistory(src, 4);
        for (int i = 0; i < RecentHistory.MAX_METHODS + 3; i++) {
            src.set("m" + i, 1, 0);
        }
        sampleAtSecond(h, 0);
        RecentHistory.Snapshot s = h.snapshot();
        assertEquals(RecentHistory.MAX_METHODS, s.methods().size());
        assertEquals(3, s.methodsNotFollowed());
    }

    @Test
    void aRingNeedsAtLeastOneInterval() {
        assertThrows(IllegalArgumentException.class, () -> new RecentHistory(Map::of, 0));
    }

    @Test
    void theDaemonsSourceSumsStatusCodesAndCountsEveryNonOkCodeAsAnError() {
        Metrics metrics = new Metrics();
        RecentHistory.Source src = RecentHistory.fromCallsCounter(metrics, "test_calls");
        assertEquals(Map.of(), src.read(), "before the counter is registered: no methods, no failure");
        Counter calls = metrics.counter("test_calls", "calls by method and code", "method", "code");
        calls.labelValues("svc/A", "OK").inc(5);
        calls.labelValues("svc/A", "INVALID_ARGUMENT").inc(2);
        calls.labelValues("svc/A", "DEADLINE_EXCEEDED").inc();
        calls.labelValues("svc/B", "OK").inc(3);
        calls.labelValues("svc/C", "OK"); // registered, never called
        assertEquals(Map.of("svc/A", new RecentHistory.Totals(8, 3), "svc/B", new RecentHistory.Totals(3, 0),
                "svc/C", new RecentHistory.Totals(0, 0)), src.read());
    }
}
