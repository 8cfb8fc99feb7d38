package org.remotemedia.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;

/** The SIMD kernels against a plain scalar reference, at every length around the vector width and odd offsets. */
class SampleKernelsTest {
    private static UnsafeBuffer direct(int bytes) {
        return new UnsafeBuffer(ByteBuffer.allocateDirect(bytes + 16).order(ByteOrder.LITTLE_ENDIAN));
    }

    private static UnsafeBuffer random(SampleFormat f, int n, int offset, long seed, double amp) {
        UnsafeBuffer b = direct(offset + n * f.bytesPerSample());
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            f.write(b, offset, i, amp * (r.nextDouble() * 2 - 1));
        }
        return b;
    }

    @Test
    void scaleAndAccumulateMatchScalarForAllFormatsAndLengths() {
        for (SampleFormat f : SampleFormat.values()) {
            for (int n = 0; n < 70; n++) {
                UnsafeBuffer in = random(f, n, 3, n, 1.0);
                UnsafeBuffer out = direct(4 * n + 8);
                SampleKernels.scaleToF32(in, 3, f, n, 0.7f, out, 4);
                for (int i = 0; i < n; i++) {
                    float expect = (float) f.read(in, 3, i) * 0.7f;
                    assertEquals(expect, out.getFloat(4 + 4 * i, ByteOrder.LITTLE_ENDIAN), 0f, f + " n=" + n + " i=" + i);
                }
                SampleKernels.accumulateF32(in, 3, f, n, -0.25f, out, 4);
                for (int i = 0; i < n; i++) {
                    float x = (float) f.read(in, 3, i);
                    float expect = Math.fma(x, -0.25f, x * 0.7f);
                    assertEquals(expect, out.getFloat(4 + 4 * i, ByteOrder.LITTLE_ENDIAN), 0f);
                }
            }
        }
    }

    @Test
    void sumSquaresMatchesDoubleSum() {
        for (SampleFormat f : SampleFormat.values()) {
            for (int n : new int[] {0, 1, 15, 16, 17, 480, 5000}) {
                UnsafeBuffer in = random(f, n, 0, 5, 0.5);
                double ref = 0;
                for (int i = 0; i < n; i++) {
                    ref += f.read(in, 0, i) * f.read(in, 0, i);
                }
                assertEquals(ref, SampleKernels.sumSquares(in, 0, f, n), 1e-5 * Math.max(1, ref));
            }
        }
    }

    @Test
    void conversionsMatchSampleFormatWriteAndCountClips() {
        SampleFormat[] all = SampleFormat.values();
        for (SampleFormat from : all) {
            for (SampleFormat to : all) {
                for (int n : new int[] {1, 7, 16, 33, 100}) {
                    UnsafeBuffer in = random(from, n, 0, n * 31L, from == SampleFormat.F32 ? 1.3 : 1.0);
                    UnsafeBuffer out = direct(n * to.bytesPerSample());
                    int clipped = SampleKernels.convert(in, 0, from, n, out, 0, to);
                    int expectClipped = 0;
                    UnsafeBuffer ref = direct(n * to.bytesPerSample());
                    for (int i = 0; i < n; i++) {
                        double v = from.read(in, 0, i);
                        if (from == SampleFormat.I32 && to == SampleFormat.I16) {
                            int x = in.getInt(4 * i, ByteOrder.LITTLE_ENDIAN);
                            long r = Math.floorDiv((long) x + 32768, 65536);
                            if (r > 32767) {
                                expectClipped++;
                                r = 32767;
                            }
                            ref.putShort(2 * i, (short) r, ByteOrder.LITTLE_ENDIAN);
                        } else if (to == SampleFormat.F32) {
                            ref.putFloat(4 * i, (float) v, ByteOrder.LITTLE_ENDIAN);
                        } else {
                            expectClipped += to.write(ref, 0, i, from == SampleFormat.F32 ? (float) v : v) ? 1 : 0;
                        }
                    }
                    assertEquals(expectClipped, clipped, from + "->" + to + " n=" + n);
                    for (int i = 0; i < n * to.bytesPerSample(); i++) {
                        assertEquals(ref.getByte(i), out.getByte(i), from + "->" + to + " n=" + n + " byte " + i);
                    }
                }
            }
        }
    }

    @Test
    void firstNonFiniteFindsTheFirstBadSample() {
        UnsafeBuffer b = random(SampleFormat.F32, 100, 0, 1, 1.0);
        assertEquals(-1, SampleKernels.firstNonFinite(b, 0, 100));
        b.putFloat(4 * 77, Float.POSITIVE_INFINITY, ByteOrder.LITTLE_ENDIAN);
        b.putFloat(4 * 90, Float.NaN, ByteOrder.LITTLE_ENDIAN);
        assertEquals(77, SampleKernels.firstNonFinite(b, 0, 100));
        b.putFloat(4 * 3, Float.NaN, ByteOrder.LITTLE_ENDIAN);
        assertEquals(3, SampleKernels.firstNonFinite(b, 0, 100));
        assertEquals(-1, SampleKernels.firstNonFinite(b, 0, 3));
    }

    @Test
    void heapBuffersWorkToo() {
        UnsafeBuffer in = new UnsafeBuffer(new byte[64 * 2]);
        for (int i = 0; i < 64; i++) {
            in.putShort(2 * i, (short) (i * 100), ByteOrder.LITTLE_ENDIAN);
        }
        UnsafeBuffer out = new UnsafeBuffer(new byte[64 * 4]);
        SampleKernels.scaleToF32(in, 0, SampleFormat.I16, 64, 2f, out, 0);
        for (int i = 0; i < 64; i++) {
            assertEquals(i * 100 / 32768f * 2f, out.getFloat(4 * i, ByteOrder.LITTLE_ENDIAN), 0f);
        }
    }

    @Test
    void ditherKernelsMatchTheirScalarDefinitionAcrossThe32BitWrap() {
        for (long start : new long[] {0, 5, (1L << 32) - 20}) {
            int n = 77;
            UnsafeBuffer f = random(SampleFormat.F32, n, 0, start, 1.1);
            UnsafeBuffer x = random(SampleFormat.I32, n, 0, start + 1, 1.0);
            UnsafeBuffer out = direct(2 * n);
            UnsafeBuffer out2 = direct(2 * n);
            int clipped = SampleKernels.ditherF32ToI16(f, 0, n, out, 0, start, 9);
            SampleKernels.ditherI32ToI16(x, 0, n, out2, 0, start, 9);
            int expectClipped = 0;
            for (int i = 0; i < n; i++) {
                float v = Math.min(40000f, Math.max(-40000f,
                        Math.fma(f.getFloat(4 * i, ByteOrder.LITTLE_ENDIAN), 32768f,
                                SampleKernels.tpdf(start + i, 9))));
                float r = (float) Math.rint(v);
                expectClipped += r > 32767 || r < -32768 ? 1 : 0;
                assertEquals((short) Math.max(-32768, Math.min(32767, r)), out.getShort(2 * i, ByteOrder.LITTLE_ENDIAN), "f32 " + i);
                long xi = x.getInt(4 * i, ByteOrder.LITTLE_ENDIAN);
                long q = Math.floorDiv(xi + SampleKernels.tpdfFixed(start + i, 9) + 32768, 65536);
                assertEquals((short) Math.max(-32768, Math.min(32767, q)), out2.getShort(2 * i, ByteOrder.LITTLE_ENDIAN), "i32 " + i);
            }
            assertEquals(expectClipped, clipped);
        }
    }
}
