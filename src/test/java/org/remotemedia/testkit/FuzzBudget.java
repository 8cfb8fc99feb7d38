package org.remotemedia.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The "bounded allocation" and "no leak" checks every fuzz target makes: the heap bytes one
 * input may allocate on the fuzzing thread (a linear budget in the input's length, so a length
 * field that makes the code allocate what the input does not hold is a finding), and a periodic
 * netty leak sweep (PARANOID detector, {@link LeakRecorder}) where netty buffers are involved.
 *
 * <p>Under Jazzer the budget is not judged in the fuzzing JVM: Jazzer's hooks run on the fuzzing
 * thread and allocate there (a CESU-8 copy of both strings for every hooked String comparison or
 * search in instrumented code), so an input charged over the budget is kept as a suspect
 * ({@link #SUSPECTS_PROPERTY}) and scripts/fuzz judges it afterwards in a plain JVM
 * ({@link FuzzBudgetJudge}), where only our code allocates.
 *
 * <p>Threads: the fuzzing thread only.
 */
public final class FuzzBudget {
    /** Set by scripts/fuzz: the directory where inputs over budget wait for {@link FuzzBudgetJudge}. */
    public static final String SUSPECTS_PROPERTY = "remotemedia.fuzz.budget-suspects";

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final java.lang.management.ClassLoadingMXBean CLASSES = ManagementFactory.getClassLoadingMXBean();
    /** Inputs between two leak sweeps: a sweep forces GCs (~0.2 s), so it must stay rare. */
    private static final int LEAK_SWEEP_EVERY = 1 << 16;

    private final long fixedBytes;
    private final long bytesPerInputByte;
    private final Path suspects;
    private long startBytes;
    private long startClasses;
    private int sinceSweep;
    private boolean rechecking;

    /** Each input may allocate {@code fixedBytes + bytesPerInputByte * inputLength} on the heap. */
    public FuzzBudget(long fixedBytes, long bytesPerInputByte) {
        this(fixedBytes, bytesPerInputByte, suspectsFromProperty());
    }

    /** With {@code suspects} null, an input over budget on its second run fails at once. */
    FuzzBudget(long fixedBytes, long bytesPerInputByte, Path suspects) {
        this.fixedBytes = fixedBytes;
        this.bytesPerInputByte = bytesPerInputByte;
        this.suspects = suspects;
    }

    private static Path suspectsFromProperty() {
        String dir = System.getProperty(SUSPECTS_PROPERTY);
        return dir == null || dir.isEmpty() ? null : Path.of(dir);
    }

    public void start() {
        startClasses = CLASSES.getTotalLoadedClassCount();
        startBytes = THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * Fails if this thread allocated more than the budget since {@link #start()} on this input
     * and again when {@code again} runs it a second time. An input that loaded classes is not
     * judged: loading (and Jazzer instrumenting) a class allocates once, on whichever thread
     * first needs it. The second run is there for the other one-time costs (a cache or pool
     * growing, a path's first use): the manifest target once charged 14.6 MB to a 2,579-byte
     * input that allocates 123 KB on every later run. A size that the input does not bound
     * allocates on every run, so the second run still catches it.
     *
     * @param input the input (kept as a suspect when the budget is judged later)
     * @param again runs the same input once more through the target (which calls this again)
     */
    public void check(byte[] input, String target, Runnable again) {
        int inputLength = input.length;
        long used = THREADS.getCurrentThreadAllocatedBytes() - startBytes;
        if (CLASSES.getTotalLoadedClassCount() != startClasses) {
            return;
        }
        long budget = fixedBytes + bytesPerInputByte * inputLength;
        if (used <= budget) {
            return;
        }
        if (rechecking && suspects != null) {
            keepSuspect(input, target, used, budget);
            return;
        }
        if (rechecking) {
            throw new AssertionError(target + ": one input of " + inputLength + " bytes allocated " + used
                    + " heap bytes on its second run too, over the budget of " + budget + " (" + fixedBytes + " + "
                    + bytesPerInputByte + " per input byte): an allocation that the input's size does not bound");
        }
        rechecking = true;
        try {
            again.run();
        } finally {
            rechecking = false;
        }
    }

    private void keepSuspect(byte[] input, String target, long used, long budget) {
        try {
            Files.createDirectories(suspects);
            Path file = suspects.resolve("budget-" + HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-1").digest(input)));
            Files.write(file, input);
            System.err.println(target + ": an input of " + input.length + " bytes was charged " + used
                    + " heap bytes twice under the fuzzer, over the budget of " + budget + "; kept as " + file
                    + " for the judge without the fuzzer's hooks");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every {@value #LEAK_SWEEP_EVERY} inputs: a GC and a look at netty's leak reports. */
    public void maybeSweepLeaks(String target) {
        if (++sinceSweep >= LEAK_SWEEP_EVERY) {
            sinceSweep = 0;
            sweepLeaks(target);
        }
    }

    /** Fails on any netty leak report (the detector must be {@link LeakRecorder}, as scripts/fuzz sets). */
    public static void sweepLeaks(String target) {
        if (!LeakRecorder.isInstalled()) {
            return; // replay outside scripts/fuzz and surefire: the targets' own refcount checks still run
        }
        List<String> reports = LeakCheck.collect();
        if (!reports.isEmpty()) {
            throw new AssertionError(target + ": " + reports.size() + " netty buffer leak(s):\n"
                    + String.join("\n---\n", reports));
        }
    }
}
