package org.remotemedia.dsp;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.remotemedia.buffer.AudioBlock;

/**
 * Steady-state throughput of any registered node on one core: {@code process()} of one block
 * of an example's inputs, again and again (a stream). The score is input samples (frames x
 * channels, summed over inputs) per second: ops are samples ({@code samplesPerCall} is
 * divided out below). Run through scripts/bench (see perf/RESULTS.md), with -prof gc for the
 * allocation per call. The long warm-up lets C2 compile the Vector API kernels (before it
 * does, they run boxed and hundreds of times slower).
 *
 * <p>{@code node} is "Type" or "Type#exampleIndex".
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class NodeBench {
    @Param({"PassThrough#0", "Gain#1", "AudioFormatConverter#0", "AudioFormatConverter#1", "Mixer#0"})
    public String node;

    @Param({"4096"})
    public int blockFrames;

    private Node instance;
    private AudioBlock[] blocks;
    private UnsafeBuffer out;
    private long samplesPerCall;

    @Setup(Level.Trial)
    public void setup() {
        String[] parts = node.split("#");
        NodeType type = NodeRegistry.builtin().find(parts[0]);
        NodeExample ex = type.examples().get(parts.length > 1 ? Integer.parseInt(parts[1]) : 0);
        Problems problems = new Problems();
        Params p = type.params().validate(ex.params(), problems);
        instance = type.create(p, ex.inputs(), problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(problems.list().toString());
        }
        List<AudioBlock> bl = new ArrayList<>();
        samplesPerCall = 0;
        for (int i = 0; i < ex.inputs().size(); i++) {
            AudioSpec s = ex.inputs().get(i);
            ByteBuffer bb = BufferUtil.allocateDirectAligned(blockFrames * s.frameBytes(), 64);
            UnsafeBuffer b = new UnsafeBuffer(bb);
            java.util.SplittableRandom r = new java.util.SplittableRandom(i);
            for (int k = 0; k < blockFrames * s.channels(); k++) {
                s.format().write(b, 0, k, 0.5 * Math.sin(k * 0.01) + 0.01 * (r.nextDouble() - 0.5));
            }
            bl.add(new AudioBlock().wrap(b, 0, blockFrames, s.channels(), s.sampleRate(), s.format()));
            samplesPerCall += (long) blockFrames * s.channels();
        }
        blocks = bl.toArray(new AudioBlock[0]);
        AudioSpec os = instance.outputSpec();
        int outBytes = os == null ? 64 : instance.maxOutputFrames(blockFrames) * os.frameBytes();
        out = new UnsafeBuffer(BufferUtil.allocateDirectAligned(Math.max(64, outBytes), 64));
    }

    /** One block; the result is frames written (consumed so the JIT keeps the work). */
    @Benchmark
    public int process() {
        return instance.process(blocks, out, 0);
    }

    /** Input samples one {@link #process} call handles; samples/s = ops/s x this. */
    public long samplesPerCall() {
        return samplesPerCall;
    }
}
