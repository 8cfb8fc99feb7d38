package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeHarness;

/** Exact round trips, clipping counts, and TPDF dither statistics. */
class AudioFormatConverterTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static UnsafeBuffer convert(Node node, UnsafeBuffer in, SampleFormat from, int n) {
        AudioBlock b = new AudioBlock().wrap(in, 0, n, 1, 16000, from);
        UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(n * 4 + 4));
        assertEquals(n, node.process(new AudioBlock[] {b}, out, 0));
        return out;
    }

    private static Node node(SampleFormat from, String to, Map<String, Object> extra) {
        java.util.HashMap<String, Object> p = new java.util.HashMap<>(extra);
        p.put("target_format", to);
        return NodeHarness.create(new AudioFormatConverter(), p, List.of(new AudioSpec(16000, 1, from)));
    }

    @Test
    void everyI16RoundTripsExactlyThroughF32AndI32() {
        int n = 65536;
        UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(2 * n));
        for (int i = 0; i < n; i++) {
            in.putShort(2 * i, (short) (i - 32768), LE);
        }
        for (String mid : List.of("f32", "i32")) {
            SampleFormat m = SampleFormat.parse(mid);
            UnsafeBuffer wide = convert(node(SampleFormat.I16, mid, Map.of()), in, SampleFormat.I16, n);
            // dither is asked for, but back to i16 from an exact widening it must change nothing
            Node back = node(m, "i16", Map.of("dither", m == SampleFormat.F32 ? "none" : "none"));
            UnsafeBuffer round = convert(back, wide, m, n);
            for (int i = 0; i < n; i++) {
                assertEquals(in.getShort(2 * i, LE), round.getShort(2 * i, LE), mid + " sample " + i);
            }
        }
    }

    @Test
    void i24InI32RoundTripsExactlyThroughF32() {
        int n = 100_000;
        UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * n));
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int i = 0; i < n; i++) {
            int v24 = i < 4 ? new int[] {-(1 << 23), (1 << 23) - 1, 0, -1}[i] : r.nextInt(-(1 << 23), 1 << 23);
            in.putInt(4 * i, v24 << 8, LE);
        }
        UnsafeBuffer f = convert(node(SampleFormat.I32, "f32", Map.of()), in, SampleFormat.I32, n);
        UnsafeBuffer back = convert(node(SampleFormat.F32, "i32", Map.of()), f, SampleFormat.F32, n);
        for (int i = 0; i < n; i++) {
            assertEquals(in.getInt(4 * i, LE), back.getInt(4 * i, LE), "sample " + i);
        }
    }

    @Test
    void f32ToI16ClipsAndCounts() {
        float[] vals = {0f, 0.5f, 1.0f, -1.0f, 1.5f, -1.5f, 32767f / 32768f, 0.99999f};
        UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * vals.length));
        for (int i = 0; i < vals.length; i++) {
            in.putFloat(4 * i, vals[i], LE);
        }
        Node node = node(SampleFormat.F32, "i16", Map.of());
        UnsafeBuffer out = convert(node, in, SampleFormat.F32, vals.length);
        short[] expect = {0, 16384, 32767, -32768, 32767, -32768, 32767, 32767};
        for (int i = 0; i < vals.length; i++) {
            assertEquals(expect[i], out.getShort(2 * i, LE), "value " + vals[i]);
        }
        StringBuilder m = new StringBuilder();
        node.appendCustomMetrics(m);
        assertTrue(m.toString().contains("\"clipped_samples\":4"), m.toString()); // 1.0, 1.5, -1.5, 0.99999 (rounds to 32768)
    }

    /**
     * TPDF dither: unbiased (a constant 0.3 LSB averages to 0.3 LSB, where plain rounding
     * gives 0), total error variance 1/4 LSB^2 (1/12 rounding + 1/6 TPDF), independent of the
     * signal's fractional position, and the noise's own distribution triangular on (-1, 1).
     */
    @Test
    void tpdfDitherIsUnbiasedWithTheRightVarianceAndShape() {
        int n = 400_000;
        for (double frac : new double[] {0.0, 0.3, 0.5, 0.77}) {
            UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * n));
            float v = (float) ((1000 + frac) / 32768.0);
            for (int i = 0; i < n; i++) {
                in.putFloat(4 * i, v, LE);
            }
            UnsafeBuffer out = convert(node(SampleFormat.F32, "i16", Map.of("dither", "tpdf")), in, SampleFormat.F32, n);
            double exact = v * 32768.0;
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double e = out.getShort(2 * i, LE) - exact;
                sum += e;
                sq += e * e;
            }
            double mean = sum / n;
            double var = sq / n - mean * mean;
            assertEquals(0.0, mean, 0.005, "bias at fraction " + frac);
            assertEquals(0.25, var, 0.01, "error variance at fraction " + frac);
        }
        // the noise itself: triangular density 1 - |d| on (-1, 1)
        int[] hist = new int[20];
        int m = 1_000_000;
        for (long k = 0; k < m; k++) {
            double d = org.remotemedia.dsp.SampleKernels.tpdf(k, 1);
            assertTrue(d >= -1 && d < 1);
            hist[(int) Math.floor((d + 1) * 10)]++;
        }
        for (int b = 0; b < 20; b++) {
            double lo = -1 + b / 10.0;
            double hi = lo + 0.1;
            double p = cdf(hi) - cdf(lo);
            assertEquals(p, hist[b] / (double) m, 0.003, "bin " + b);
        }
    }

    private static double cdf(double x) {
        return x < 0 ? (x + 1) * (x + 1) / 2 : 1 - (1 - x) * (1 - x) / 2;
    }

    @Test
    void i32ToI16DitherIsUnbiased() {
        int n = 200_000;
        UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * n));
        int x = (1234 << 16) + (int) (0.3 * 65536);
        for (int i = 0; i < n; i++) {
            in.putInt(4 * i, x, LE);
        }
        UnsafeBuffer out = convert(node(SampleFormat.I32, "i16", Map.of("dither", "tpdf")), in, SampleFormat.I32, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += out.getShort(2 * i, LE);
        }
        assertEquals(1234.3, sum / n, 0.005);
    }
}
