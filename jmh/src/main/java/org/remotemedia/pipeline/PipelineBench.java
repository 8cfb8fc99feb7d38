package org.remotemedia.pipeline;

import java.nio.ByteBuffer;
import java.util.Map;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.remotemedia.buffer.SampleFormat;

/**
 * The engine end to end on one core: {@code oneShot} executes a pipeline on 1 s of 48 kHz
 * stereo f32 (96,000 samples; samples/s = ops/s x 96,000); {@code push} sends one 10 ms chunk
 * (960 samples) into a streaming session and releases its outputs (with -prof gc: heap bytes
 * per push). Pipelines: "gain-i16" = Gain -> AudioFormatConverter(i16, tpdf);
 * "resample-gain-i16" = AudioResample(16 kHz) -> Gain -> AudioFormatConverter(i16);
 * "resample-vad-i16" = AudioResample(16 kHz) -> VAD(gate) -> AudioFormatConverter(i16);
 * "split-gain-merge" = ChannelSplit -> one Gain per channel (ports "in.0", "in.1") -> ChannelMerge.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class PipelineBench {
    static final int RATE = 48000;

    @Param({"gain-i16", "resample-gain-i16", "resample-vad-i16", "split-gain-merge"})
    public String pipeline;

    private PipelineEngine engine;
    private CompiledPlan plan;
    private AudioInput second;
    private AudioInput chunk;
    private StreamingSession session;

    static String manifest(String name) {
        String nodes = switch (name) {
            case "gain-i16" -> "{\"id\":\"in\",\"node_type\":\"Gain\",\"params\":{\"gain_db\":-3}},"
                    + "{\"id\":\"out\",\"node_type\":\"AudioFormatConverter\",\"params\":{\"target_format\":\"i16\",\"dither\":\"tpdf\"}}";
            case "resample-gain-i16" -> "{\"id\":\"in\",\"node_type\":\"AudioResample\",\"params\":{\"target_sample_rate\":16000}},"
                    + "{\"id\":\"g\",\"node_type\":\"Gain\",\"params\":{\"gain_db\":-3}},"
                    + "{\"id\":\"out\",\"node_type\":\"AudioFormatConverter\",\"params\":{\"target_format\":\"i16\"}}";
            case "resample-vad-i16" -> "{\"id\":\"in\",\"node_type\":\"AudioResample\",\"params\":{\"target_sample_rate\":16000}},"
                    + "{\"id\":\"g\",\"node_type\":\"VAD\",\"params\":{\"gate\":true}},"
                    + "{\"id\":\"out\",\"node_type\":\"AudioFormatConverter\",\"params\":{\"target_format\":\"i16\"}}";
            case "split-gain-merge" -> "{\"id\":\"in\",\"node_type\":\"ChannelSplit\"},"
                    + "{\"id\":\"l\",\"node_type\":\"Gain\",\"params\":{\"gain_db\":-3}},"
                    + "{\"id\":\"r\",\"node_type\":\"Gain\",\"params\":{\"gain_db\":2}},"
                    + "{\"id\":\"out\",\"node_type\":\"ChannelMerge\"}";
            default -> throw new IllegalArgumentException(name);
        };
        String conns = switch (name) {
            case "gain-i16" -> "{\"from\":\"in\",\"to\":\"out\"}";
            case "split-gain-merge" -> "{\"from\":\"in.0\",\"to\":\"l\"},{\"from\":\"in.1\",\"to\":\"r\"},"
                    + "{\"from\":\"l\",\"to\":\"out\"},{\"from\":\"r\",\"to\":\"out\"}";
            default -> "{\"from\":\"in\",\"to\":\"g\"},{\"from\":\"g\",\"to\":\"out\"}";
        };
        return "{\"version\":\"v1\",\"metadata\":{\"name\":\"" + name + "\"},\"nodes\":[" + nodes + "],\"connections\":["
                + conns + "]}";
    }

    static AudioInput signal(int frames) {
        ByteBuffer bb = BufferUtil.allocateDirectAligned(frames * 8, 64);
        UnsafeBuffer b = new UnsafeBuffer(bb);
        for (int i = 0; i < frames * 2; i++) {
            double t = (i / 2) / (double) RATE;
            boolean burst = ((long) (t * 1000) / 300) % 2 == 0;
            b.putFloat(4 * i, (float) ((burst ? 0.3 : 0.001) * Math.sin(2 * Math.PI * 440 * t)), SampleFormat.ORDER);
        }
        return AudioInput.of(b, 0, frames * 8, frames * 2L, 2, RATE, SampleFormat.F32);
    }

    @Setup(Level.Trial)
    public void setup() throws PipelineException {
        engine = PipelineEngine.standard();
        plan = engine.compileJson(manifest(pipeline));
        second = signal(RATE);
        chunk = signal(RATE / 100);
    }

    @Setup(Level.Iteration)
    public void open() throws PipelineException {
        session = engine.openSession(plan, null, null);
    }

    @TearDown(Level.Iteration)
    public void close() {
        session.close();
    }

    @Benchmark
    public int oneShot() throws PipelineException {
        try (ExecutionResult r = engine.execute(plan, Map.of("in", second), null, null, null)) {
            return r.audioOutputs().get("out").frames();
        }
    }

    @Benchmark
    public int push() throws PipelineException {
        ChunkResult r = session.push("in", chunk, null);
        int n = r.audio().isEmpty() ? 0 : r.audio().get(0).frames();
        r.release();
        return n;
    }
}
