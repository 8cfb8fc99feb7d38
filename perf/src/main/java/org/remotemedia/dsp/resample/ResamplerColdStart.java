package org.remotemedia.dsp.resample;

import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * Cold-start cost in a fresh JVM: create() and the first process() calls of 1 s of 44.1 kHz
 * mono F32 -> 16 kHz at HIGH, optionally after {@link Resampler#warmUp()} (argument "warm").
 * Wall-clock milliseconds. Thread: main only.
 *
 * <p>Run: {@code java $JVM_FLAGS -cp <test classpath> org.remotemedia.dsp.resample.ResamplerColdStart [warm]}.
 */
public final class ResamplerColdStart {
    private ResamplerColdStart() {}

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("warm")) {
            long t0 = System.nanoTime();
            Resampler.warmUp();
            System.out.printf("warmUp(): %.1f ms%n", (System.nanoTime() - t0) / 1e6);
        }
        UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(44100 * 4));
        for (int n = 0; n < 44100; n++) {
            SampleFormat.F32.write(in, 0, n, 0.5 * Math.sin(2 * Math.PI * 1000.0 * n / 44100));
        }
        UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(20000 * 4));
        long t0 = System.nanoTime();
        Resampler r = Resampler.create(44100, 16000, 1, ResampleQuality.HIGH);
        System.out.printf("create(): %.1f ms%n", (System.nanoTime() - t0) / 1e6);
        StringBuilder calls = new StringBuilder("process() of 1 s, calls 1..8 (ms):");
        for (int i = 0; i < 8; i++) {
            t0 = System.nanoTime();
            r.process(in, 0, SampleFormat.F32, 44100, out, 0);
            calls.append(' ').append(Math.round((System.nanoTime() - t0) / 1e5) / 10.0);
        }
        System.out.println(calls);
    }
}
