package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RecentlyResetStreamsTest {
    @Test
    void remembersWithinTheGraceOnly() {
        RecentlyResetStreams r = new RecentlyResetStreams(16, 100);
        assertTrue(r.isEmpty());
        r.add(3, 1000);
        r.add(7, 1050);
        assertTrue(r.contains(3, 1100));
        assertTrue(r.contains(7, 1100));
        assertFalse(r.contains(5, 1100));
        assertFalse(r.contains(3, 1101), "past the grace");
        assertTrue(r.contains(7, 1150));
        assertFalse(r.contains(7, 1151));
    }

    @Test
    void forgetsTheOldestBeyondCapacityAndGrowsInOrder() {
        RecentlyResetStreams r = new RecentlyResetStreams(20, Long.MAX_VALUE / 2);
        for (int id = 1; id <= 41; id += 2) { // 21 ids
            r.add(id, id);
        }
        assertEquals(20, r.size());
        assertFalse(r.contains(1, 100), "the oldest went first");
        for (int id = 3; id <= 41; id += 2) {
            assertTrue(r.contains(id, 100), "id " + id);
        }
        r.add(43, 43);
        assertFalse(r.contains(3, 100));
        assertTrue(r.contains(43, 100));
    }

    @Test
    void idsResetOutOfOrderAreFound() {
        RecentlyResetStreams r = new RecentlyResetStreams(8, 1000);
        r.add(101, 0);
        r.add(3, 10);
        r.add(55, 20);
        assertTrue(r.contains(3, 500));
        assertTrue(r.contains(101, 500));
        assertTrue(r.contains(55, 500));
    }

    @Test
    void aForgottenIdIsNoLongerFoundAndTheOthersStay() {
        RecentlyResetStreams r = new RecentlyResetStreams(8, 1000);
        r.add(3, 0);
        r.add(5, 10);
        assertFalse(r.forget(7, 20), "never remembered");
        assertTrue(r.forget(3, 20));
        assertFalse(r.contains(3, 20));
        assertFalse(r.forget(3, 20), "forgotten once");
        assertTrue(r.contains(5, 20));
        assertFalse(r.forget(5, 1011), "past the grace");
    }
}
