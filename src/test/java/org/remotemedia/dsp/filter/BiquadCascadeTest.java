package org.remotemedia.dsp.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;

/** The vector (block state-space) form against the scalar recursion, and its chunk independence. */
class BiquadCascadeTest {

    private static UnsafeBuffer noise(int n, long seed) {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * n).order(ByteOrder.LITTLE_ENDIAN));
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b.putFloat(4 * i, (float) (r.nextDouble() - 0.5), ByteOrder.LITTLE_ENDIAN);
        }
        return b;
    }

    private static float[] run(BiquadCascade c, UnsafeBuffer in, int frames, int[] chunks) {
        int ch = c.channels();
        UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * frames * ch));
        int done = 0;
        int w = 0;
        int k = 0;
        while (done < frames) {
            int n = Math.min(frames - done, chunks[k++ % chunks.length]);
            w += c.process(in, 4 * done * ch, SampleFormat.F32, n, out, 4 * w * ch);
            done += n;
        }
        assertEquals(frames, w);
        float[] f = new float[frames * ch];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.getFloat(4 * i, ByteOrder.LITTLE_ENDIAN);
        }
        return f;
    }

    @Test
    void vectorFormEqualsTheRecursionForEveryVectorChannelCount() {
        double[][] sections = {
            BiquadDesign.rbj(BiquadDesign.Shape.PEAKING, 48000, 3000, 1.5, 7),
            BiquadDesign.rbj(BiquadDesign.Shape.LOWPASS, 48000, 40, 0.9, 0),
            BiquadDesign.firstOrder(true, 48000, 20),
        };
        for (int ch : new int[] {1, 2, 3, 4, 5, 6, 7, 8}) {
            int frames = 20000;
            UnsafeBuffer in = noise(frames * ch, ch);
            BiquadCascade vec = new BiquadCascade(sections, ch);
            assertTrue(vec.isVector() || ch > doubleLanes(), "channels " + ch);
            float[] a = run(vec, in, frames, new int[] {frames});
            float[] b = run(new BiquadCascade(sections, ch, false), in, frames, new int[] {frames});
            double worst = 0;
            for (int i = 0; i < a.length; i++) {
                worst = Math.max(worst, Math.abs(a[i] - b[i]));
            }
            assertTrue(worst < 2e-7, ch + " channels: vector vs scalar differ by " + worst);
        }
    }

    private static int doubleLanes() {
        return org.remotemedia.dsp.SampleArrays.D.length();
    }

    @Test
    void anyChunkingIsBitExact() {
        double[][] sections = BiquadDesign.butterworth(false, 5, 44100, 700);
        for (int ch : new int[] {1, 2, 3, 6, 12}) {
            int frames = 5000;
            UnsafeBuffer in = noise(frames * ch, 7 + ch);
            float[] ref = run(new BiquadCascade(sections, ch), in, frames, new int[] {frames});
            for (int[] chunks : new int[][] {{1}, {3, 1, 7, 300, 2}, {255, 257}, {BiquadCascade.SUB + 5}}) {
                float[] got = run(new BiquadCascade(sections, ch), in, frames, chunks);
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(Float.floatToIntBits(ref[i] + 0f), Float.floatToIntBits(got[i] + 0f),
                            ch + " ch, chunks " + java.util.Arrays.toString(chunks) + ", sample " + i);
                }
            }
        }
    }
}
