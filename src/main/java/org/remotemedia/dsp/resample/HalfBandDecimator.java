package org.remotemedia.dsp.resample;

import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;
import org.remotemedia.buffer.SampleFormat;

/**
 * First stage of deep downsampling: halves the rate with a linear-phase half-band FIR, so the
 * polyphase stage after it runs at half the input rate with half the taps. Used when the input
 * rate is well above twice the output's stopband edge (44.1 -> 16, 48 -> 16 kHz ...).
 *
 * <p>Output {@code z[j]} is the low-passed input at input time {@code 2j} (zero net delay):
 * <pre>  z[j] = x[2j] / 2 + sum_{i=1..P} g[i-1] * (x[2j - 2i + 1] + x[2j + 2i - 1])</pre>
 * A half-band kernel (cutoff at a quarter of the input rate) is zero at every even offset but
 * the centre, and symmetric: each coefficient multiplies a sum of two samples, so {@code P}
 * FMAs per output instead of {@code 4P}. The input is stored de-interleaved into even and odd
 * samples, so {@code LANES} consecutive outputs read consecutive odd samples: the kernel is
 * vectorized across time (coefficient broadcast, no lane reduction). Partial blocks use a
 * scalar twin that performs the same additions and fused multiply-adds in the same order, so
 * the output does not depend on the chunking.
 *
 * <p>The passband reaches the polyphase stage's stopband edge ({@code stopHz}), the stopband
 * starts at {@code rate / 2 - stopHz} (what would alias below it), attenuated by the preset's
 * target plus 6 dB (the two stages' errors add).
 *
 * <p>Single-threaded: owned by the {@link Resampler} of one stream. No allocation after
 * construction.
 */
final class HalfBandDecimator {
    private static final VectorSpecies<Float> FLOATS = FirKernels.FLOATS;
    private static final int LANES = FLOATS.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean NATIVE_LE = ByteOrder.nativeOrder() == LE;
    private static final int FLOAT_BASE = UnsafeApi.arrayBaseOffset(float[].class);
    /** Lane selections 0, 2, 4 .. and 1, 3, 5 .. across two vectors (selectFrom's index vector). */
    private static final FloatVector EVEN_LANES = everyOther(0);
    private static final FloatVector ODD_LANES = everyOther(1);
    /** Floats copied per pass of the mono F32 decoder: 4 KB, stays in L1. */
    private static final int STAGE = 1024;
    /** Input sample pairs decoded per pass (at least; see capacity). */
    static final int BLOCK_PAIRS = 1024;

    /** Coefficient pairs P (a multiple of 4). */
    final int pairs;
    /** g[i - 1] weights x[2j - 2i + 1] + x[2j + 2i - 1]. */
    final float[] g;
    private final int channels;
    /** Pairs of input samples stored per channel. */
    private final int capacity;
    private final float[] even;
    private final float[] odd;
    /** The mono F32 decoder's copy of the input, before the split into even and odd. */
    private final float[] stage = new float[STAGE];
    /** Absolute pair index (input index / 2) of even[0] and odd[0]. */
    private long firstPair;
    /** Input samples stored, counted from input index 2 * firstPair. */
    private int stored;
    /** Absolute index of the next output. */
    private long next;

    private static FloatVector everyOther(int first) {
        float[] idx = new float[LANES];
        for (int i = 0; i < LANES; i++) {
            idx[i] = first + 2 * i;
        }
        return FloatVector.fromArray(FLOATS, idx, 0);
    }

    /** The stage's parameters only (no stream state): for design checks. */
    static int pairsFor(double stopHz, double rate, double attenuationDb) {
        double transition = 0.5 - 2.0 * stopHz / rate; // cycles per input sample
        double length = (attenuationDb - 7.95) / (14.36 * transition) + 1.0;
        int reach = (int) Math.ceil((length - 1.0) / 2.0); // largest offset with a nonzero tap
        int p = (reach + 1 + 1) / 2;
        return (p + 3) / 4 * 4;
    }

    /** Whether the stage applies: its transition band, rate / 2 - 2 stopHz, at least 5% of the rate. */
    static boolean applies(double stopHz, double rate) {
        return 0.5 - 2.0 * stopHz / rate >= 0.05;
    }

    /**
     * @param stopHz        the polyphase stage's stopband edge (Hz): passed flat
     * @param rate          input rate (Hz)
     * @param attenuationDb the preset's stopband target
     * @param leadOutputs   outputs before input 0 the polyphase stage needs (its first window
     *                      starts before the input, which is zero there)
     */
    HalfBandDecimator(double stopHz, double rate, double attenuationDb, int channels, int leadOutputs) {
        double a = attenuationDb + 6.0;
        this.pairs = pairsFor(stopHz, rate, a);
        this.g = design(pairs, a);
        this.channels = channels;
        this.capacity = BLOCK_PAIRS + 2 * pairs + LANES + leadOutputs;
        this.even = new float[capacity * channels];
        this.odd = new float[capacity * channels];
    }

    /** Kaiser-windowed half-band sinc; the odd taps sum to exactly 1/4 (unit DC gain). */
    static float[] design(int pairs, double attenuationDb) {
        double beta = 0.1102 * (attenuationDb - 8.7);
        double i0beta = FilterBank.besselI0(beta);
        double width = 2.0 * pairs; // the window reaches zero at offset 2P
        double[] h = new double[pairs];
        double sum = 0;
        for (int i = 1; i <= pairs; i++) {
            int k = 2 * i - 1;
            double u = k / width;
            double sinc = Math.sin(Math.PI * k / 2.0) / (Math.PI * k / 2.0);
            h[i - 1] = 0.5 * sinc * FilterBank.besselI0(beta * Math.sqrt(1.0 - u * u)) / i0beta;
            sum += h[i - 1];
        }
        float[] g = new float[pairs];
        for (int i = 0; i < pairs; i++) {
            g[i] = (float) (h[i] * 0.25 / sum);
        }
        return g;
    }

    /** Input frames the stage lags behind: output j needs input up to 2j + 2P - 1. */
    int lookAhead() {
        return 2 * pairs - 1;
    }

    /** Forgets the stream; the first output will be {@code firstOutput} (zeros before input 0). */
    void reset(long firstOutput) {
        firstPair = firstOutput - pairs;
        stored = (int) (-2 * firstPair);
        next = firstOutput;
        Arrays.fill(even, 0f);
        Arrays.fill(odd, 0f);
    }

    /** Input frames that fit now (after dropping what no future output needs). */
    int room() {
        compact();
        return 2 * capacity - stored;
    }

    private void compact() {
        int drop = (int) (next - pairs - firstPair);
        int pairsStored = (stored + 1) / 2;
        drop = Math.min(drop, stored / 2);
        if (drop <= 0) {
            return;
        }
        for (int c = 0; c < channels; c++) {
            int at = c * capacity;
            System.arraycopy(even, at + drop, even, at, pairsStored - drop);
            System.arraycopy(odd, at + drop, odd, at, pairsStored - drop);
        }
        firstPair += drop;
        stored -= 2 * drop;
    }

    /** Decodes and de-interleaves {@code frames} (at most {@link #room()}) into the stage. */
    void decode(DirectBuffer in, int offset, SampleFormat format, int frames) {
        int ch = channels;
        if (ch == 1 && format == SampleFormat.F32) {
            decodeMonoF32(in, offset, frames);
            return;
        }
        int bytes = format.bytesPerSample();
        int frameBytes = bytes * ch;
        for (int c = 0; c < ch; c++) {
            int base = c * capacity;
            for (int parity = 0; parity < 2; parity++) {
                // input frame i lands at position stored + i: even positions in even[], odd in odd[]
                int first = (stored & 1) == parity ? 0 : 1;
                float[] dst = parity == 0 ? even : odd;
                int d = base + (stored + first) / 2;
                int src = offset + c * bytes + first * frameBytes;
                int step = 2 * frameBytes;
                switch (format) {
                    case F32 -> {
                        for (int i = first; i < frames; i += 2, src += step) {
                            dst[d++] = in.getFloat(src, LE);
                        }
                    }
                    case I16 -> {
                        for (int i = first; i < frames; i += 2, src += step) {
                            dst[d++] = in.getShort(src, LE) * (1.0f / 32768f);
                        }
                    }
                    case I32 -> {
                        for (int i = first; i < frames; i += 2, src += step) {
                            dst[d++] = (float) (in.getInt(src, LE) * (1.0 / 2147483648.0));
                        }
                    }
                    default -> throw new AssertionError(format);
                }
            }
        }
        stored += frames;
    }

    /**
     * Mono F32, the common case. On a little-endian machine the samples are copied as they are
     * into {@link #stage} (one bounds check for the whole input, then a memory copy) and split
     * into even and odd with two-vector lane selections, LANES pairs at a time; the rest, one
     * 8-byte read per (even, odd) pair. The same floats either way.
     */
    private void decodeMonoF32(DirectBuffer in, int offset, int frames) {
        int i = 0;
        int pos = stored;
        if ((pos & 1) == 1 && frames > 0) {
            odd[pos / 2] = in.getFloat(offset, LE);
            i++;
            pos++;
        }
        int d = pos / 2;
        float[] e = even;
        float[] o = odd;
        int span = 2 * LANES;
        if (NATIVE_LE && frames - i >= span) {
            in.boundsCheck(offset, 4 * frames);
            byte[] array = in.byteArray();
            long address = in.addressOffset() + offset;
            float[] st = stage;
            while (frames - i >= span) {
                int chunk = Math.min(STAGE, (frames - i) / span * span);
                UnsafeApi.copyMemory(array, address + 4L * i, st, FLOAT_BASE, 4L * chunk);
                for (int k = 0; k < chunk; k += span, d += LANES) {
                    FloatVector v0 = FloatVector.fromArray(FLOATS, st, k);
                    FloatVector v1 = FloatVector.fromArray(FLOATS, st, k + LANES);
                    EVEN_LANES.selectFrom(v0, v1).intoArray(e, d);
                    ODD_LANES.selectFrom(v0, v1).intoArray(o, d);
                }
                i += chunk;
            }
        }
        for (; i + 1 < frames; i += 2, d++) {
            long v = in.getLong(offset + 4 * i, LE);
            e[d] = Float.intBitsToFloat((int) v);
            o[d] = Float.intBitsToFloat((int) (v >>> 32));
        }
        if (i < frames) {
            e[d] = in.getFloat(offset + 4 * i, LE);
        }
        stored += frames;
    }

    /** Appends {@code frames} zero input frames (at most {@link #room()}): the stream's end. */
    void zeros(int frames) {
        for (int c = 0; c < channels; c++) {
            int base = c * capacity;
            Arrays.fill(even, base + (stored + 1) / 2, base + (stored + frames + 1) / 2, 0f);
            Arrays.fill(odd, base + stored / 2, base + (stored + frames) / 2, 0f);
        }
        stored += frames;
    }

    /**
     * Writes up to {@code max} ready outputs per channel into {@code dst} (channel c at
     * {@code c * stride + at}); returns how many.
     */
    int produce(float[] dst, int stride, int at, int max) {
        // output j is ready once input 2j + 2P - 1 is stored
        long lastStored = 2 * firstPair + stored - 1;
        long ready = Math.floorDiv(lastStored - 2 * pairs + 1, 2) + 1 - next;
        int count = (int) Math.min(max, Math.max(0, ready));
        if (count == 0) {
            return 0;
        }
        int q0 = (int) (next - firstPair);
        for (int c = 0; c < channels; c++) {
            int base = c * capacity;
            int out = c * stride + at;
            int k = 0;
            for (; k + LANES <= count; k += LANES) {
                block(base + q0 + k, dst, out + k);
            }
            for (; k < count; k++) {
                dst[out + k] = one(base + q0 + k);
            }
        }
        next += count;
        return count;
    }

    /** LANES consecutive outputs, even[q..] and odd[q - P ..] onwards. */
    private void block(int q, float[] dst, int to) {
        float[] o = odd;
        float[] c = g;
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0, a2 = a0, a3 = a0;
        for (int i = 1; i <= pairs; i += 4) {
            a0 = FloatVector.fromArray(FLOATS, o, q - i).add(FloatVector.fromArray(FLOATS, o, q + i - 1))
                    .fma(FloatVector.broadcast(FLOATS, c[i - 1]), a0);
            a1 = FloatVector.fromArray(FLOATS, o, q - i - 1).add(FloatVector.fromArray(FLOATS, o, q + i))
                    .fma(FloatVector.broadcast(FLOATS, c[i]), a1);
            a2 = FloatVector.fromArray(FLOATS, o, q - i - 2).add(FloatVector.fromArray(FLOATS, o, q + i + 1))
                    .fma(FloatVector.broadcast(FLOATS, c[i + 1]), a2);
            a3 = FloatVector.fromArray(FLOATS, o, q - i - 3).add(FloatVector.fromArray(FLOATS, o, q + i + 2))
                    .fma(FloatVector.broadcast(FLOATS, c[i + 2]), a3);
        }
        FloatVector centre = FloatVector.fromArray(FLOATS, even, q).mul(0.5f);
        a0.add(a1).add(a2.add(a3)).add(centre).intoArray(dst, to);
    }

    /** One lane of {@link #block}, bit-identical. */
    private float one(int q) {
        float[] o = odd;
        float[] c = g;
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
        for (int i = 1; i <= pairs; i += 4) {
            a0 = Math.fma(o[q - i] + o[q + i - 1], c[i - 1], a0);
            a1 = Math.fma(o[q - i - 1] + o[q + i], c[i], a1);
            a2 = Math.fma(o[q - i - 2] + o[q + i + 1], c[i + 1], a2);
            a3 = Math.fma(o[q - i - 3] + o[q + i + 2], c[i + 2], a3);
        }
        return ((a0 + a1) + (a2 + a3)) + even[q] * 0.5f;
    }

    long memoryBytes() {
        return 4L * (even.length + odd.length + g.length + stage.length);
    }
}
