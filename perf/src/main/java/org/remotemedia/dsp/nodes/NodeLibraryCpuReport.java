package org.remotemedia.dsp.nodes;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Node throughput per core measured in thread CPU time, for a shared, loaded machine: JMH's
 * wall-clock figures fall with every other process time-sliced onto the same two cores, while
 * samples per CPU-second of the measuring thread track the node's own cost. Every node runs
 * the steady state of NodeLibraryBench.stream, set up by that class itself (one 4096-frame block per call, every output
 * port); rounds are interleaved across the nodes (A, B, C, A, B, C, ...) so drift hits all
 * alike. Prints per node the median and min..max over rounds of M input samples per CPU-second
 * and per wall-second, and heap bytes allocated per call. A name ending in {@code @oneShot}
 * measures NodeLibraryBench.oneShot instead: a whole 1 s signal (48000 frames) in blocks,
 * flush, reset -- the way to time a whole-stream node (Normalize), which writes only at the end.
 *
 * <p>Usage: {@code NodeLibraryCpuReport rounds msPerRound Type#k[@oneShot] ...}
 */
public final class NodeLibraryCpuReport {
    private static final int BLOCK = 4096;
    private static final int STREAM = 48000;

    private NodeLibraryCpuReport() {
    }

    /** One node example, run through NodeLibraryBench's own setup and operations. */
    private static final class Subject {
        final String name;
        final boolean oneShot;
        final NodeLibraryBench bench = new NodeLibraryBench();
        final long samplesPerCall;
        final double[] cpuRate;
        final double[] wallRate;
        long calls;
        long allocated;

        Subject(String name, int rounds) {
            this.name = name;
            this.oneShot = name.endsWith("@oneShot");
            bench.node = name.replace("@oneShot", "");
            bench.blockFrames = BLOCK;
            bench.streamFrames = STREAM;
            bench.setup();
            int frames = oneShot ? STREAM : BLOCK;
            samplesPerCall = NodeLibraryBench.example(bench.node).inputs().stream()
                    .mapToLong(spec -> (long) frames * spec.channels()).sum();
            cpuRate = new double[rounds];
            wallRate = new double[rounds];
        }

        int call() {
            return oneShot ? bench.oneShot() : bench.stream();
        }
    }

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        int ms = Integer.parseInt(args[1]);
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Subject> subjects = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            subjects.add(new Subject(args[i], rounds));
        }
        long sink = 0;
        // warm-up: enough calls for C2 to compile every kernel (the machine may be slow to)
        for (Subject s : subjects) {
            long end = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < end) {
                for (int k = 0; k < 50; k++) {
                    sink += s.call();
                }
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (Subject s : subjects) {
                long calls = 0;
                long a0 = mx.getCurrentThreadAllocatedBytes();
                long c0 = mx.getCurrentThreadCpuTime();
                long w0 = System.nanoTime();
                long end = w0 + ms * 1_000_000L;
                do {
                    for (int k = 0; k < 20; k++) {
                        sink += s.call();
                    }
                    calls += 20;
                } while (System.nanoTime() < end);
                long w1 = System.nanoTime();
                long c1 = mx.getCurrentThreadCpuTime();
                long a1 = mx.getCurrentThreadAllocatedBytes();
                s.cpuRate[r] = calls * (double) s.samplesPerCall / ((c1 - c0) / 1e3);
                s.wallRate[r] = calls * (double) s.samplesPerCall / ((w1 - w0) / 1e3);
                s.calls += calls;
                s.allocated += a1 - a0;
            }
        }
        System.out.println(String.format(Locale.ROOT, "%-18s %14s %18s %14s %18s %12s", "node#example",
                "M/s per CPU-s", "min..max", "M/s wall", "min..max", "B/call"));
        for (Subject s : subjects) {
            double[] c = s.cpuRate.clone();
            double[] w = s.wallRate.clone();
            Arrays.sort(c);
            Arrays.sort(w);
            System.out.println(String.format(Locale.ROOT, "%-18s %14.1f %8.1f..%-9.1f %14.1f %8.1f..%-9.1f %12.3f", s.name,
                    c[c.length / 2], c[0], c[c.length - 1], w[w.length / 2], w[0], w[w.length - 1],
                    s.allocated / (double) s.calls));
        }
        System.out.println("(checksum " + sink + ")");
    }
}
