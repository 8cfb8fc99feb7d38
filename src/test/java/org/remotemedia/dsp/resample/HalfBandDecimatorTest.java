package org.remotemedia.dsp.resample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;

/** The half-band stage: its design, and vector blocks equal to the scalar twin whatever the chunking. */
class HalfBandDecimatorTest {

    /** Unit DC gain, zero at the Nyquist frequency, symmetric by construction: response from the taps. */
    @Test
    void designHasUnitDcGainAndMeetsItsStopband() {
        for (ResampleQuality q : new ResampleQuality[] {ResampleQuality.HIGH, ResampleQuality.VERY_HIGH}) {
            double stopHz = q.stopEdge * 8000;
            float[] g = HalfBandDecimator.design(HalfBandDecimator.pairsFor(stopHz, 44100, q.attenuationDb + 6),
                    q.attenuationDb + 6);
            assertEquals(1.0, response(g, 0), 1e-7, "DC gain");
            // passband to stopHz flat; stopband from rate / 2 - stopHz below the preset's target
            for (double f = 0; f <= stopHz; f += 50) {
                double dev = Math.abs(20 * Math.log10(Math.abs(response(g, f / 44100))));
                assertTrue(dev < 1e-5, q + " passband at " + f + " Hz: " + dev + " dB");
            }
            for (double f = 22050 - stopHz; f <= 22050; f += 25) {
                double db = 20 * Math.log10(Math.abs(response(g, f / 44100)));
                assertTrue(db <= -q.attenuationDb, q + " stopband at " + f + " Hz: " + db + " dB");
            }
        }
    }

    /** H(f) = 1/2 + sum 2 g_i cos(2 pi f (2i - 1)), f in cycles per input sample. */
    static double response(float[] g, double f) {
        double h = 0.5;
        for (int i = 1; i <= g.length; i++) {
            h += 2 * g[i - 1] * Math.cos(2 * Math.PI * f * (2 * i - 1));
        }
        return h;
    }

    /** Outputs computed in vector blocks equal those computed one by one (the scalar twin), bit for bit. */
    @Test
    void anyChunkingGivesTheSameOutputs() {
        Random rnd = new Random(11);
        int frames = 5000;
        int channels = 2;
        UnsafeBuffer in = new UnsafeBuffer(new byte[frames * channels * 4]);
        for (int i = 0; i < frames * channels; i++) {
            SampleFormat.F32.write(in, 0, i, rnd.nextGaussian() * 0.3);
        }
        float[] oneShot = run(in, frames, channels, n -> frames);
        float[] small = run(in, frames, channels, n -> 1 + rnd.nextInt(40));
        float[] single = run(in, frames, channels, n -> 1);
        assertArrayEquals(oneShot, small);
        assertArrayEquals(oneShot, single);
    }

    /** Runs the stage over the input in chunks, taking at most 7 outputs at a time in some calls. */
    static float[] run(UnsafeBuffer in, int frames, int channels, java.util.function.IntUnaryOperator chunk) {
        HalfBandDecimator h = new HalfBandDecimator(8800, 44100, 136, channels, 60);
        h.reset(-59);
        int total = frames / 2 + 59 - h.pairs;
        float[] out = new float[channels * (total + 64)];
        int stride = total + 64;
        int done = 0;
        int produced = 0;
        int call = 0;
        while (done < frames) {
            int n = Math.min(Math.min(chunk.applyAsInt(call++), frames - done), h.room());
            h.decode(in, done * channels * 4, SampleFormat.F32, n);
            done += n;
            int got;
            do {
                got = h.produce(out, stride, produced, call % 3 == 0 ? 7 : stride - produced);
                produced += got;
            } while (got > 0);
        }
        assertTrue(produced >= total - 1, "produced " + produced);
        return out;
    }
}
