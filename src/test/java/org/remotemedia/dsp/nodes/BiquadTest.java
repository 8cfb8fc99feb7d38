package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.NodeHarness;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

/**
 * The realised filters against the analytic responses: each node's impulse response (long
 * enough to have decayed below float resolution) is transformed at many frequencies and its
 * magnitude compared, within 0.01 dB, with |H(e^jw)| of the Audio EQ Cookbook formulas
 * (typed out again here from the cookbook, independently of the main code) and with the
 * closed-form Butterworth magnitude.
 */
class BiquadTest {
    private static final int RATE = 48000;
    private static final int LEN = 1 << 16;

    /** Cookbook coefficients {b0, b1, b2, a0, a1, a2} (not normalised). */
    private static double[] cookbook(String type, double fs, double f0, double q, double dbGain) {
        double a = Math.pow(10, dbGain / 40);
        double w0 = 2 * Math.PI * f0 / fs;
        double c = Math.cos(w0);
        double alpha = Math.sin(w0) / (2 * q);
        double r = 2 * Math.sqrt(a) * alpha;
        return switch (type) {
            case "lowpass" -> new double[] {(1 - c) / 2, 1 - c, (1 - c) / 2, 1 + alpha, -2 * c, 1 - alpha};
            case "highpass" -> new double[] {(1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + alpha, -2 * c, 1 - alpha};
            case "bandpass" -> new double[] {alpha, 0, -alpha, 1 + alpha, -2 * c, 1 - alpha};
            case "notch" -> new double[] {1, -2 * c, 1, 1 + alpha, -2 * c, 1 - alpha};
            case "peaking" -> new double[] {1 + alpha * a, -2 * c, 1 - alpha * a, 1 + alpha / a, -2 * c, 1 - alpha / a};
            case "lowshelf" -> new double[] {a * ((a + 1) - (a - 1) * c + r), 2 * a * ((a - 1) - (a + 1) * c),
                a * ((a + 1) - (a - 1) * c - r), (a + 1) + (a - 1) * c + r, -2 * ((a - 1) + (a + 1) * c),
                (a + 1) + (a - 1) * c - r};
            case "highshelf" -> new double[] {a * ((a + 1) + (a - 1) * c + r), -2 * a * ((a - 1) + (a + 1) * c),
                a * ((a + 1) + (a - 1) * c - r), (a + 1) - (a - 1) * c + r, 2 * ((a - 1) - (a + 1) * c),
                (a + 1) - (a - 1) * c - r};
            default -> throw new IllegalArgumentException(type);
        };
    }

    /** |B(e^jw) / A(e^jw)|. */
    private static double magnitude(double[] k, double w) {
        double br = k[0] + k[1] * Math.cos(w) + k[2] * Math.cos(2 * w);
        double bi = -k[1] * Math.sin(w) - k[2] * Math.sin(2 * w);
        double ar = k[3] + k[4] * Math.cos(w) + k[5] * Math.cos(2 * w);
        double ai = -k[4] * Math.sin(w) - k[5] * Math.sin(2 * w);
        return Math.hypot(br, bi) / Math.hypot(ar, ai);
    }

    /** The node's impulse response on channel {@code ch} of {@code channels}, measured at w. */
    private static double[] measuredMagnitudes(Map<String, Object> params, int channels, int ch, double[] freqs) {
        AudioSpec spec = new AudioSpec(RATE, channels, SampleFormat.F32);
        var node = NodeHarness.create(new Biquad(), params, List.of(spec));
        var imp = NodeHarness.signal(spec, LEN, i -> i == ch ? 1.0 : 0.0);
        double[] y = NodeHarness.oneShot(node, List.of(imp)).samples();
        double[] m = new double[freqs.length];
        for (int j = 0; j < freqs.length; j++) {
            double w = 2 * Math.PI * freqs[j] / RATE;
            double re = 0;
            double im = 0;
            for (int n = 0; n < LEN; n++) {
                double v = y[n * channels + ch];
                re += v * Math.cos(w * n);
                im -= v * Math.sin(w * n);
            }
            m[j] = Math.hypot(re, im);
        }
        return m;
    }

    private static double[] probeFrequencies() {
        List<Double> f = new ArrayList<>();
        for (double x = 20; x < 0.49 * RATE; x *= 1.35) {
            f.add(x);
        }
        return f.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double db(double v) {
        return 20 * Math.log10(v);
    }

    private static void assertMatches(String what, double[] freqs, double[] measured, java.util.function.DoubleUnaryOperator analytic) {
        for (int j = 0; j < freqs.length; j++) {
            double want = analytic.applyAsDouble(2 * Math.PI * freqs[j] / RATE);
            double got = measured[j];
            if (want > 1e-3) { // down to -60 dB: compare in dB
                assertEquals(db(want), db(got), 0.01, what + " at " + freqs[j] + " Hz");
            } else { // deep stop band / notch: the absolute error is what float output allows
                assertEquals(want, got, 2e-6, what + " at " + freqs[j] + " Hz");
            }
        }
    }

    @Test
    void everyCookbookShapeMatchesItsAnalyticResponseWithin0p01dB() {
        double[] freqs = probeFrequencies();
        Object[][] cases = {
            {"lowpass", 1000.0, 0.7071067811865476, 0.0},
            {"lowpass", 80.0, 3.0, 0.0},
            {"highpass", 250.0, 0.5, 0.0},
            {"bandpass", 1500.0, 4.0, 0.0},
            {"notch", 3000.0, 8.0, 0.0},
            {"peaking", 700.0, 1.2, 9.0},
            {"peaking", 12000.0, 0.4, -15.0},
            {"lowshelf", 150.0, 0.7071067811865476, 6.0},
            {"highshelf", 8000.0, 1.0, -10.0},
        };
        int[][] layouts = {{1, 0}, {2, 1}, {3, 2}, {8, 5}}; // vector mono / stereo, scalar 3 ch, vector 8 ch
        int k = 0;
        for (Object[] c : cases) {
            int[] lay = layouts[k++ % layouts.length];
            Map<String, Object> p = new HashMap<>(Map.of("type", c[0], "frequency", c[1], "q", c[2]));
            if ((double) c[3] != 0) {
                p.put("gain_db", c[3]);
            }
            double[] coeffs = cookbook((String) c[0], RATE, (double) c[1], (double) c[2], (double) c[3]);
            assertMatches(c[0] + " " + c[1] + " Hz on " + lay[0] + " ch", freqs,
                    measuredMagnitudes(p, lay[0], lay[1], freqs), w -> magnitude(coeffs, w));
        }
    }

    @Test
    void closedFormPointsOfTheCookbook() {
        double[] f0 = {1000};
        // lowpass / highpass: |H(f0)| = Q; peaking: gain_db at f0; shelves: half the gain at f0 (slope 1)
        assertEquals(db(2.0), db(measuredMagnitudes(Map.of("type", "lowpass", "frequency", 1000.0, "q", 2.0), 1, 0, f0)[0]), 0.01);
        assertEquals(db(0.6), db(measuredMagnitudes(Map.of("type", "highpass", "frequency", 1000.0, "q", 0.6), 1, 0, f0)[0]), 0.01);
        assertEquals(7.5, db(measuredMagnitudes(Map.of("type", "peaking", "frequency", 1000.0, "gain_db", 7.5), 2, 0, f0)[0]), 0.01);
        assertEquals(0.0, db(measuredMagnitudes(Map.of("type", "bandpass", "frequency", 1000.0, "q", 3.0), 1, 0, f0)[0]), 0.01);
        assertEquals(-4.0, db(measuredMagnitudes(Map.of("type", "lowshelf", "frequency", 1000.0, "gain_db", -8.0), 1, 0, f0)[0]), 0.01);
        assertEquals(5.0, db(measuredMagnitudes(Map.of("type", "highshelf", "frequency", 1000.0, "gain_db", 10.0), 4, 3, f0)[0]), 0.01);
    }

    @Test
    void butterworthOrdersMatchTheBilinearButterworthMagnitude() {
        double[] freqs = probeFrequencies();
        double f0 = 2000;
        double t0 = Math.tan(Math.PI * f0 / RATE);
        for (int order : new int[] {1, 3, 4, 7, 8}) {
            for (boolean hp : new boolean[] {false, true}) {
                int n = order;
                var p = Map.<String, Object>of("type", hp ? "highpass" : "lowpass", "frequency", f0, "order", n);
                assertMatches((hp ? "highpass" : "lowpass") + " order " + n, freqs,
                        measuredMagnitudes(p, n % 2 == 0 ? 1 : 2, 0, freqs), w -> {
                            double ratio = Math.tan(w / 2) / t0;
                            double x = Math.pow(hp ? 1 / ratio : ratio, 2 * n);
                            return 1 / Math.sqrt(1 + x);
                        });
            }
        }
        // Linkwitz-Riley 4: Butterworth 2 squared, -6.02 dB at f0
        double lr = measuredMagnitudes(Map.of("type", "lowpass", "frequency", f0, "stages", 2), 1, 0, new double[] {f0})[0];
        assertEquals(-6.0206, db(lr), 0.01);
    }

    @Test
    void aSineComesOutScaledAndShiftedByH() {
        // steady state of a 1 kHz sine through a 2 kHz Q=1 lowpass: amplitude |H(1 kHz)|
        AudioSpec spec = new AudioSpec(RATE, 1, SampleFormat.I16);
        var node = NodeHarness.create(new Biquad(), Map.of("type", "lowpass", "frequency", 2000.0, "q", 1.0), List.of(spec));
        double amp = 0.5;
        var s = NodeHarness.signal(spec, RATE, i -> amp * Math.sin(2 * Math.PI * 1000 * i / RATE));
        double[] y = NodeHarness.oneShot(node, List.of(s)).samples();
        double w = 2 * Math.PI * 1000 / RATE;
        double sc = 0;
        double cc = 0;
        int from = RATE / 2;
        for (int n = from; n < RATE; n++) {
            sc += y[n] * Math.sin(w * n);
            cc += y[n] * Math.cos(w * n);
        }
        double measured = 2 * Math.hypot(sc, cc) / (RATE - from);
        double want = amp * magnitude(cookbook("lowpass", RATE, 2000, 1.0, 0), w);
        assertEquals(db(want), db(measured), 0.01); // i16 input quantisation is far below this
    }

    @Test
    void badParamsSayWhatIsAcceptedAndWhere() {
        Biquad b = new Biquad();
        Problems p = new Problems();
        assertNull(b.params().validate(Map.of("type", "lowpas", "frequency", -3, "qq", 1), p));
        String all = p.list().toString();
        assertTrue(all.contains("/params/type") && all.contains("lowpass | highpass | bandpass | notch | peaking"), all);
        assertTrue(all.contains("/params/frequency") && all.contains("[1, 384000]"), all);
        assertTrue(all.contains("/params/qq") && all.contains("did you mean 'q'"), all);

        Problems c = new Problems();
        Params ok = b.params().validate(Map.of("type", "notch", "frequency", 100.0, "gain_db", 3.0, "order", 4), c);
        b.checkParams(ok, c);
        assertEquals(List.of("/params/gain_db", "/params/order"), c.list().stream().map(Problems.Problem::path).toList());

        Problems q = new Problems();
        b.checkParams(b.params().validate(Map.of("type", "lowpass", "frequency", 100.0, "q", 3.0, "order", 4), q), q);
        assertEquals("/params/q", q.list().get(0).path());

        Problems ny = new Problems();
        Params hi = b.params().validate(Map.of("type", "lowpass", "frequency", 9000.0), ny);
        assertNull(b.create(hi, List.of(new AudioSpec(16000, 1, SampleFormat.F32)), ny));
        assertEquals("/params/frequency", ny.list().get(0).path());
        assertTrue(ny.list().get(0).message().contains("8000.0 Hz"), ny.list().toString());
    }
}
