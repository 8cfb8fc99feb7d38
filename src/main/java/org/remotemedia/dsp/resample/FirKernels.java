package org.remotemedia.dsp.resample;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inner products of the converter, all in float with split accumulators. Across taps (every
 * ratio): 16 lanes x 4 accumulators with AVX-512, so each lane sums only a handful of taps,
 * products are fused into the adds (one rounding per tap, relative to a small partial sum), and
 * the partial sums meet in a short fixed tree. Across time (integer upsampling): one lane per
 * output, taps round-robin over 8 accumulators. Measured cost against the double-accumulating
 * reference: 1-7 dB of THD+N at -145 dB (docs/resampler.md), for 2-3x the speed
 * (DotKernelBenchmark).
 *
 * <p>Determinism: lane j of each accumulator always sums the same taps in the same order, and
 * the lanes are added in a fixed tree of rearranges and lanewise adds (exact IEEE operations in
 * the JIT intrinsic and the interpreter alike; never {@code reduceLanes}, whose order is
 * unspecified), so a result depends only on the values, never on where the window sits in the
 * history or how the stream was chunked.
 *
 * <p>The vector kernels keep their reduction inline: a helper that C2 declines to inline would
 * box its vector argument on every call.
 *
 * <p>Stateless apart from the caller's scratch array; safe from any thread.
 */
final class FirKernels {
    /** The machine's vectors, at most 16 floats (taps are padded to a multiple of 16). */
    static final VectorSpecies<Float> FLOATS =
            FloatVector.SPECIES_PREFERRED.length() > FilterBank.PAD ? FloatVector.SPECIES_512 : FloatVector.SPECIES_PREFERRED;
    static final int LANES = FLOATS.length();
    /** Scratch length (doubles) a caller passes to the multi-output kernels. */
    static final int SCRATCH = 4;

    // rotations by 8, 4, 2, 1 lanes (16-lane vectors; narrower shapes use what applies):
    // constants the JIT folds (elements of an array would not be)
    private static final VectorShuffle<Float> ROT8 = rotation(8);
    private static final VectorShuffle<Float> ROT4 = rotation(4);
    private static final VectorShuffle<Float> ROT2 = rotation(2);
    private static final VectorShuffle<Float> ROT1 = rotation(1);

    // dot4's transposed reduction (16 lanes): masks of lanes 8..15 and of lanes 4..7, 12..15;
    // the swap of lane quads 0..3 <-> 4..7 (and 8..11 <-> 12..15); lane i <-> i ^ 2, i <-> i ^ 1
    private static final VectorMask<Float> HI8 = laneMask(8);
    private static final VectorMask<Float> HI4 = laneMask(4);
    private static final VectorShuffle<Float> XOR4 = xor(4);
    private static final VectorShuffle<Float> XOR2 = xor(2);
    private static final VectorShuffle<Float> XOR1 = xor(1);

    private FirKernels() {}

    /** Lanes whose index has bit {@code bit} set. */
    private static VectorMask<Float> laneMask(int bit) {
        boolean[] set = new boolean[LANES];
        for (int i = 0; i < LANES; i++) {
            set[i] = (i & bit) != 0;
        }
        return VectorMask.fromArray(FLOATS, set, 0);
    }

    private static VectorShuffle<Float> xor(int bit) {
        int[] idx = new int[LANES];
        for (int i = 0; i < LANES; i++) {
            idx[i] = (i ^ bit) % LANES;
        }
        return VectorShuffle.fromArray(FLOATS, idx, 0);
    }

    private static VectorShuffle<Float> rotation(int by) {
        return VectorShuffle.iota(FLOATS, by % LANES, 1, true);
    }

    /** Sum of x[xo + i] * h[ho + i] for i in [0, n), in double, one tap after another (reference). */
    static double dotScalar(float[] x, int xo, float[] h, int ho, int n) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            s += (double) x[xo + i] * h[ho + i];
        }
        return s;
    }

    /** Interpolated-phase product, scalar reference: (x . h) + mu (x . d). */
    static double dotInterpolatedScalar(float[] x, int xo, float[] h, float[] d, int ho, int n, double mu) {
        double s = 0.0;
        double t = 0.0;
        for (int i = 0; i < n; i++) {
            s += (double) x[xo + i] * h[ho + i];
            t += (double) x[xo + i] * d[ho + i];
        }
        return s + mu * t;
    }

    /** x . h over n taps (n a multiple of {@link FilterBank#PAD}), four accumulators. */
    static float dot(float[] x, int xo, float[] h, int ho, int n) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int l = LANES;
        int i = 0;
        for (; i <= n - 4 * l; i += 4 * l) {
            a0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(FloatVector.fromArray(FLOATS, h, ho + i), a0);
            a1 = FloatVector.fromArray(FLOATS, x, xo + i + l).fma(FloatVector.fromArray(FLOATS, h, ho + i + l), a1);
            a2 = FloatVector.fromArray(FLOATS, x, xo + i + 2 * l).fma(FloatVector.fromArray(FLOATS, h, ho + i + 2 * l), a2);
            a3 = FloatVector.fromArray(FLOATS, x, xo + i + 3 * l).fma(FloatVector.fromArray(FLOATS, h, ho + i + 3 * l), a3);
        }
        for (; i < n; i += l) {
            a0 = FloatVector.fromArray(FLOATS, x, xo + i).fma(FloatVector.fromArray(FLOATS, h, ho + i), a0);
        }
        FloatVector v = a0.add(a1).add(a2.add(a3));
        if (l >= 16) {
            v = v.add(v.rearrange(ROT8));
        }
        if (l >= 8) {
            v = v.add(v.rearrange(ROT4));
        }
        if (l >= 4) {
            v = v.add(v.rearrange(ROT2));
        }
        if (l >= 2) {
            v = v.add(v.rearrange(ROT1));
        }
        return v.lane(0);
    }

    /**
     * Two independent products in one loop (two outputs of a mono stream, or two channels of one
     * output): twice the independent FMA chains, whereas a single short product is bound by the
     * latency of its chain and reduction. Results in scratch[0] and scratch[1], each bit-identical
     * to what {@link #dot} returns for the same arguments.
     */
    static void dot2(float[] x, int xa, float[] h, int ha, int xb, int hb, int n, double[] scratch) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        int l = LANES;
        int i = 0;
        for (; i <= n - 4 * l; i += 4 * l) {
            a0 = FloatVector.fromArray(FLOATS, x, xa + i).fma(FloatVector.fromArray(FLOATS, h, ha + i), a0);
            b0 = FloatVector.fromArray(FLOATS, x, xb + i).fma(FloatVector.fromArray(FLOATS, h, hb + i), b0);
            a1 = FloatVector.fromArray(FLOATS, x, xa + i + l).fma(FloatVector.fromArray(FLOATS, h, ha + i + l), a1);
            b1 = FloatVector.fromArray(FLOATS, x, xb + i + l).fma(FloatVector.fromArray(FLOATS, h, hb + i + l), b1);
            a2 = FloatVector.fromArray(FLOATS, x, xa + i + 2 * l).fma(FloatVector.fromArray(FLOATS, h, ha + i + 2 * l), a2);
            b2 = FloatVector.fromArray(FLOATS, x, xb + i + 2 * l).fma(FloatVector.fromArray(FLOATS, h, hb + i + 2 * l), b2);
            a3 = FloatVector.fromArray(FLOATS, x, xa + i + 3 * l).fma(FloatVector.fromArray(FLOATS, h, ha + i + 3 * l), a3);
            b3 = FloatVector.fromArray(FLOATS, x, xb + i + 3 * l).fma(FloatVector.fromArray(FLOATS, h, hb + i + 3 * l), b3);
        }
        for (; i < n; i += l) {
            a0 = FloatVector.fromArray(FLOATS, x, xa + i).fma(FloatVector.fromArray(FLOATS, h, ha + i), a0);
            b0 = FloatVector.fromArray(FLOATS, x, xb + i).fma(FloatVector.fromArray(FLOATS, h, hb + i), b0);
        }
        FloatVector v = a0.add(a1).add(a2.add(a3));
        FloatVector w = b0.add(b1).add(b2.add(b3));
        if (l >= 16) {
            v = v.add(v.rearrange(ROT8));
            w = w.add(w.rearrange(ROT8));
        }
        if (l >= 8) {
            v = v.add(v.rearrange(ROT4));
            w = w.add(w.rearrange(ROT4));
        }
        if (l >= 4) {
            v = v.add(v.rearrange(ROT2));
            w = w.add(w.rearrange(ROT2));
        }
        if (l >= 2) {
            v = v.add(v.rearrange(ROT1));
            w = w.add(w.rearrange(ROT1));
        }
        scratch[0] = v.lane(0);
        scratch[1] = w.lane(0);
    }

    /**
     * Four independent products in one loop, each bit-identical to {@link #dot}; results in
     * scratch[0..3]. For short windows, where the per-output reduction dominates.
     */
    static void dot4(float[] x, float[] h, int n, int xa, int ha, int xb, int hb, int xc, int hc, int xd, int hd,
                     double[] scratch) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, d0 = a0, d1 = a0, d2 = a0, d3 = a0;
        int l = LANES;
        int i = 0;
        for (; i <= n - 4 * l; i += 4 * l) {
            a0 = FloatVector.fromArray(FLOATS, x, xa + i).fma(FloatVector.fromArray(FLOATS, h, ha + i), a0);
            b0 = FloatVector.fromArray(FLOATS, x, xb + i).fma(FloatVector.fromArray(FLOATS, h, hb + i), b0);
            c0 = FloatVector.fromArray(FLOATS, x, xc + i).fma(FloatVector.fromArray(FLOATS, h, hc + i), c0);
            d0 = FloatVector.fromArray(FLOATS, x, xd + i).fma(FloatVector.fromArray(FLOATS, h, hd + i), d0);
            a1 = FloatVector.fromArray(FLOATS, x, xa + i + l).fma(FloatVector.fromArray(FLOATS, h, ha + i + l), a1);
            b1 = FloatVector.fromArray(FLOATS, x, xb + i + l).fma(FloatVector.fromArray(FLOATS, h, hb + i + l), b1);
            c1 = FloatVector.fromArray(FLOATS, x, xc + i + l).fma(FloatVector.fromArray(FLOATS, h, hc + i + l), c1);
            d1 = FloatVector.fromArray(FLOATS, x, xd + i + l).fma(FloatVector.fromArray(FLOATS, h, hd + i + l), d1);
            a2 = FloatVector.fromArray(FLOATS, x, xa + i + 2 * l).fma(FloatVector.fromArray(FLOATS, h, ha + i + 2 * l), a2);
            b2 = FloatVector.fromArray(FLOATS, x, xb + i + 2 * l).fma(FloatVector.fromArray(FLOATS, h, hb + i + 2 * l), b2);
            c2 = FloatVector.fromArray(FLOATS, x, xc + i + 2 * l).fma(FloatVector.fromArray(FLOATS, h, hc + i + 2 * l), c2);
            d2 = FloatVector.fromArray(FLOATS, x, xd + i + 2 * l).fma(FloatVector.fromArray(FLOATS, h, hd + i + 2 * l), d2);
            a3 = FloatVector.fromArray(FLOATS, x, xa + i + 3 * l).fma(FloatVector.fromArray(FLOATS, h, ha + i + 3 * l), a3);
            b3 = FloatVector.fromArray(FLOATS, x, xb + i + 3 * l).fma(FloatVector.fromArray(FLOATS, h, hb + i + 3 * l), b3);
            c3 = FloatVector.fromArray(FLOATS, x, xc + i + 3 * l).fma(FloatVector.fromArray(FLOATS, h, hc + i + 3 * l), c3);
            d3 = FloatVector.fromArray(FLOATS, x, xd + i + 3 * l).fma(FloatVector.fromArray(FLOATS, h, hd + i + 3 * l), d3);
        }
        for (; i < n; i += l) {
            a0 = FloatVector.fromArray(FLOATS, x, xa + i).fma(FloatVector.fromArray(FLOATS, h, ha + i), a0);
            b0 = FloatVector.fromArray(FLOATS, x, xb + i).fma(FloatVector.fromArray(FLOATS, h, hb + i), b0);
            c0 = FloatVector.fromArray(FLOATS, x, xc + i).fma(FloatVector.fromArray(FLOATS, h, hc + i), c0);
            d0 = FloatVector.fromArray(FLOATS, x, xd + i).fma(FloatVector.fromArray(FLOATS, h, hd + i), d0);
        }
        FloatVector v = a0.add(a1).add(a2.add(a3));
        FloatVector w = b0.add(b1).add(b2.add(b3));
        FloatVector y = c0.add(c1).add(c2.add(c3));
        FloatVector z = d0.add(d1).add(d2.add(d3));
        if (l == 16) {
            // the same pairs as dot's rotation tree, four products at once: lanes i and i + 8
            // (v in lanes 0..7, w in 8..15; y and z likewise), then i and i + 4, i + 2, i + 1
            FloatVector p = v.blend(w, HI8).add(w.blend(v, HI8).rearrange(ROT8));
            FloatVector q = y.blend(z, HI8).add(z.blend(y, HI8).rearrange(ROT8));
            // lanes 0..3: v, 4..7: y, 8..11: w, 12..15: z
            FloatVector r = p.blend(q, HI4).add(q.blend(p, HI4).rearrange(XOR4));
            r = r.add(r.rearrange(XOR2));
            r = r.add(r.rearrange(XOR1));
            scratch[0] = r.lane(0);
            scratch[1] = r.lane(8);
            scratch[2] = r.lane(4);
            scratch[3] = r.lane(12);
            return;
        }
        if (l >= 8) {
            v = v.add(v.rearrange(ROT4));
            w = w.add(w.rearrange(ROT4));
            y = y.add(y.rearrange(ROT4));
            z = z.add(z.rearrange(ROT4));
        }
        if (l >= 4) {
            v = v.add(v.rearrange(ROT2));
            w = w.add(w.rearrange(ROT2));
            y = y.add(y.rearrange(ROT2));
            z = z.add(z.rearrange(ROT2));
        }
        if (l >= 2) {
            v = v.add(v.rearrange(ROT1));
            w = w.add(w.rearrange(ROT1));
            y = y.add(y.rearrange(ROT1));
            z = z.add(z.rearrange(ROT1));
        }
        scratch[0] = v.lane(0);
        scratch[1] = w.lane(0);
        scratch[2] = y.lane(0);
        scratch[3] = z.lane(0);
    }

    /**
     * Interpolated-phase product (x . h) + mu (x . d) in one pass over the window (two
     * accumulators per sum).
     */
    static double dotInterpolated(float[] x, int xo, float[] h, float[] d, int ho, int n, double mu) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        int l = LANES;
        int i = 0;
        for (; i <= n - 2 * l; i += 2 * l) {
            FloatVector x0 = FloatVector.fromArray(FLOATS, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(FLOATS, x, xo + i + l);
            a0 = x0.fma(FloatVector.fromArray(FLOATS, h, ho + i), a0);
            a1 = x1.fma(FloatVector.fromArray(FLOATS, h, ho + i + l), a1);
            b0 = x0.fma(FloatVector.fromArray(FLOATS, d, ho + i), b0);
            b1 = x1.fma(FloatVector.fromArray(FLOATS, d, ho + i + l), b1);
        }
        for (; i < n; i += l) {
            FloatVector x0 = FloatVector.fromArray(FLOATS, x, xo + i);
            a0 = x0.fma(FloatVector.fromArray(FLOATS, h, ho + i), a0);
            b0 = x0.fma(FloatVector.fromArray(FLOATS, d, ho + i), b0);
        }
        FloatVector v = a0.add(a1);
        FloatVector w = b0.add(b1);
        if (l >= 16) {
            v = v.add(v.rearrange(ROT8));
            w = w.add(w.rearrange(ROT8));
        }
        if (l >= 8) {
            v = v.add(v.rearrange(ROT4));
            w = w.add(w.rearrange(ROT4));
        }
        if (l >= 4) {
            v = v.add(v.rearrange(ROT2));
            w = w.add(w.rearrange(ROT2));
        }
        if (l >= 2) {
            v = v.add(v.rearrange(ROT1));
            w = w.add(w.rearrange(ROT1));
        }
        return v.lane(0) + mu * w.lane(0);
    }

    /**
     * Integer upsampling, vectorized across time: lane t of the result is the product of the
     * window starting at x[xo + t] with row h[ho ..], for {@link #LANES} consecutive input
     * positions at once (coefficients broadcast, no lane reduction). Taps go round-robin into
     * eight accumulators (tap m into accumulator m % 8, so each sums n / 8 taps: precision),
     * summed as ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)). Writes LANES floats to
     * dst[to ..]. {@link #dotTime} computes one lane identically.
     */
    static void blockTime(float[] x, int xo, float[] h, int ho, int n, float[] dst, int to) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int m = 0; m < n; m += 8) {
            int xm = xo + m;
            int hm = ho + m;
            a0 = FloatVector.fromArray(FLOATS, x, xm).fma(FloatVector.broadcast(FLOATS, h[hm]), a0);
            a1 = FloatVector.fromArray(FLOATS, x, xm + 1).fma(FloatVector.broadcast(FLOATS, h[hm + 1]), a1);
            a2 = FloatVector.fromArray(FLOATS, x, xm + 2).fma(FloatVector.broadcast(FLOATS, h[hm + 2]), a2);
            a3 = FloatVector.fromArray(FLOATS, x, xm + 3).fma(FloatVector.broadcast(FLOATS, h[hm + 3]), a3);
            a4 = FloatVector.fromArray(FLOATS, x, xm + 4).fma(FloatVector.broadcast(FLOATS, h[hm + 4]), a4);
            a5 = FloatVector.fromArray(FLOATS, x, xm + 5).fma(FloatVector.broadcast(FLOATS, h[hm + 5]), a5);
            a6 = FloatVector.fromArray(FLOATS, x, xm + 6).fma(FloatVector.broadcast(FLOATS, h[hm + 6]), a6);
            a7 = FloatVector.fromArray(FLOATS, x, xm + 7).fma(FloatVector.broadcast(FLOATS, h[hm + 7]), a7);
        }
        a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).intoArray(dst, to);
    }

    /** One lane of {@link #blockTime}, bit-identical (fused multiply-adds in the same order). */
    static float dotTime(float[] x, int xo, float[] h, int ho, int n) {
        float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f, a4 = 0f, a5 = 0f, a6 = 0f, a7 = 0f;
        for (int m = 0; m < n; m += 8) {
            int xm = xo + m;
            int hm = ho + m;
            a0 = Math.fma(x[xm], h[hm], a0);
            a1 = Math.fma(x[xm + 1], h[hm + 1], a1);
            a2 = Math.fma(x[xm + 2], h[hm + 2], a2);
            a3 = Math.fma(x[xm + 3], h[hm + 3], a3);
            a4 = Math.fma(x[xm + 4], h[hm + 4], a4);
            a5 = Math.fma(x[xm + 5], h[hm + 5], a5);
            a6 = Math.fma(x[xm + 6], h[hm + 6], a6);
            a7 = Math.fma(x[xm + 7], h[hm + 7], a7);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    /**
     * {@link #LANES} consecutive outputs of any exact ratio at once, vectorized across time: row
     * u of the block matrix {@code c[co ..]} (see {@link FilterBank#blocks}) times the broadcast
     * input {@code x[xo + u]}, rows round-robin into eight accumulators (row u into u % 8),
     * summed as in {@link #blockTime}. No lane reduction and no per-output index arithmetic.
     * {@link #blockLane} computes one lane identically. Writes LANES floats to dst[to ..].
     */
    static void block(float[] x, int xo, float[] c, int co, int width, float[] dst, int to) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int l = LANES;
        for (int u = 0; u < width; u += 8) {
            int cu = co + u * l;
            int xu = xo + u;
            a0 = FloatVector.fromArray(FLOATS, c, cu).fma(FloatVector.broadcast(FLOATS, x[xu]), a0);
            a1 = FloatVector.fromArray(FLOATS, c, cu + l).fma(FloatVector.broadcast(FLOATS, x[xu + 1]), a1);
            a2 = FloatVector.fromArray(FLOATS, c, cu + 2 * l).fma(FloatVector.broadcast(FLOATS, x[xu + 2]), a2);
            a3 = FloatVector.fromArray(FLOATS, c, cu + 3 * l).fma(FloatVector.broadcast(FLOATS, x[xu + 3]), a3);
            a4 = FloatVector.fromArray(FLOATS, c, cu + 4 * l).fma(FloatVector.broadcast(FLOATS, x[xu + 4]), a4);
            a5 = FloatVector.fromArray(FLOATS, c, cu + 5 * l).fma(FloatVector.broadcast(FLOATS, x[xu + 5]), a5);
            a6 = FloatVector.fromArray(FLOATS, c, cu + 6 * l).fma(FloatVector.broadcast(FLOATS, x[xu + 6]), a6);
            a7 = FloatVector.fromArray(FLOATS, c, cu + 7 * l).fma(FloatVector.broadcast(FLOATS, x[xu + 7]), a7);
        }
        a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).intoArray(dst, to);
    }

    /**
     * {@link #block} for two windows that share the same block matrix (the same pattern one
     * period apart, or consecutive blocks of a one-block pattern): each coefficient vector is
     * loaded once for two fused multiply-adds, halving the table's traffic (from L2 when the
     * pattern is long). Each window's accumulators, order and final sum are block's, so both
     * results are bit-identical to two calls of it. Writes LANES floats to dst[ta ..] and to
     * dst[tb ..].
     */
    static void block2(float[] x, int xa, int xb, float[] c, int co, int width, float[] dst, int ta, int tb) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        int l = LANES;
        for (int u = 0; u < width; u += 8) {
            int cu = co + u * l;
            int xu = xa + u;
            int yu = xb + u;
            FloatVector v = FloatVector.fromArray(FLOATS, c, cu);
            a0 = v.fma(FloatVector.broadcast(FLOATS, x[xu]), a0);
            b0 = v.fma(FloatVector.broadcast(FLOATS, x[yu]), b0);
            v = FloatVector.fromArray(FLOATS, c, cu + l);
            a1 = v.fma(FloatVector.broadcast(FLOATS, x[xu + 1]), a1);
            b1 = v.fma(FloatVector.broadcast(FLOATS, x[yu + 1]), b1);
            v = FloatVector.fromArray(FLOATS, c, cu + 2 * l);
            a2 = v.fma(FloatVector.broadcast(FLOATS, x[xu + 2]), a2);
            b2 = v.fma(FloatVector.broadcast(FLOATS, x[yu + 2]), b2);
            v = FloatVector.fromArray(FLOATS, c, cu + 3 * l);
            a3 = v.fma(FloatVector.broadcast(FLOATS, x[xu + 3]), a3);
            b3 = v.fma(FloatVector.broadcast(FLOATS, x[yu + 3]), b3);
            v = FloatVector.fromArray(FLOATS, c, cu + 4 * l);
            a4 = v.fma(FloatVector.broadcast(FLOATS, x[xu + 4]), a4);
            b4 = v.fma(FloatVector.broadcast(FLOATS, x[yu + 4]), b4);
            v = FloatVector.fromArray(FLOATS, c, cu + 5 * l);
            a5 = v.fma(FloatVector.broadcast(FLOATS, x[xu + 5]), a5);
            b5 = v.fma(FloatVector.broadcast(FLOATS, x[yu + 5]), b5);
            v = FloatVector.fromArray(FLOATS, c, cu + 6 * l);
            a6 = v.fma(FloatVector.broadcast(FLOATS, x[xu + 6]), a6);
            b6 = v.fma(FloatVector.broadcast(FLOATS, x[yu + 6]), b6);
            v = FloatVector.fromArray(FLOATS, c, cu + 7 * l);
            a7 = v.fma(FloatVector.broadcast(FLOATS, x[xu + 7]), a7);
            b7 = v.fma(FloatVector.broadcast(FLOATS, x[yu + 7]), b7);
        }
        a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).intoArray(dst, ta);
        b0.add(b1).add(b2.add(b3)).add(b4.add(b5).add(b6.add(b7))).intoArray(dst, tb);
    }

    /**
     * Lane {@code t} of {@link #block}, bit-identical: the same fused multiply-adds over the
     * lane's own window, rows [from, until) relative to xo (the other rows' coefficients are
     * zero there, and adding a zero product leaves a sum that started at +0 unchanged for any
     * finite input). {@code acc} is scratch of 8 floats.
     */
    static float blockLane(float[] x, int xo, float[] c, int co, int from, int until, int t, float[] acc) {
        java.util.Arrays.fill(acc, 0f);
        int l = LANES;
        for (int u = from; u < until; u++) {
            acc[u & 7] = Math.fma(c[co + u * l + t], x[xo + u], acc[u & 7]);
        }
        return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }

    /**
     * {@link #blockTime} for phases p .. p + 2 (rows ho, ho + n, ho + 2n) in one pass: each input
     * vector is loaded once for three FMAs. Each phase's accumulators, order and final sum are
     * those of blockTime, so every lane equals {@link #dotTime} bit for bit. Writes 3 x LANES
     * floats to dst[to ..] (phase after phase).
     */
    static void blockTime3(float[] x, int xo, float[] h, int ho, int n, float[] dst, int to) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        int hb = ho + n;
        int hc = ho + 2 * n;
        for (int m = 0; m < n; m += 8) {
            int xm = xo + m;
            FloatVector v = FloatVector.fromArray(FLOATS, x, xm);
            a0 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m]), a0);
            b0 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m]), b0);
            c0 = v.fma(FloatVector.broadcast(FLOATS, h[hc + m]), c0);
            v = FloatVector.fromArray(FLOATS, x, xm + 1);
            a1 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 1]), a1);
            b1 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 1]), b1);
            c1 = v.fma(FloatVector.broadcast(FLOATS, h[hc + m + 1]), c1);
            v = FloatVector.fromArray(FLOATS, x, xm + 2);
            a2 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 2]), a2);
            b2 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 2]), b2);
            c2 = v.fma(FloatVector.broadcast(FLOATS, h[hc + m + 2]), c2);
            v = FloatVector.fromArray(FLOATS, x, xm + 3);
            a3 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 3]), a3);
            b3 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 3]), b3);
            c3 = v.fma(FloatVector.broadcast(FLOATS, h[hc + m + 3]), c3);
            v = FloatVector.fromArray(FLOATS, x, xm + 4);
            a4 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 4]), a4);
            b4 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 4]), b4);
            c4 = v.fma(FloatVector.broadcast(FLOATS, h[hc + m + 4]), c4);
            v = FloatVector.fromArray(FLOATS, x, xm + 5);
            a5 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 5]), a5);
            b5 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 5]), b5);
            c5 = v.fma(FloatVector.broadcast(FLOATS, h[hc + m + 5]), c5);
            v = FloatVector.fromArray(FLOATS, x, xm + 6);
            a6 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 6]), a6);
            b6 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 6]), b6);
            c6 = v.fma(FloatVector.broadcast(FLOATS, h[hc + m + 6]), c6);
            v = FloatVector.fromArray(FLOATS, x, xm + 7);
            a7 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 7]), a7);
            b7 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 7]), b7);
            c7 = v.fma(FloatVector.broadcast(FLOATS, h[hc + m + 7]), c7);
        }
        a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).intoArray(dst, to);
        b0.add(b1).add(b2.add(b3)).add(b4.add(b5).add(b6.add(b7))).intoArray(dst, to + LANES);
        c0.add(c1).add(c2.add(c3)).add(c4.add(c5).add(c6.add(c7))).intoArray(dst, to + 2 * LANES);
    }

    /** {@link #blockTime3} for two phases (rows ho, ho + n). */
    static void blockTime2(float[] x, int xo, float[] h, int ho, int n, float[] dst, int to) {
        FloatVector a0 = FloatVector.zero(FLOATS);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0, b6 = a0, b7 = a0;
        int hb = ho + n;
        for (int m = 0; m < n; m += 8) {
            int xm = xo + m;
            FloatVector v = FloatVector.fromArray(FLOATS, x, xm);
            a0 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m]), a0);
            b0 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m]), b0);
            v = FloatVector.fromArray(FLOATS, x, xm + 1);
            a1 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 1]), a1);
            b1 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 1]), b1);
            v = FloatVector.fromArray(FLOATS, x, xm + 2);
            a2 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 2]), a2);
            b2 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 2]), b2);
            v = FloatVector.fromArray(FLOATS, x, xm + 3);
            a3 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 3]), a3);
            b3 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 3]), b3);
            v = FloatVector.fromArray(FLOATS, x, xm + 4);
            a4 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 4]), a4);
            b4 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 4]), b4);
            v = FloatVector.fromArray(FLOATS, x, xm + 5);
            a5 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 5]), a5);
            b5 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 5]), b5);
            v = FloatVector.fromArray(FLOATS, x, xm + 6);
            a6 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 6]), a6);
            b6 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 6]), b6);
            v = FloatVector.fromArray(FLOATS, x, xm + 7);
            a7 = v.fma(FloatVector.broadcast(FLOATS, h[ho + m + 7]), a7);
            b7 = v.fma(FloatVector.broadcast(FLOATS, h[hb + m + 7]), b7);
        }
        a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).intoArray(dst, to);
        b0.add(b1).add(b2.add(b3)).add(b4.add(b5).add(b6.add(b7))).intoArray(dst, to + LANES);
    }
}
