package org.remotemedia.dsp;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs {@link NodeBench} (with the gc profiler) and prints each node's throughput in
 * M input samples/s per core (median and min..max of the measurement iterations) and its
 * heap allocation per process() call. Arguments: {@code -p node=A,B -p blockFrames=N}
 * (default: every node of NodeBench's list), {@code -f forks}, {@code -i iterations}.
 */
public final class NodeBenchReport {
    private NodeBenchReport() {
    }

    public static void main(String[] args) throws RunnerException {
        ChainedOptionsBuilder o = new OptionsBuilder().include(NodeBench.class.getName() + ".process")
                .addProfiler("gc");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-p" -> {
                    String[] kv = args[++i].split("=", 2);
                    o.param(kv[0], kv[1].split(","));
                }
                case "-f" -> o.forks(Integer.parseInt(args[++i]));
                case "-i" -> o.measurementIterations(Integer.parseInt(args[++i]));
                case "-wi" -> o.warmupIterations(Integer.parseInt(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Collection<RunResult> results = new Runner(o.build()).run();
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-34s %8s %14s %14s %16s", "node#example", "block",
                "M samples/s", "min..max", "alloc B/call"));
        for (RunResult r : results) {
            String node = r.getParams().getParam("node");
            int block = Integer.parseInt(r.getParams().getParam("blockFrames"));
            long samplesPerCall = samplesPerCall(node, block);
            Statistics s = r.getPrimaryResult().getStatistics();
            double scale = samplesPerCall / 1e6;
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            lines.add(String.format(Locale.ROOT, "%-34s %8d %14.1f %6.1f..%-7.1f %16.3f", node, block,
                    s.getPercentile(50) * scale, s.getMin() * scale, s.getMax() * scale,
                    alloc == null ? Double.NaN : alloc.getScore()));
        }
        System.out.println();
        lines.forEach(System.out::println);
    }

    static long samplesPerCall(String node, int blockFrames) {
        String[] parts = node.split("#");
        NodeType type = NodeRegistry.builtin().find(parts[0]);
        NodeExample ex = type.examples().get(parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        long n = 0;
        for (AudioSpec s : ex.inputs()) {
            n += (long) blockFrames * s.channels();
        }
        return n;
    }
}
