package org.remotemedia.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fuzz targets' allocation oracle: an allocation on every run is a finding, a one-time one is not. */
class FuzzBudgetTest {
    private static volatile byte[] sink;

    /** A target that allocates {@code bytes[run]} on its run-th run of the same input. */
    private static void target(FuzzBudget budget, int[] bytes, AtomicInteger runs, int inputLength) {
        target(budget, bytes, runs, new byte[inputLength]);
    }

    private static void target(FuzzBudget budget, int[] bytes, AtomicInteger runs, byte[] input) {
        budget.start();
        int run = runs.getAndIncrement();
        sink = new byte[bytes[Math.min(run, bytes.length - 1)]];
        budget.check(input, "test", () -> target(budget, bytes, runs, input));
    }

    /** The budget forgives a run that loads classes; the target's lambda is loaded here, not in a test. */
    @BeforeAll
    static void loadTheTargetsClasses() {
        target(new FuzzBudget(1 << 20, 16), new int[] {1024}, new AtomicInteger(), 100);
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
    void underTheFuzzerAnInputOverTheBudgetIsKeptForTheJudgeInsteadOfFailing(@TempDir Path dir) throws Exception {
        Path suspects = dir.resolve("suspects");
        FuzzBudget budget = new FuzzBudget(1 << 20, 16, suspects);
        AtomicInteger runs = new AtomicInteger();
        byte[] input = "an input the hooks made expensive".getBytes(StandardCharsets.UTF_8);
        target(budget, new int[] {8 << 20, 8 << 20}, runs, input);
        assertEquals(2, runs.get());
        List<Path> kept;
        try (Stream<Path> s = Files.list(suspects)) {
            kept = s.toList();
        }
        assertEquals(1, kept.size(), "one suspect kept");
        assertTrue(kept.get(0).getFileName().toString().startsWith("budget-"), kept.toString());
        assertArrayEquals(input, Files.readAllBytes(kept.get(0)), "the suspect holds the input's bytes");
    }

    @Test
    void withinTheBudgetRunsOnce() {
        FuzzBudget budget = new FuzzBudget(1 << 20, 16);
        AtomicInteger runs = new AtomicInteger();
        target(budget, new int[] {1024}, runs, 100);
        assertEquals(1, runs.get());
    }
}
