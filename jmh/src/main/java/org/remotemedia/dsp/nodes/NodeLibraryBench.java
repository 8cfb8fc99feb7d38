package org.remotemedia.dsp.nodes;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

/**
 * The node library on one core, two ways. {@code stream}: steady state, one block of
 * {@code blockFrames} per call through every output port (ChannelSplit writes all its
 * channels). {@code oneShot}: a whole {@code streamFrames} signal in blocks, flush, reset (the
 * way to measure a whole-stream node such as Normalize, which writes only at the end). Run
 * {@link #main} for a table of M input samples/s (median, min..max) and bytes allocated per
 * call; the commands and figures are in perf/RESULTS.md.
 *
 * <p>{@code node} is "Type#exampleIndex" (the type's NodeExample).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class NodeLibraryBench {
    @Param({"Biquad#0"})
    public String node;

    @Param({"4096"})
    public int blockFrames;

    @Param({"48000"})
    public int streamFrames;

    private Node instance;
    private UnsafeBuffer[] signals;
    private AudioSpec[] specs;
    private AudioBlock[] blocks;
    private MutableDirectBuffer[] outs;
    private int[] offsets;

    static NodeExample example(String node) {
        String[] parts = node.split("#");
        NodeType type = NodeRegistry.builtin().find(parts[0]);
        if (type == null) {
            throw new IllegalArgumentException("no node type " + parts[0]);
        }
        return type.examples().get(parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
    }

    @Setup
    public void setup() {
        NodeType type = NodeRegistry.builtin().find(node.split("#")[0]);
        NodeExample ex = example(node);
        Problems problems = new Problems();
        Params p = type.params().validate(ex.params(), problems);
        instance = type.create(p, ex.inputs(), problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(problems.list().toString());
        }
        int frames = Math.max(blockFrames, streamFrames);
        int k = ex.inputs().size();
        signals = new UnsafeBuffer[k];
        specs = ex.inputs().toArray(new AudioSpec[0]);
        blocks = new AudioBlock[k];
        for (int i = 0; i < k; i++) {
            AudioSpec s = specs[i];
            signals[i] = new UnsafeBuffer(BufferUtil.allocateDirectAligned(frames * s.frameBytes(), 64));
            java.util.SplittableRandom r = new java.util.SplittableRandom(i);
            for (int j = 0; j < frames * s.channels(); j++) {
                s.format().write(signals[i], 0, j, 0.5 * Math.sin(j * 0.01) + 0.01 * (r.nextDouble() - 0.5));
            }
            blocks[i] = new AudioBlock().wrap(signals[i], 0, blockFrames, s.channels(), s.sampleRate(), s.format());
        }
        int ports = instance.outputPorts();
        outs = new MutableDirectBuffer[ports];
        offsets = new int[ports];
        for (int port = 0; port < ports; port++) {
            AudioSpec os = instance.outputSpec(port);
            int cap = (instance.maxOutputFrames(blockFrames) + streamFrames + blockFrames) * (os == null ? 4 : os.frameBytes());
            outs[port] = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(64, cap), 64));
        }
    }

    /** One block through every port. */
    @Benchmark
    public int stream() {
        return instance.process(blocks, outs, offsets);
    }

    /** A whole signal: blocks, flush, reset. */
    @Benchmark
    public int oneShot() {
        int written = 0;
        for (int done = 0; done < streamFrames; done += blockFrames) {
            int n = Math.min(blockFrames, streamFrames - done);
            for (int i = 0; i < blocks.length; i++) {
                blocks[i].wrap(signals[i], done * specs[i].frameBytes(), n, specs[i].channels(), specs[i].sampleRate(),
                        specs[i].format());
            }
            written += instance.process(blocks, outs, offsets);
        }
        written += instance.flush(outs, offsets);
        instance.reset();
        for (int i = 0; i < blocks.length; i++) {
            blocks[i].wrap(signals[i], 0, blockFrames, specs[i].channels(), specs[i].sampleRate(), specs[i].format());
        }
        return written;
    }

    /**
     * Runs the benchmarks with the gc profiler and prints M input samples/s per core and bytes
     * allocated per call. Arguments: {@code -b stream|oneShot} (default both), {@code -p name=a,b},
     * {@code -f forks}, {@code -i iterations}, {@code -wi warmups}.
     */
    public static void main(String[] args) throws RunnerException {
        String which = "(stream|oneShot)";
        ChainedOptionsBuilder o = new OptionsBuilder().addProfiler("gc");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-b" -> which = args[++i];
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
        o.include(NodeLibraryBench.class.getName() + "." + which + "$");
        Collection<RunResult> results = new Runner(o.build()).run();
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "%-34s %-8s %8s %12s %16s %14s", "node#example", "mode", "block",
                "M samples/s", "min..max", "alloc B/call"));
        for (RunResult r : results) {
            String node = r.getParams().getParam("node");
            String mode = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            int block = Integer.parseInt(r.getParams().getParam("blockFrames"));
            int stream = Integer.parseInt(r.getParams().getParam("streamFrames"));
            long ch = 0;
            for (AudioSpec s : example(node).inputs()) {
                ch += s.channels();
            }
            double scale = ch * (mode.equals("stream") ? block : stream) / 1e6;
            Statistics s = r.getPrimaryResult().getStatistics();
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            lines.add(String.format(Locale.ROOT, "%-34s %-8s %8d %12.1f %7.1f..%-8.1f %14.3f", node, mode, block,
                    s.getPercentile(50) * scale, s.getMin() * scale, s.getMax() * scale,
                    alloc == null ? Double.NaN : alloc.getScore()));
        }
        System.out.println();
        lines.forEach(System.out::println);
    }
}
