package org.remotemedia.dsp.resample;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.remotemedia.buffer.SampleFormat;

/**
 * Throughput of the resampler in input samples (frames x channels) per second (the secondary
 * "samples" score; the primary score is real-time factor, seconds of audio per second): one invocation
 * converts one second of a continuing stream (a 1 kHz + 3 kHz signal), block by block, into an
 * off-heap output buffer. Off-heap input and output, as in the engine.
 *
 * <p>Run: {@code scripts/bench ResamplerBenchmark} (see perf/RESULTS.md for the exact commands).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1)
public class ResamplerBenchmark {
    /** "fi:fo". */
    @Param({"44100:16000"})
    public String rates;

    @Param({"HIGH"})
    public ResampleQuality quality;

    @Param({"1"})
    public int channels;

    /** Frames per process() call; 0 = the whole second in one call. */
    @Param({"0"})
    public int block;

    /** vector (production) | scalar (double-accumulating reference loop). */
    @Param({"vector"})
    public String kernel;

    @Param({"F32"})
    public SampleFormat format;

    private Resampler resampler;
    private UnsafeBuffer in;
    private UnsafeBuffer out;
    private int frames;

    @Setup
    public void setup() {
        String[] p = rates.split(":");
        int fi = Integer.parseInt(p[0]);
        int fo = Integer.parseInt(p[1]);
        resampler = Resampler.create(fi, fo, channels, quality);
        resampler.vectorKernels = switch (kernel) {
            case "vector" -> true;
            case "scalar" -> false;
            default -> throw new IllegalArgumentException("kernel " + kernel);
        };
        frames = fi;
        in = new UnsafeBuffer(ByteBuffer.allocateDirect(frames * channels * format.bytesPerSample()));
        for (int n = 0; n < frames; n++) {
            double v = 0.4 * Math.sin(2 * Math.PI * 1000.0 * n / fi) + 0.3 * Math.sin(2 * Math.PI * 3000.0 * n / fi);
            for (int c = 0; c < channels; c++) {
                format.write(in, 0, n * channels + c, v);
            }
        }
        out = new UnsafeBuffer(ByteBuffer.allocateDirect((resampler.maxOutputFrames(frames) + 16) * 4 * channels));
    }

    /** Input samples (frames x channels) consumed: JMH reports their rate as "samples" ops/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counted {
        public long samples;
    }

    /** One second of input per invocation; the primary score is seconds of audio per second. */
    @Benchmark
    public int convert(Counted counted) {
        counted.samples += (long) frames * channels;
        int n = block <= 0 ? frames : block;
        int inFrameBytes = format.bytesPerSample() * channels;
        int written = 0;
        for (int done = 0; done < frames; done += n) {
            int take = Math.min(n, frames - done);
            written += resampler.process(in, done * inFrameBytes, format, take, out, 0);
        }
        return written;
    }
}
