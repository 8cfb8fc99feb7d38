package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WindowBudgetTest {
    @Test
    void moreThanMaxInOneWindowIsOver() {
        WindowBudget b = new WindowBudget(3, 1000);
        assertTrue(b.tryAcquire(0));
        assertTrue(b.tryAcquire(10));
        assertTrue(b.tryAcquire(999));
        assertFalse(b.tryAcquire(999));
    }

    @Test
    void aNewWindowStartsAfterTheOldOneEnded() {
        WindowBudget b = new WindowBudget(2, 1000);
        assertTrue(b.tryAcquire(0));
        assertTrue(b.tryAcquire(500));
        assertTrue(b.tryAcquire(1000), "window [0, 1000) is over");
        assertTrue(b.tryAcquire(1500));
        assertFalse(b.tryAcquire(1999));
    }

    @Test
    void zeroIsOff() {
        WindowBudget b = new WindowBudget(0, 1000);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(b.tryAcquire(i));
        }
    }
}
