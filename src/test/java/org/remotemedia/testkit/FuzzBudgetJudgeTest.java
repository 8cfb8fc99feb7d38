package org.remotemedia.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plain-JVM judge of inputs a fuzzing run kept as over budget. */
class FuzzBudgetJudgeTest {
    /** A fuzz target whose first input byte says how many MiB it allocates on every run. */
    public static final class MebibytesTarget {
        private static final FuzzBudget BUDGET = new FuzzBudget(1 << 20, 0, null);
        private static volatile byte[] sink;

        public static void fuzzerTestOneInput(byte[] data) {
            BUDGET.start();
            sink = new byte[(data.length == 0 ? 0 : data[0]) << 20];
            BUDGET.check(data, "mebibytes", () -> fuzzerTestOneInput(data));
        }
    }

    @Test
    void anInputThatAllocatesOverTheBudgetOnEveryRunIsAFindingAndOneWithinIsNot(@TempDir Path dir) throws Exception {
        Path cheap = Files.write(dir.resolve("budget-cheap"), new byte[] {0});
        Path costly = Files.write(dir.resolve("budget-costly"), new byte[] {4});
        List<String> findings = FuzzBudgetJudge.judge(MebibytesTarget.class, List.of(cheap, costly));
        assertEquals(1, findings.size(), findings.toString());
        assertTrue(findings.get(0).contains("budget-costly") && findings.get(0).contains("on its second run too"),
                findings.get(0));
    }
}
