package org.remotemedia.testkit;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges the inputs a fuzzing run kept as over budget ({@link FuzzBudget#SUSPECTS_PROPERTY}) in
 * this JVM, which has no fuzzer and no hooks: the target is warmed up on its seeds
 * ({@code fuzzerInitialize}), then each input runs twice, and the second run is held to the
 * budget with the budget's own recheck. scripts/fuzz runs it after Jazzer:
 * <pre>FuzzBudgetJudge TARGET_CLASS FILE...</pre>
 * Exit 0 when every input is within budget (or over only once), 1 with the findings otherwise.
 */
public final class FuzzBudgetJudge {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private FuzzBudgetJudge() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: FuzzBudgetJudge TARGET_CLASS FILE...");
            System.exit(2);
        }
        List<Path> inputs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            inputs.add(Path.of(args[i]));
        }
        List<String> findings = judge(Class.forName(args[0]), inputs);
        findings.forEach(System.err::println);
        System.exit(findings.isEmpty() ? 0 : 1);
    }

    /** One line per input that fails (over budget on every run, or any other failure); empty when all pass. */
    static List<String> judge(Class<?> target, List<Path> inputs) throws Exception {
        if (System.getProperty(FuzzBudget.SUSPECTS_PROPERTY) != null) {
            throw new IllegalStateException("the judge must hold inputs to the budget: unset " + FuzzBudget.SUSPECTS_PROPERTY);
        }
        try {
            target.getMethod("fuzzerInitialize").invoke(null);
        } catch (NoSuchMethodException none) {
            // a target without a warm-up
        }
        Method run = target.getMethod("fuzzerTestOneInput", byte[].class);
        List<String> findings = new ArrayList<>();
        for (Path p : inputs) {
            byte[] input = Files.readAllBytes(p);
            try {
                run.invoke(null, (Object) input); // loads what this input's paths need
                long before = THREADS.getCurrentThreadAllocatedBytes();
                run.invoke(null, (Object) input);
                long used = THREADS.getCurrentThreadAllocatedBytes() - before;
                System.out.println("budget judge: " + p.getFileName() + " (" + input.length + " bytes) within budget, "
                        + used + " heap bytes on its judged run");
            } catch (InvocationTargetException e) {
                findings.add("budget judge: " + p + ": " + e.getCause());
            }
        }
        return findings;
    }
}
