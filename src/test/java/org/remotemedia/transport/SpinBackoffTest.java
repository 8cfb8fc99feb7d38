package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SpinBackoffTest {
    /** Runs idle moments where every spin misses; returns how many of them spun. */
    private static int spinsOver(SpinBackoff b, int idleMoments) {
        int spun = 0;
        for (int i = 0; i < idleMoments; i++) {
            if (b.shouldSpin()) {
                spun++;
                b.missed();
            }
        }
        return spun;
    }

    @Test
    void spinsWhileSpinsFindWork() {
        SpinBackoff b = new SpinBackoff();
        for (int i = 0; i < 10_000; i++) {
            assertTrue(b.shouldSpin());
            if (i % 4 == 0) {
                b.missed(); // a miss now and then, never eight in a row
            } else {
                b.found();
            }
        }
    }

    @Test
    void backsOffAfterMissesInARowAndProbesRarelyAfterThat() {
        SpinBackoff b = new SpinBackoff();
        for (int i = 0; i < SpinBackoff.MISSES_TO_BACK_OFF; i++) {
            assertTrue(b.shouldSpin());
            b.missed();
        }
        assertEquals(SpinBackoff.MIN_SKIPS, b.skipsLeft());
        for (int i = 0; i < SpinBackoff.MIN_SKIPS; i++) {
            assertFalse(b.shouldSpin(), "backed off: sleep at once");
        }
        assertTrue(b.shouldSpin(), "then one probe");
        b.missed();
        assertEquals(2 * SpinBackoff.MIN_SKIPS, b.skipsLeft(), "a missed probe doubles the back-off");
        // steady traffic whose gaps are longer than the window: spins become rare
        int spun = spinsOver(b, 1_000_000);
        assertTrue(spun < 1_000_000 / SpinBackoff.MAX_SKIPS + 20, spun + " spins in 1,000,000 idle moments");
    }

    @Test
    void aProbeThatFindsWorkTurnsSpinningBackOn() {
        SpinBackoff b = new SpinBackoff();
        spinsOver(b, 100_000);
        while (!b.shouldSpin()) {
            // wait for the probe
        }
        b.found();
        assertEquals(0, b.skipsLeft());
        for (int i = 0; i < SpinBackoff.MISSES_TO_BACK_OFF - 1; i++) {
            assertTrue(b.shouldSpin(), "spinning again: it takes eight misses to back off");
            b.missed();
        }
        assertTrue(b.shouldSpin());
        b.missed();
        assertEquals(SpinBackoff.MIN_SKIPS, b.skipsLeft(), "and the back-off starts small again");
    }
}
