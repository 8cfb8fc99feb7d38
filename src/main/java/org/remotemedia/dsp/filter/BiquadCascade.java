package org.remotemedia.dsp.filter;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.SampleArrays;

/**
 * A cascade of second-order IIR sections run on interleaved audio of any channel count, in
 * double precision, writing F32. Zero latency; the output has as many frames as the input.
 *
 * <p>How it is fast: a biquad is a recursion, so one sample waits for the previous one. For
 * up to as many channels as a vector has lanes (8 doubles with AVX-512) the recursion is
 * unrolled over a block of {@code fpb = floor(lanes / channels)} frames (lanes past
 * fpb x channels compute zeros and are overwritten by the next block): each output lane of a block
 * is a short FIR over the block's inputs plus the exact zero-input response of the filter
 * state before the block (the previous two inputs and outputs, in direct form I). The only
 * serial dependency left is one permute and two FMAs per block of 8 samples; the FIR part
 * runs ahead. More channels than lanes use a scalar transposed direct form II.
 *
 * <p>Why streaming is bit-exact: blocks are aligned to the stream's first frame. A chunk
 * that ends inside a block computes that block with whatever follows in the scratch (a lane
 * only ever reads inputs at or before its own frame, and the coefficients of later frames are
 * exact zeros), emits only its valid frames, and keeps them pending without advancing the
 * state; the next chunk recomputes the whole block. Every emitted value is therefore computed
 * by the same operations whatever the chunking.
 *
 * <p>Not thread-safe: owned by the node instance, run by one thread at a time.
 */
public final class BiquadCascade {
    private static final VectorSpecies<Double> D = SampleArrays.D;
    private static final int VL = D.length();
    /** Frames per working block: small enough that every stage's buffer stays in L1. */
    static final int SUB = 256;

    private final int channels;
    private final int stages;
    private final double[][] sections;
    private final boolean vector;
    private final int fpb;
    private final int hist;
    private final int diags;
    private final double[][] buf;
    private final double[] coef;
    private final double[] yPrev;
    private final double[] yPrev2;
    private final VectorShuffle<Double> s1;
    private final VectorShuffle<Double> s2;
    private final double[] z;
    private int pending;

    /**
     * @param sections each {b0, b1, b2, a1, a2}, normalised so that a0 = 1
     * @param channels interleaved channels, 1..64
     */
    public BiquadCascade(double[][] sections, int channels) {
        this(sections, channels, channels <= VL);
    }

    /** As above; {@code vector} false forces the scalar form (tests compare the two). */
    BiquadCascade(double[][] sections, int channels, boolean vector) {
        if (sections.length == 0 || channels < 1) {
            throw new IllegalArgumentException("need at least one section and one channel");
        }
        this.channels = channels;
        this.stages = sections.length;
        this.sections = new double[stages][];
        for (int k = 0; k < stages; k++) {
            this.sections[k] = sections[k].clone();
        }
        this.vector = vector && channels <= VL;
        this.fpb = this.vector ? VL / channels : 1;
        this.hist = this.vector ? fpb + 1 : 0;
        this.diags = fpb + 2;
        this.buf = new double[stages + 1][(hist + SUB) * channels + VL];
        if (this.vector) {
            coef = new double[stages * (diags + 2) * VL];
            for (int k = 0; k < stages; k++) {
                fillCoefficients(this.sections[k], k * (diags + 2) * VL);
            }
            yPrev = new double[stages * VL];
            yPrev2 = new double[stages * VL];
            int[] i1 = new int[VL];
            int[] i2 = new int[VL];
            for (int i = 0; i < VL; i++) {
                i1[i] = Math.min(VL - 1, (fpb - 1) * channels + i % channels);
                i2[i] = fpb >= 2 ? (fpb - 2) * channels + i % channels : i;
            }
            s1 = VectorShuffle.fromArray(D, i1, 0);
            s2 = VectorShuffle.fromArray(D, i2, 0);
            z = null;
        } else {
            coef = null;
            yPrev = null;
            yPrev2 = null;
            s1 = null;
            s2 = null;
            z = new double[stages * channels * 2];
        }
    }

    /**
     * Direct form I responses over one block: lane i (frame f = i / channels) gets
     * y[f] = sum_d c_d * x[f - d] + gy1[f] * y[-1] + gy2[f] * y[-2], where c_d is the impulse
     * response for d <= f and the response to x[-1] / x[-2] for d = f + 1 / f + 2.
     */
    private void fillCoefficients(double[] s, int at) {
        double[] h = respond(s, 1, 0, 0, 0, 0);
        double[] gx1 = respond(s, 0, 1, 0, 0, 0);
        double[] gx2 = respond(s, 0, 0, 1, 0, 0);
        double[] gy1 = respond(s, 0, 0, 0, 1, 0);
        double[] gy2 = respond(s, 0, 0, 0, 0, 1);
        for (int i = 0; i < VL; i++) {
            int f = i / channels;
            if (f >= fpb) { // a lane beyond the block's fpb x channels: computes a harmless 0
                continue;
            }
            for (int d = 0; d < diags; d++) {
                double c = d <= f ? h[d] : d == f + 1 ? gx1[f] : d == f + 2 ? gx2[f] : 0.0;
                coef[at + d * VL + i] = c;
            }
            coef[at + diags * VL + i] = gy1[f];
            coef[at + (diags + 1) * VL + i] = gy2[f];
        }
    }

    /** The first fpb outputs of one section for input x[0] = impulse (else 0) and the given initial state. */
    private double[] respond(double[] s, double impulse, double x1, double x2, double y1, double y2) {
        double[] y = new double[Math.max(fpb, diags)];
        double xm1 = x1;
        double xm2 = x2;
        double ym1 = y1;
        double ym2 = y2;
        for (int n = 0; n < y.length; n++) {
            double x = n == 0 ? impulse : 0.0;
            double v = s[0] * x + s[1] * xm1 + s[2] * xm2 - s[3] * ym1 - s[4] * ym2;
            y[n] = v;
            xm2 = xm1;
            xm1 = x;
            ym2 = ym1;
            ym1 = v;
        }
        return y;
    }

    public int channels() {
        return channels;
    }

    /** Heap bytes of state and working blocks. */
    public long stateBytes() {
        long b = 8L * buf.length * buf[0].length;
        if (vector) {
            b += 8L * (coef.length + yPrev.length + yPrev2.length);
        } else {
            b += 8L * z.length;
        }
        return b;
    }

    /** Filters {@code frames} frames of {@code in} (any format) into F32 at {@code out}; returns frames written. */
    public int process(DirectBuffer in, int inOff, SampleFormat f, int frames, MutableDirectBuffer out, int outOff) {
        int c = channels;
        int bps = f.bytesPerSample();
        int done = 0;
        int written = 0;
        int r = pending;
        while (done < frames) {
            int take = Math.min(frames - done, SUB - r);
            SampleArrays.toDoubles(in, inOff + done * c * bps, f, take * c, buf[0], (hist + r) * c);
            done += take;
            int total = r + take;
            int full = total - total % fpb;
            int rem = total - full;
            for (int k = 0; k < stages; k++) {
                if (vector) {
                    runVector(k, full / fpb, rem > 0);
                } else {
                    runScalar(k, total);
                }
            }
            SampleArrays.toF32(buf[stages], (hist + r) * c, (total - r) * c, out, outOff + written * c * 4);
            written += total - r;
            if (vector) {
                System.arraycopy(buf[0], full * c, buf[0], 0, (hist + rem) * c);
                for (int k = 1; k < stages; k++) {
                    System.arraycopy(buf[k], full * c, buf[k], 0, hist * c);
                }
            }
            r = rem;
        }
        pending = r;
        return written;
    }

    /** For A/B benchmarks only: -Drm.iir.generic=true runs every channel count through the generic loop. */
    static final boolean GENERIC_ONLY = Boolean.getBoolean("rm.iir.generic");

    private void runVector(int k, int blocks, boolean partial) {
        if (VL == 8 && !GENERIC_ONLY) {
            if (channels == 1) {
                runMono8(k, blocks, partial);
                return;
            }
            if (channels == 2) {
                runStereo8(k, blocks, partial);
                return;
            }
            if (fpb == 2) {
                runTwoFrames(k, blocks, partial);
                return;
            }
            if (fpb == 1) {
                runOneFrame(k, blocks, partial);
                return;
            }
        }
        double[] x = buf[k];
        double[] y = buf[k + 1];
        double[] cf = coef;
        int cb = k * (diags + 2) * VL;
        int c = channels;
        int step = fpb * c;
        int nd = diags;
        DoubleVector ay1 = DoubleVector.fromArray(D, cf, cb + nd * VL);
        DoubleVector ay2 = DoubleVector.fromArray(D, cf, cb + (nd + 1) * VL);
        DoubleVector yp = DoubleVector.fromArray(D, yPrev, k * VL);
        DoubleVector yp2 = DoubleVector.fromArray(D, yPrev2, k * VL);
        boolean twoFrames = fpb >= 2;
        int at = hist * c;
        int end = at + (blocks + (partial ? 1 : 0)) * step;
        int fullEnd = at + blocks * step;
        for (; at < end; at += step) {
            DoubleVector acc = DoubleVector.fromArray(D, x, at).mul(DoubleVector.fromArray(D, cf, cb));
            for (int d = 1; d < nd; d++) {
                acc = DoubleVector.fromArray(D, x, at - d * c).fma(DoubleVector.fromArray(D, cf, cb + d * VL), acc);
            }
            DoubleVector older = twoFrames ? yp.rearrange(s2) : yp2;
            acc = yp.rearrange(s1).fma(ay1, acc);
            acc = older.fma(ay2, acc);
            acc.intoArray(y, at);
            if (at < fullEnd) {
                yp2 = yp;
                yp = acc;
            }
        }
        yp.intoArray(yPrev, k * VL);
        yp2.intoArray(yPrev2, k * VL);
    }

    /**
     * {@link #runVector} for one channel and 8 lanes (the common case), with the 10 diagonal
     * and 2 state coefficient vectors held in registers: the JIT cannot hoist their loads out
     * of the generic loop because coefficient and signal arrays are both double[] and might
     * alias. Same operations in the same order, so the same bits.
     */
    private void runMono8(int k, int blocks, boolean partial) {
        double[] x = buf[k];
        double[] y = buf[k + 1];
        double[] cf = coef;
        int cb = k * 12 * 8;
        DoubleVector c0 = DoubleVector.fromArray(D, cf, cb);
        DoubleVector c1 = DoubleVector.fromArray(D, cf, cb + 8);
        DoubleVector c2 = DoubleVector.fromArray(D, cf, cb + 16);
        DoubleVector c3 = DoubleVector.fromArray(D, cf, cb + 24);
        DoubleVector c4 = DoubleVector.fromArray(D, cf, cb + 32);
        DoubleVector c5 = DoubleVector.fromArray(D, cf, cb + 40);
        DoubleVector c6 = DoubleVector.fromArray(D, cf, cb + 48);
        DoubleVector c7 = DoubleVector.fromArray(D, cf, cb + 56);
        DoubleVector c8 = DoubleVector.fromArray(D, cf, cb + 64);
        DoubleVector c9 = DoubleVector.fromArray(D, cf, cb + 72);
        DoubleVector ay1 = DoubleVector.fromArray(D, cf, cb + 80);
        DoubleVector ay2 = DoubleVector.fromArray(D, cf, cb + 88);
        DoubleVector yp = DoubleVector.fromArray(D, yPrev, k * 8);
        int at = hist;
        int end = at + (blocks + (partial ? 1 : 0)) * 8;
        int fullEnd = at + blocks * 8;
        for (; at < end; at += 8) {
            DoubleVector acc = DoubleVector.fromArray(D, x, at).mul(c0);
            acc = DoubleVector.fromArray(D, x, at - 1).fma(c1, acc);
            acc = DoubleVector.fromArray(D, x, at - 2).fma(c2, acc);
            acc = DoubleVector.fromArray(D, x, at - 3).fma(c3, acc);
            acc = DoubleVector.fromArray(D, x, at - 4).fma(c4, acc);
            acc = DoubleVector.fromArray(D, x, at - 5).fma(c5, acc);
            acc = DoubleVector.fromArray(D, x, at - 6).fma(c6, acc);
            acc = DoubleVector.fromArray(D, x, at - 7).fma(c7, acc);
            acc = DoubleVector.fromArray(D, x, at - 8).fma(c8, acc);
            acc = DoubleVector.fromArray(D, x, at - 9).fma(c9, acc);
            DoubleVector older = yp.rearrange(s2);
            acc = yp.rearrange(s1).fma(ay1, acc);
            acc = older.fma(ay2, acc);
            acc.intoArray(y, at);
            if (at < fullEnd) {
                yp = acc;
            }
        }
        yp.intoArray(yPrev, k * 8);
    }

    /** {@link #runMono8} for two channels: blocks of 4 frames, 6 diagonals. */
    private void runStereo8(int k, int blocks, boolean partial) {
        double[] x = buf[k];
        double[] y = buf[k + 1];
        double[] cf = coef;
        int cb = k * 8 * 8;
        DoubleVector c0 = DoubleVector.fromArray(D, cf, cb);
        DoubleVector c1 = DoubleVector.fromArray(D, cf, cb + 8);
        DoubleVector c2 = DoubleVector.fromArray(D, cf, cb + 16);
        DoubleVector c3 = DoubleVector.fromArray(D, cf, cb + 24);
        DoubleVector c4 = DoubleVector.fromArray(D, cf, cb + 32);
        DoubleVector c5 = DoubleVector.fromArray(D, cf, cb + 40);
        DoubleVector ay1 = DoubleVector.fromArray(D, cf, cb + 48);
        DoubleVector ay2 = DoubleVector.fromArray(D, cf, cb + 56);
        DoubleVector yp = DoubleVector.fromArray(D, yPrev, k * 8);
        int at = hist * 2;
        int end = at + (blocks + (partial ? 1 : 0)) * 8;
        int fullEnd = at + blocks * 8;
        for (; at < end; at += 8) {
            DoubleVector acc = DoubleVector.fromArray(D, x, at).mul(c0);
            acc = DoubleVector.fromArray(D, x, at - 2).fma(c1, acc);
            acc = DoubleVector.fromArray(D, x, at - 4).fma(c2, acc);
            acc = DoubleVector.fromArray(D, x, at - 6).fma(c3, acc);
            acc = DoubleVector.fromArray(D, x, at - 8).fma(c4, acc);
            acc = DoubleVector.fromArray(D, x, at - 10).fma(c5, acc);
            DoubleVector older = yp.rearrange(s2);
            acc = yp.rearrange(s1).fma(ay1, acc);
            acc = older.fma(ay2, acc);
            acc.intoArray(y, at);
            if (at < fullEnd) {
                yp = acc;
            }
        }
        yp.intoArray(yPrev, k * 8);
    }

    /** {@link #runMono8} for 3 or 4 channels: blocks of 2 frames, 4 diagonals. */
    private void runTwoFrames(int k, int blocks, boolean partial) {
        double[] x = buf[k];
        double[] y = buf[k + 1];
        double[] cf = coef;
        int c = channels;
        int cb = k * 6 * 8;
        DoubleVector c0 = DoubleVector.fromArray(D, cf, cb);
        DoubleVector c1 = DoubleVector.fromArray(D, cf, cb + 8);
        DoubleVector c2 = DoubleVector.fromArray(D, cf, cb + 16);
        DoubleVector c3 = DoubleVector.fromArray(D, cf, cb + 24);
        DoubleVector ay1 = DoubleVector.fromArray(D, cf, cb + 32);
        DoubleVector ay2 = DoubleVector.fromArray(D, cf, cb + 40);
        DoubleVector yp = DoubleVector.fromArray(D, yPrev, k * 8);
        int step = 2 * c;
        int at = hist * c;
        int end = at + (blocks + (partial ? 1 : 0)) * step;
        int fullEnd = at + blocks * step;
        for (; at < end; at += step) {
            DoubleVector acc = DoubleVector.fromArray(D, x, at).mul(c0);
            acc = DoubleVector.fromArray(D, x, at - c).fma(c1, acc);
            acc = DoubleVector.fromArray(D, x, at - 2 * c).fma(c2, acc);
            acc = DoubleVector.fromArray(D, x, at - 3 * c).fma(c3, acc);
            DoubleVector older = yp.rearrange(s2);
            acc = yp.rearrange(s1).fma(ay1, acc);
            acc = older.fma(ay2, acc);
            acc.intoArray(y, at);
            if (at < fullEnd) {
                yp = acc;
            }
        }
        yp.intoArray(yPrev, k * 8);
    }

    /** {@link #runMono8} for 5 to 8 channels: blocks of 1 frame, 3 diagonals, y[-2] from the block before. */
    private void runOneFrame(int k, int blocks, boolean partial) {
        double[] x = buf[k];
        double[] y = buf[k + 1];
        double[] cf = coef;
        int c = channels;
        int cb = k * 5 * 8;
        DoubleVector c0 = DoubleVector.fromArray(D, cf, cb);
        DoubleVector c1 = DoubleVector.fromArray(D, cf, cb + 8);
        DoubleVector c2 = DoubleVector.fromArray(D, cf, cb + 16);
        DoubleVector ay1 = DoubleVector.fromArray(D, cf, cb + 24);
        DoubleVector ay2 = DoubleVector.fromArray(D, cf, cb + 32);
        DoubleVector yp = DoubleVector.fromArray(D, yPrev, k * 8);
        DoubleVector yp2 = DoubleVector.fromArray(D, yPrev2, k * 8);
        int at = hist * c;
        int end = at + (blocks + (partial ? 1 : 0)) * c;
        int fullEnd = at + blocks * c;
        for (; at < end; at += c) {
            DoubleVector acc = DoubleVector.fromArray(D, x, at).mul(c0);
            acc = DoubleVector.fromArray(D, x, at - c).fma(c1, acc);
            acc = DoubleVector.fromArray(D, x, at - 2 * c).fma(c2, acc);
            acc = yp.rearrange(s1).fma(ay1, acc);
            acc = yp2.fma(ay2, acc);
            acc.intoArray(y, at);
            if (at < fullEnd) {
                yp2 = yp;
                yp = acc;
            }
        }
        yp.intoArray(yPrev, k * 8);
        yp2.intoArray(yPrev2, k * 8);
    }

    private void runScalar(int k, int frames) {
        double[] x = buf[k];
        double[] y = buf[k + 1];
        double[] s = sections[k];
        double b0 = s[0];
        double b1 = s[1];
        double b2 = s[2];
        double a1 = s[3];
        double a2 = s[4];
        int c = channels;
        for (int ch = 0; ch < c; ch++) {
            int zi = (k * c + ch) * 2;
            double z1 = z[zi];
            double z2 = z[zi + 1];
            for (int i = ch, n = frames * c; i < n; i += c) {
                double v = x[i];
                double o = b0 * v + z1;
                z1 = b1 * v - a1 * o + z2;
                z2 = b2 * v - a2 * o;
                y[i] = o;
            }
            z[zi] = z1;
            z[zi + 1] = z2;
        }
    }

    /** Back to rest (zero state, nothing pending). */
    public void reset() {
        pending = 0;
        for (double[] b : buf) {
            java.util.Arrays.fill(b, 0.0);
        }
        if (vector) {
            java.util.Arrays.fill(yPrev, 0.0);
            java.util.Arrays.fill(yPrev2, 0.0);
        } else {
            java.util.Arrays.fill(z, 0.0);
        }
    }

    boolean isVector() {
        return vector;
    }
}
