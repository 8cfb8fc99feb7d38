package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The soft heap target derived from the heap's initial and max sizes (the daemon's log line: ServeCommandTest). */
class HeapTargetTest {
    private static final long MIB = 1L << 20;

    @Test
    void theInitialHeapWhenItLiesBetweenTheFloorAndTheMax() {
        assertEquals(940 * MIB, HeapTarget.softMaxFor(940 * MIB, 9_400 * MIB));
    }

    @Test
    void neverBelowTheFloor() {
        assertEquals(HeapTarget.FLOOR_BYTES, HeapTarget.softMaxFor(16 * MIB, 4_000 * MIB));
    }

    @Test
    void neverAboveTheMax() {
        assertEquals(200 * MIB, HeapTarget.softMaxFor(16 * MIB, 200 * MIB));
        assertEquals(1_000 * MIB, HeapTarget.softMaxFor(1_000 * MIB, 1_000 * MIB));
    }
}
