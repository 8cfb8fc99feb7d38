package org.remotemedia.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The fuzz targets' allocation oracle: an allocation on every run is a finding, a one-time one is not. */
class FuzzBudgetTest {
    private static volatile byte[] sink;

    /** A target that allocates {@code bytes[run]} on its run-th run of the same input. */
    private static void target(FuzzBudget budget, int[] bytes, AtomicInteger runs, int inputLength) {
        budget.start();
        int run = runs.getAndIncrement();
        sink = new byte[bytes[Math.min(run, bytes.length - 1)]];
        budget.check(inputLength, "test", () -> target(budget, bytes, runs, inputLength));
    }

    @Test
    void anAllocationOnEveryRunOverTheBudgetIsAFinding() {
        FuzzBudget budget = new FuzzBudget(1 << 20, 16);
        AtomicInteger runs = new AtomicInteger();
        AssertionError e = assertThrows(AssertionError.class,
                () -> target(budget, new int[] {8 << 20, 8 << 20}, runs, 100));
        assertTrue(e.getMessage().contains("on its second run too"), e.getMessage());
        assertEquals(2, runs.get(), "judged after one second run, not more");
    }

    @Test
    void aOneTimeAllocationOverTheBudgetIsForgivenAfterASecondRun() {
        FuzzBudget budget = new FuzzBudget(1 << 20, 16);
        AtomicInteger runs = new AtomicInteger();
        target(budget, new int[] {8 << 20, 1024}, runs, 100);
        assertEquals(2, runs.get(), "the input ran a second time");
    }

    @Test
    void withinTheBudgetRunsOnce() {
        FuzzBudget budget = new FuzzBudget(1 << 20, 16);
        AtomicInteger runs = new AtomicInteger();
        target(budget, new int[] {1024}, runs, 100);
        assertEquals(1, runs.get());
    }
}
