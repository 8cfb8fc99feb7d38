package org.remotemedia.dsp.resample;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * Heap bytes allocated by the converting thread per process() call in steady state (after a
 * warm-up long enough for C2), straight from {@code ThreadMXBean.getThreadAllocatedBytes}: a
 * direct check of "no allocation per block", independent of JMH's own per-iteration garbage.
 * Thread: main only.
 *
 * <p>Run: {@code java $JVM_FLAGS -cp <test classpath> org.remotemedia.dsp.resample.ResamplerAllocation}.
 */
public final class ResamplerAllocation {
    private ResamplerAllocation() {}

    public static void main(String[] args) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().threadId();
        String[] configs = {"44100:16000:high:1:F32:44100", "44100:16000:high:2:I16:441", "16000:48000:high:1:F32:160",
            "8000:16000:high:1:F32:1", "48000:16000:very_high:3:I32:480", "44100:44101:high:1:F32:441",
            "44100:48000:low:2:F32:4410"};
        System.out.println("| fi:fo:quality:channels:format:frames per call | calls measured | bytes allocated | bytes per call |");
        System.out.println("|---|---|---|---|");
        for (String c : configs) {
            String[] p = c.split(":");
            int fi = Integer.parseInt(p[0]);
            int ch = Integer.parseInt(p[3]);
            SampleFormat f = SampleFormat.valueOf(p[4]);
            int block = Integer.parseInt(p[5]);
            Resampler r = Resampler.create(fi, Integer.parseInt(p[1]), ch, ResampleQuality.parse(p[2]));
            UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(block * ch * f.bytesPerSample()));
            for (int i = 0; i < block * ch; i++) {
                f.write(in, 0, i, 0.5 * Math.sin(i * 0.01));
            }
            UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(r.maxOutputFrames(block) * ch * 4));
            int warm = (int) Math.max(2000, 20L * fi / block);
            for (int i = 0; i < warm; i++) {
                r.process(in, 0, f, block, out, 0);
            }
            int calls = (int) Math.max(1000, 5L * fi / block);
            long before = threads.getThreadAllocatedBytes(self);
            for (int i = 0; i < calls; i++) {
                r.process(in, 0, f, block, out, 0);
            }
            long bytes = threads.getThreadAllocatedBytes(self) - before;
            System.out.printf("| %s | %d | %d | %.3f |%n", c, calls, bytes, (double) bytes / calls);
        }
    }
}
