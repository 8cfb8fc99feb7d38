package org.remotemedia.dsp.loudness;

import java.util.Arrays;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.SampleKernels;
import org.remotemedia.dsp.resample.ResampleQuality;
import org.remotemedia.dsp.resample.Resampler;

/**
 * Loudness after ITU-R BS.1770-4 and EBU R 128 (Tech 3341, 3342) for one stream: K-weighting (the
 * two filters of BS.1770, designed for the stream's rate), mean squares over 100 ms steps, and from
 * them momentary (400 ms), short-term (3 s) and integrated loudness (400 ms blocks every 100 ms,
 * gated at -70 LUFS and 10 LU under the ungated level), the loudness range (short-term values every
 * 100 ms, gated at -70 LUFS and 20 LU down, P95 - P10) and the true peak per channel (the signal
 * oversampled 4x below 96 kHz, 2x below 192 kHz, by the project's {@link Resampler}).
 *
 * <p>Channel weights: 1.0 each, except 5 channels (L R C Ls Rs: 1.41 for the surrounds) and 6
 * (L R C LFE Ls Rs: the LFE left out, 1.41 for the surrounds). Samples are added one by one in
 * stream order within each 100 ms step, so every figure is the same bits whatever the chunking.
 * An incomplete last step counts in nothing (as in libebur128 and ffmpeg).
 *
 * <p>Memory grows with the stream: one double per 100 ms for the integrated loudness and one for
 * the range (about 576 KB an hour), reported by {@link #stateBytes()}. Single-threaded: owned by
 * the node that measures.
 */
public final class LoudnessMeter {
    /** BS.1770's offset: -0.691 dB makes a 1 kHz sine read its level in dBFS. */
    static final double OFFSET = -0.691;
    static final double ABSOLUTE_GATE = -70.0;
    private static final int BLOCK = 2048;

    private final int rate;
    private final int ch;
    private final double[] weight;
    private final int stepFrames;
    // K-weighting: shelf then high-pass, direct form I, per channel (x1, x2, y1, y2 of each)
    private final double s0, s1, s2, sa1, sa2;
    private final double h1, h2, ha1, ha2;
    private final double[] state;
    // the open 100 ms step's sums of squares per channel, and the last 30 closed steps' (ring)
    private final double[] stepSum;
    private int stepFill;
    private final double[] ring;
    private long steps;
    // block and short-term weighted mean squares, in order
    private double[] blocks = new double[256];
    private int blockCount;
    private double[] shortTerms = new double[256];
    private int shortTermCount;
    private double momentary = Double.NaN;
    private double shortTerm = Double.NaN;
    private double maxMomentary = Double.NaN;
    private double maxShortTerm = Double.NaN;
    // true peak
    private final Resampler oversampler; // null at 192 kHz and up
    private final UnsafeBuffer up;
    private final float[] peak;
    private boolean finished;

    public LoudnessMeter(int sampleRate, int channels) {
        this.rate = sampleRate;
        this.ch = channels;
        this.weight = weights(channels);
        this.stepFrames = Math.max(1, (int) Math.round(sampleRate / 10.0));
        // BS.1770 stage 1, a high shelf (+4 dB above ~1.7 kHz), for this rate
        double k = Math.tan(Math.PI * 1681.974450955533 / sampleRate);
        double q = 0.7071752369554196;
        double vh = Math.pow(10, 3.999843853973347 / 20);
        double vb = Math.pow(vh, 0.4996667741545416);
        double a0 = 1 + k / q + k * k;
        s0 = (vh + vb * k / q + k * k) / a0;
        s1 = 2 * (k * k - vh) / a0;
        s2 = (vh - vb * k / q + k * k) / a0;
        sa1 = 2 * (k * k - 1) / a0;
        sa2 = (1 - k / q + k * k) / a0;
        // stage 2, the RLB high-pass (~38 Hz)
        double kh = Math.tan(Math.PI * 38.13547087602444 / sampleRate);
        double qh = 0.5003270373238773;
        double a0h = 1 + kh / qh + kh * kh;
        h1 = -2;
        h2 = 1;
        ha1 = 2 * (kh * kh - 1) / a0h;
        ha2 = (1 - kh / qh + kh * kh) / a0h;
        this.state = new double[8 * channels];
        this.stepSum = new double[channels];
        this.ring = new double[30 * channels];
        int factor = sampleRate < 96_000 ? 4 : sampleRate < 192_000 ? 2 : 1;
        if (factor > 1) {
            oversampler = Resampler.create(sampleRate, sampleRate * factor, channels, ResampleQuality.MEDIUM);
            up = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
                    4 * channels * Math.max(oversampler.maxOutputFrames(BLOCK), oversampler.maxFlushFrames()) + 64, 64));
        } else {
            oversampler = null;
            up = null;
        }
        this.peak = new float[channels];
    }

    static double[] weights(int channels) {
        double[] w = new double[channels];
        Arrays.fill(w, 1.0);
        if (channels == 5) {
            w[3] = 1.41;
            w[4] = 1.41;
        } else if (channels == 6) {
            w[3] = 0.0;
            w[4] = 1.41;
            w[5] = 1.41;
        }
        return w;
    }

    /** Measures {@code frames} interleaved frames. */
    public void process(DirectBuffer b, int off, SampleFormat f, int frames) {
        for (int done = 0; done < frames; ) {
            int take = Math.min(BLOCK, frames - done);
            int at = off + done * ch * f.bytesPerSample();
            weigh(b, at, f, take);
            truePeak(b, at, f, take);
            done += take;
        }
    }

    private void weigh(DirectBuffer b, int off, SampleFormat f, int frames) {
        int i = 0;
        while (i < frames) {
            int take = Math.min(frames - i, stepFrames - stepFill);
            for (int c = 0; c < ch; c++) {
                int s = 8 * c;
                double x1 = state[s], x2 = state[s + 1], y1 = state[s + 2], y2 = state[s + 3];
                double u1 = state[s + 4], u2 = state[s + 5], z1 = state[s + 6], z2 = state[s + 7];
                double sum = stepSum[c];
                for (int k = 0; k < take; k++) {
                    double x = SampleKernels.decode(b, off, f, (i + k) * ch + c);
                    double y = s0 * x + s1 * x1 + s2 * x2 - sa1 * y1 - sa2 * y2;
                    x2 = x1;
                    x1 = x;
                    y2 = y1;
                    y1 = y;
                    double z = y + h1 * u1 + h2 * u2 - ha1 * z1 - ha2 * z2;
                    u2 = u1;
                    u1 = y;
                    z2 = z1;
                    z1 = z;
                    sum += z * z;
                }
                state[s] = x1;
                state[s + 1] = x2;
                state[s + 2] = y1;
                state[s + 3] = y2;
                state[s + 4] = u1;
                state[s + 5] = u2;
                state[s + 6] = z1;
                state[s + 7] = z2;
                stepSum[c] = sum;
            }
            stepFill += take;
            i += take;
            if (stepFill == stepFrames) {
                closeStep();
            }
        }
    }

    private void closeStep() {
        int slot = (int) (steps % 30);
        System.arraycopy(stepSum, 0, ring, slot * ch, ch);
        Arrays.fill(stepSum, 0);
        stepFill = 0;
        steps++;
        if (steps >= 4) {
            double z = window(4);
            momentary = lufs(z);
            maxMomentary = Double.isNaN(maxMomentary) ? momentary : Math.max(maxMomentary, momentary);
            if (blockCount == blocks.length) {
                blocks = Arrays.copyOf(blocks, blockCount * 2);
            }
            blocks[blockCount++] = z;
        }
        if (steps >= 30) {
            double z = window(30);
            shortTerm = lufs(z);
            maxShortTerm = Double.isNaN(maxShortTerm) ? shortTerm : Math.max(maxShortTerm, shortTerm);
            if (shortTermCount == shortTerms.length) {
                shortTerms = Arrays.copyOf(shortTerms, shortTermCount * 2);
            }
            shortTerms[shortTermCount++] = z;
        }
    }

    /** The weighted mean square of the last {@code n} steps (oldest first, a fixed order). */
    private double window(int n) {
        double total = 0;
        for (int c = 0; c < ch; c++) {
            double sum = 0;
            for (long s = steps - n; s < steps; s++) {
                sum += ring[(int) (s % 30) * ch + c];
            }
            total += weight[c] * (sum / ((double) n * stepFrames));
        }
        return total;
    }

    static double lufs(double meanSquare) {
        return OFFSET + 10 * Math.log10(meanSquare);
    }

    private void truePeak(DirectBuffer b, int off, SampleFormat f, int frames) {
        if (oversampler == null) {
            for (int i = 0; i < frames * ch; i++) {
                int c = i % ch;
                peak[c] = Math.max(peak[c], Math.abs(SampleKernels.decode(b, off, f, i)));
            }
            return;
        }
        peaks(oversampler.process(b, off, f, frames, up, 0));
    }

    private void peaks(int frames) {
        for (int i = 0; i < frames * ch; i++) {
            int c = i % ch;
            peak[c] = Math.max(peak[c], Math.abs(up.getFloat(4 * i, SampleFormat.ORDER)));
        }
    }

    /** End of stream: the oversampler's tail joins the true peak. Later calls do nothing. */
    public void finish() {
        if (!finished && oversampler != null) {
            peaks(oversampler.flush(up, 0));
        }
        finished = true;
    }

    /** Loudness of the last 400 ms (at a 100 ms step), LUFS; NaN before 400 ms. */
    public double momentaryLufs() {
        return momentary;
    }

    /** Loudness of the last 3 s (at a 100 ms step), LUFS; NaN before 3 s. */
    public double shortTermLufs() {
        return shortTerm;
    }

    public double maxMomentaryLufs() {
        return maxMomentary;
    }

    public double maxShortTermLufs() {
        return maxShortTerm;
    }

    /** Whether a 400 ms block has closed since {@code blocksSeen} (for deltas: integrated changes only then). */
    public int blocks() {
        return blockCount;
    }

    /** Integrated (gated) loudness of the stream so far, LUFS; -infinity when no block passes the gates. */
    public double integratedLufs() {
        return gatedMean(blocks, blockCount, -10.0);
    }

    /** Power mean of the values above -70 LUFS and above (their power mean + relative) LUFS. */
    private static double gatedMean(double[] z, int n, double relative) {
        double zAbs = Math.pow(10, (ABSOLUTE_GATE - OFFSET) / 10);
        double sum = 0;
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (z[i] > zAbs) {
                sum += z[i];
                count++;
            }
        }
        if (count == 0) {
            return Double.NEGATIVE_INFINITY;
        }
        double zRel = sum / count * Math.pow(10, relative / 10);
        double gated = 0;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            if (z[i] > zAbs && z[i] > zRel) {
                gated += z[i];
                kept++;
            }
        }
        return kept == 0 ? Double.NEGATIVE_INFINITY : lufs(gated / kept);
    }

    /** Loudness range (EBU Tech 3342), LU; 0 when fewer than two short-term values pass the gates. */
    public double loudnessRangeLu() {
        double zAbs = Math.pow(10, (ABSOLUTE_GATE - OFFSET) / 10);
        double sum = 0;
        int count = 0;
        for (int i = 0; i < shortTermCount; i++) {
            if (shortTerms[i] > zAbs) {
                sum += shortTerms[i];
                count++;
            }
        }
        if (count == 0) {
            return 0.0;
        }
        double zRel = sum / count * Math.pow(10, -20.0 / 10);
        double[] kept = new double[count];
        int k = 0;
        for (int i = 0; i < shortTermCount; i++) {
            if (shortTerms[i] > zAbs && shortTerms[i] > zRel) {
                kept[k++] = shortTerms[i];
            }
        }
        if (k < 2) {
            return 0.0;
        }
        Arrays.sort(kept, 0, k);
        double lo = lufs(kept[(int) Math.round((k - 1) * 0.10)]);
        double hi = lufs(kept[(int) Math.round((k - 1) * 0.95)]);
        return hi - lo;
    }

    /** True peak of channel {@code c} so far, linear (full scale 1.0). */
    public double truePeak(int c) {
        return peak[c];
    }

    public double maxTruePeak() {
        float p = 0;
        for (float v : peak) {
            p = Math.max(p, v);
        }
        return p;
    }

    public int channels() {
        return ch;
    }

    public void reset() {
        Arrays.fill(state, 0);
        Arrays.fill(stepSum, 0);
        Arrays.fill(ring, 0);
        Arrays.fill(peak, 0);
        stepFill = 0;
        steps = 0;
        blockCount = 0;
        shortTermCount = 0;
        momentary = Double.NaN;
        shortTerm = Double.NaN;
        maxMomentary = Double.NaN;
        maxShortTerm = Double.NaN;
        finished = false;
        if (oversampler != null) {
            oversampler.reset();
        }
    }

    public long stateBytes() {
        return 8L * (state.length + ring.length + blocks.length + shortTerms.length) + (up == null ? 0
                : up.capacity() + oversampler.memoryBytes());
    }
}
