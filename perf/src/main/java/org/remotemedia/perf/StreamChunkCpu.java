package org.remotemedia.perf;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import org.remotemedia.service.stream.StreamChunkBench;

/**
 * CPU time per chunk of {@link StreamChunkBench}'s two paths -- the StreamPipeline service layer
 * ({@code service}: parse, queue, push, build and serialize the result) and the engine push alone
 * ({@code engine}) -- in interleaved rounds on one thread, measured with the thread's own CPU
 * clock, so the other processes on this shared machine do not count (cache and SMT contention
 * still do). Also heap bytes allocated per chunk (the thread's allocation counter).
 *
 * <pre>
 * source scripts/lib/common.sh; ensure_built
 * $JAVA $JVM_FLAGS -cp "$(test_classpath)" org.remotemedia.perf.StreamChunkCpu 15 4000
 * </pre>
 */
public final class StreamChunkCpu {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 4000;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        StreamChunkBench b = new StreamChunkBench();
        b.setUp();
        for (int i = 0; i < 20_000; i++) { // JIT warm-up of both paths
            b.service();
            b.engine();
        }
        double[] svc = new double[rounds];
        double[] eng = new double[rounds];
        double[] svcAlloc = new double[rounds];
        double[] engAlloc = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long c0 = threads.getCurrentThreadCpuTime();
            long a0 = threads.getThreadAllocatedBytes(self);
            for (int i = 0; i < ops; i++) {
                b.service();
            }
            long c1 = threads.getCurrentThreadCpuTime();
            long a1 = threads.getThreadAllocatedBytes(self);
            for (int i = 0; i < ops; i++) {
                b.engine();
            }
            long c2 = threads.getCurrentThreadCpuTime();
            long a2 = threads.getThreadAllocatedBytes(self);
            svc[r] = (c1 - c0) / 1e3 / ops;
            eng[r] = (c2 - c1) / 1e3 / ops;
            svcAlloc[r] = (double) (a1 - a0) / ops;
            engAlloc[r] = (double) (a2 - a1) / ops;
        }
        b.tearDown();
        double[] over = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            over[r] = svc[r] - eng[r];
        }
        System.out.printf(Locale.ROOT, "# %d rounds x %d chunks each path (100 ms of 44.1 kHz f32, Resample -> VAD); load %s%n",
                rounds, ops, ProcStats.loadAverage());
        System.out.println("| path | CPU us/chunk median | min | max | heap B/chunk median |");
        System.out.println("|---|---|---|---|---|");
        row("service (StreamCall, no network)", svc, svcAlloc);
        row("engine push alone", eng, engAlloc);
        row("service - engine (per round)", over, new double[] {0});
    }

    private static void row(String name, double[] xs, double[] alloc) {
        double[] s = xs.clone();
        Arrays.sort(s);
        double[] a = alloc.clone();
        Arrays.sort(a);
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.0f |%n", name, s[s.length / 2], s[0], s[s.length - 1],
                a[a.length / 2]);
    }
}
