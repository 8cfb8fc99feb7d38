package org.remotemedia.dsp.resample;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The resampler's quality targets, measured against analytic signals (exact sine values at every
 * output instant; no reference resampler): the four rate pairs at HIGH, and each preset's own
 * documented figures (docs/resampler.md). Frequencies are in units of nu = the lower Nyquist
 * frequency min(fi, fo) / 2: for downsampling the output Nyquist, for upsampling the input
 * Nyquist (the band edge that matters there; leaks are then the images of input tones).
 */
class ResamplerQualityTest {

    /** Per preset: pass edge, max |dev| dB to it, a frequency where the gain is still >= -3 dB,
     *  stop edge, max leak dB from it, THD+N bound, SNR bound and its content edge. */
    record Spec(ResampleQuality q, double passEdge, double rippleDb, double minus3DbAtLeast,
                double stopEdge, double leakDb, double thdnDb, double snrDb, double snrEdge) {}

    static final Spec LOW = new Spec(ResampleQuality.LOW, 0.70, 0.002, 0.80, 1.00, -78, -90, 80, 0.65);
    static final Spec MEDIUM = new Spec(ResampleQuality.MEDIUM, 0.85, 0.0002, 0.92, 1.05, -100, -120, 110, 0.75);
    static final Spec HIGH = new Spec(ResampleQuality.HIGH, 0.90, 0.001, 0.95, 1.10, -120, -130, 130, 0.75);
    static final Spec VERY_HIGH = new Spec(ResampleQuality.VERY_HIGH, 0.93, 0.00002, 0.98, 1.07, -138, -138, 138, 0.75);

    static final int[][] PAIRS = {{44100, 16000}, {48000, 16000}, {16000, 48000}, {8000, 16000}};

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (Spec s : new Spec[] {HIGH, LOW, MEDIUM, VERY_HIGH}) {
            for (int[] p : PAIRS) {
                b.add(Arguments.of(s, p[0], p[1]));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} {1}->{2}")
    @MethodSource("cases")
    void passbandIsFlat(Spec s, int fi, int fo) {
        double dev = Quality.passbandDeviationDb(fi, fo, s.q, s.passEdge);
        assertTrue(dev <= s.rippleDb, () -> s.q + " " + fi + "->" + fo + ": passband deviation " + dev + " dB > " + s.rippleDb);
    }

    @ParameterizedTest(name = "{0} {1}->{2}")
    @MethodSource("cases")
    void minus3DbPointIsHighEnough(Spec s, int fi, int fo) {
        double g = Quality.gainDb(fi, fo, s.q, s.minus3DbAtLeast * Quality.nu(fi, fo));
        assertTrue(g >= -3.0, () -> s.q + " " + fi + "->" + fo + ": gain at " + s.minus3DbAtLeast + " nu is " + g + " dB");
    }

    @ParameterizedTest(name = "{0} {1}->{2}")
    @MethodSource("cases")
    void stopbandLeakIsBelowBound(Spec s, int fi, int fo) {
        double leak = Quality.stopbandDb(fi, fo, s.q, s.stopEdge);
        assertTrue(leak <= s.leakDb, () -> s.q + " " + fi + "->" + fo + ": leak from " + s.stopEdge + " nu is " + leak + " dB");
    }

    @ParameterizedTest(name = "{0} {1}->{2}")
    @MethodSource("cases")
    void thdPlusNoiseOf1kHzAtMinus6Dbfs(Spec s, int fi, int fo) {
        double thdn = Quality.thdPlusNoiseDb(fi, fo, s.q);
        assertTrue(thdn <= s.thdnDb, () -> s.q + " " + fi + "->" + fo + ": THD+N " + thdn + " dB");
    }

    @ParameterizedTest(name = "{0} {1}->{2}")
    @MethodSource("cases")
    void snrAgainstAnalyticIdeal(Spec s, int fi, int fo) {
        double snr = Quality.snrDb(fi, fo, s.q, s.snrEdge);
        assertTrue(snr >= s.snrDb, () -> s.q + " " + fi + "->" + fo + ": SNR " + snr + " dB");
    }

    @ParameterizedTest(name = "{0} {1}->{2}")
    @MethodSource("cases")
    void streamingLatencyWithin25Ms(Spec s, int fi, int fo) {
        double latency = Resampler.create(fi, fo, 1, s.q).latencySeconds();
        assertTrue(latency > 0 && latency <= 0.025, () -> "latency " + latency);
    }

    /** HIGH's stopband from 1.1 nu is the quality target's figure; the other presets are tighter or looser. */
    @ParameterizedTest(name = "HIGH {0}->{1}")
    @MethodSource("pairs")
    void highAttenuatesEveryToneFrom1Point1NuTo120Db(int fi, int fo) {
        double leak = Quality.stopbandDb(fi, fo, ResampleQuality.HIGH, 1.1);
        assertTrue(leak <= -120, () -> "leak " + leak);
        double dev = Quality.passbandDeviationDb(fi, fo, ResampleQuality.HIGH, 0.9);
        assertTrue(dev <= 0.001, () -> "ripple " + dev);
    }

    static Stream<Arguments> pairs() {
        return Stream.of(PAIRS).map(p -> Arguments.of(p[0], p[1]));
    }

    /** The scalar reference loops (double accumulation) meet the same bounds: the kernels agree. */
    @ParameterizedTest(name = "scalar {0}->{1}")
    @MethodSource("pairs")
    void scalarReferenceAgrees(int fi, int fo) {
        Quality.vectorKernels = false;
        try {
            assertTrue(Quality.thdPlusNoiseDb(fi, fo, ResampleQuality.HIGH) <= -130);
            assertTrue(Quality.snrDb(fi, fo, ResampleQuality.HIGH, 0.75) >= 130);
        } finally {
            Quality.vectorKernels = true;
        }
    }
}
