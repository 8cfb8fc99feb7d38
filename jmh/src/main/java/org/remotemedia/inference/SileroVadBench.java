package org.remotemedia.inference;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.SpeechModel;
import org.remotemedia.dsp.nodes.SileroVad;

/**
 * SileroVAD's cost per 32 ms window on one thread (the VAD work: at most 1 ms of CPU): {@code window}
 * runs the model alone (one SpeechModel.probability call: 576 floats and the state in, ONNX Runtime
 * on the calling thread); {@code node} pushes one window of audio (512 frames at 16 kHz, or 1536 at
 * 48 kHz through the resampler) through a SileroVAD node with gate. Average time per op = per
 * window; with {@code -prof gc}, bytes allocated per window. Needs models/silero_vad.onnx
 * (scripts/fetch-models). Run: {@code scripts/bench SileroVadBench -prof gc}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-XX:+UseZGC"})
public class SileroVadBench {
    @Param({"16000", "48000"})
    int rate;

    private SpeechModel model;
    private float[] input;
    private float[] state;
    private Node node;
    private AudioBlock[] block;
    private UnsafeBuffer out;

    @Setup
    public void setup() {
        Models models = Models.load(ServerConfig.defaults().models());
        if (!models.sileroLoaded()) {
            throw new IllegalStateException(models.sileroStatus());
        }
        model = models.sileroVad().model();
        input = new float[576];
        state = new float[model.stateFloats()];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) (0.1 * r.nextGaussian());
        }
        AudioSpec spec = new AudioSpec(rate, 1, SampleFormat.F32);
        SileroVad type = models.sileroVad();
        Problems problems = new Problems();
        Params p = type.params().validate(Map.of("gate", true), problems);
        node = type.create(p, List.of(spec), problems);
        int frames = rate / 16000 * 512;
        UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * frames).order(ByteOrder.LITTLE_ENDIAN));
        for (int i = 0; i < frames; i++) {
            // speech-like bursts and pauses would need real speech; noise keeps the model busy the same
            in.putFloat(4 * i, (float) (0.1 * r.nextGaussian()), ByteOrder.LITTLE_ENDIAN);
        }
        block = new AudioBlock[] {new AudioBlock().wrap(in, 0, frames, 1, rate, SampleFormat.F32)};
        out = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * node.maxOutputFrames(frames)));
    }

    @Benchmark
    public float window() {
        return model.probability(16000, input, state);
    }

    @Benchmark
    public int node() {
        return node.process(block, out, 0);
    }
}
