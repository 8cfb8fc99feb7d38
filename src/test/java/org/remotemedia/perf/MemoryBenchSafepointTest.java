package org.remotemedia.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/** The soak's reading of the JVM's safepoint log (lines as JDK 25 writes them). */
class MemoryBenchSafepointTest {
    static final String LINE = "[33.651s][info][safepoint] Safepoint \"ZRelocateStartYoung\", Time since last: 1407151"
            + " ns, Reaching safepoint: 263491 ns, At safepoint: 18415 ns, Leaving safepoint: 6366006 ns, Total: 6647912"
            + " ns, Threads: 1 runnable, 24 total";

    @Test
    void readsUptimeStoppedTimeAndTotal() {
        Matcher m = MemoryBench.SAFEPOINT.matcher(LINE);
        assertTrue(m.find());
        assertEquals(33.651, Double.parseDouble(m.group(1)), 1e-9);
        assertEquals(263_491 + 18_415, Long.parseLong(m.group(2)) + Long.parseLong(m.group(3)),
                "threads are stopped while reaching and at the safepoint");
        assertEquals(6_647_912, Long.parseLong(m.group(4)));
    }

    @Test
    void theSamplersOwnCollectionsAreToldApartByTheirUptimeWindow() {
        List<double[]> forced = List.of(new double[] {30.0, 30.4}, new double[] {60.2, 60.9});
        assertTrue(MemoryBench.inWindow(30.2, forced));
        assertTrue(MemoryBench.inWindow(30.45, forced), "0.1 s of slack");
        assertTrue(MemoryBench.inWindow(60.1, forced));
        assertFalse(MemoryBench.inWindow(33.651, forced));
        assertFalse(MemoryBench.inWindow(61.1, forced));
        assertFalse(MemoryBench.inWindow(1.0, List.of()));
    }
}
