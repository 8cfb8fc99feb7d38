package org.remotemedia.dsp;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * SIMD kernels on samples as they are stored: interleaved little-endian samples read and
 * written in place (Agrona buffers, off-heap or heap), decode of any {@link SampleFormat}
 * fused into the loop (scale, accumulate, sums, peaks, format conversion with dither).
 * {@link SampleArrays} moves samples between such buffers and a node's working arrays.
 * Every kernel gives the same bits whatever the block boundaries (the scalar tail computes
 * exactly what a vector lane does), so nodes built on them are bit-exact across chunkings.
 *
 * <p>Stateless; safe from any thread. Bounds are checked once per call, not per sample.
 */
public final class SampleKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(L * 32));
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** All of native memory: an off-heap buffer's address is its offset here (no per-call segment). */
    private static final MemorySegment NATIVE = MemorySegment.NULL.reinterpret(Long.MAX_VALUE);
    static final float I16_IN = 1f / 32768f;
    static final float I32_IN = 1f / 2147483648f;
    private static final float TWO_23 = 8388608f;

    private SampleKernels() {
    }

    /** The segment a buffer's bytes live in: all native memory, or the heap array. */
    static MemorySegment segment(DirectBuffer b) {
        byte[] a = b.byteArray();
        return a == null ? NATIVE : MemorySegment.ofArray(a);
    }

    /** Offset of the buffer's byte 0 within {@link #segment}. */
    static long base(DirectBuffer b) {
        return b.byteArray() == null ? b.addressOffset() : b.addressOffset() - BufferUtil.ARRAY_BASE_OFFSET;
    }

    /** A decoded sample as the vector lanes compute it (float, exact scaling). */
    public static float decode(DirectBuffer b, int byteOffset, SampleFormat f, int index) {
        return switch (f) {
            case F32 -> b.getFloat(byteOffset + 4 * index, LE);
            case I16 -> b.getShort(byteOffset + 2 * index, LE) * I16_IN;
            case I32 -> b.getInt(byteOffset + 4 * index, LE) * I32_IN;
        };
    }

    // Vector loops take and return no vectors: C2 does not always inline a helper that does
    // (an already-compiled callee over InlineSmallCode), and a vector crossing a call is boxed.
    // So each format has its own loop with the decode written out.

    /** {@code out[i] = gain * in[i]} as F32, for {@code n} samples. */
    public static void scaleToF32(DirectBuffer in, int inOff, SampleFormat f, int n, float gain,
                                  MutableDirectBuffer out, int outOff) {
        int bps = f.bytesPerSample();
        in.boundsCheck(inOff, n * bps);
        out.boundsCheck(outOff, n * 4);
        long bi = base(in) + inOff;
        long bo = base(out) + outOff;
        int upper = n - (n % L);
        switch (f) {
            case F32 -> scaleF32(segment(in), bi, segment(out), bo, upper, gain);
            case I16 -> scaleI16(segment(in), bi, segment(out), bo, upper, gain);
            case I32 -> scaleI32(segment(in), bi, segment(out), bo, upper, gain);
            default -> throw new AssertionError(f);
        }
        for (int i = upper; i < n; i++) {
            out.putFloat(outOff + 4 * i, decode(in, inOff, f, i) * gain, LE);
        }
    }

    private static void scaleF32(MemorySegment si, long bi, MemorySegment so, long bo, int upper, float gain) {
        for (int i = 0; i < upper; i += L) {
            FloatVector.fromMemorySegment(F, si, bi + 4L * i, LE).mul(gain).intoMemorySegment(so, bo + 4L * i, LE);
        }
    }

    private static void scaleI16(MemorySegment si, long bi, MemorySegment so, long bo, int upper, float gain) {
        for (int i = 0; i < upper; i += L) {
            ((FloatVector) ShortVector.fromMemorySegment(S, si, bi + 2L * i, LE).convertShape(VectorOperators.S2F, F, 0))
                    .mul(I16_IN).mul(gain).intoMemorySegment(so, bo + 4L * i, LE);
        }
    }

    private static void scaleI32(MemorySegment si, long bi, MemorySegment so, long bo, int upper, float gain) {
        for (int i = 0; i < upper; i += L) {
            ((FloatVector) IntVector.fromMemorySegment(I, si, bi + 4L * i, LE).convertShape(VectorOperators.I2F, F, 0))
                    .mul(I32_IN).mul(gain).intoMemorySegment(so, bo + 4L * i, LE);
        }
    }

    /** {@code out[i] = fma(in[i], gain, out[i])} on F32 {@code out}, for {@code n} samples. */
    public static void accumulateF32(DirectBuffer in, int inOff, SampleFormat f, int n, float gain,
                                     MutableDirectBuffer out, int outOff) {
        int bps = f.bytesPerSample();
        in.boundsCheck(inOff, n * bps);
        out.boundsCheck(outOff, n * 4);
        long bi = base(in) + inOff;
        long bo = base(out) + outOff;
        int upper = n - (n % L);
        switch (f) {
            case F32 -> accF32(segment(in), bi, segment(out), bo, upper, gain);
            case I16 -> accI16(segment(in), bi, segment(out), bo, upper, gain);
            case I32 -> accI32(segment(in), bi, segment(out), bo, upper, gain);
            default -> throw new AssertionError(f);
        }
        for (int i = upper; i < n; i++) {
            int at = outOff + 4 * i;
            out.putFloat(at, Math.fma(decode(in, inOff, f, i), gain, out.getFloat(at, LE)), LE);
        }
    }

    private static void accF32(MemorySegment si, long bi, MemorySegment so, long bo, int upper, float gain) {
        for (int i = 0; i < upper; i += L) {
            long at = bo + 4L * i;
            FloatVector.fromMemorySegment(F, si, bi + 4L * i, LE)
                    .fma(FloatVector.broadcast(F, gain), FloatVector.fromMemorySegment(F, so, at, LE))
                    .intoMemorySegment(so, at, LE);
        }
    }

    private static void accI16(MemorySegment si, long bi, MemorySegment so, long bo, int upper, float gain) {
        for (int i = 0; i < upper; i += L) {
            long at = bo + 4L * i;
            ((FloatVector) ShortVector.fromMemorySegment(S, si, bi + 2L * i, LE).convertShape(VectorOperators.S2F, F, 0))
                    .mul(I16_IN).fma(FloatVector.broadcast(F, gain), FloatVector.fromMemorySegment(F, so, at, LE))
                    .intoMemorySegment(so, at, LE);
        }
    }

    private static void accI32(MemorySegment si, long bi, MemorySegment so, long bo, int upper, float gain) {
        for (int i = 0; i < upper; i += L) {
            long at = bo + 4L * i;
            ((FloatVector) IntVector.fromMemorySegment(I, si, bi + 4L * i, LE).convertShape(VectorOperators.I2F, F, 0))
                    .mul(I32_IN).fma(FloatVector.broadcast(F, gain), FloatVector.fromMemorySegment(F, so, at, LE))
                    .intoMemorySegment(so, at, LE);
        }
    }

    /**
     * Sum of squares of {@code n} samples. Lanes accumulate in float over runs of up to 4096
     * samples, folded into a double, so the result depends only on the samples and their order
     * from the first one (callers that need chunk-independent energies start at the same sample).
     */
    public static double sumSquares(DirectBuffer in, int inOff, SampleFormat f, int n) {
        int bps = f.bytesPerSample();
        in.boundsCheck(inOff, n * bps);
        MemorySegment si = segment(in);
        long bi = base(in) + inOff;
        double total = 0;
        int i = 0;
        int upper = n - (n % L);
        while (i < upper) {
            int end = Math.min(upper, i + 4096);
            total += switch (f) {
                case F32 -> squaresF32(si, bi, i, end);
                case I16 -> squaresI16(si, bi, i, end);
                case I32 -> squaresI32(si, bi, i, end);
            };
            i = end;
        }
        float tail = 0f;
        for (; i < n; i++) {
            float v = decode(in, inOff, f, i);
            tail = Math.fma(v, v, tail);
        }
        return total + tail;
    }

    private static float squaresF32(MemorySegment si, long bi, int from, int to) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = from; i < to; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, si, bi + 4L * i, LE);
            acc = v.fma(v, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static float squaresI16(MemorySegment si, long bi, int from, int to) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = from; i < to; i += L) {
            FloatVector v = ((FloatVector) ShortVector.fromMemorySegment(S, si, bi + 2L * i, LE)
                    .convertShape(VectorOperators.S2F, F, 0)).mul(I16_IN);
            acc = v.fma(v, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    private static float squaresI32(MemorySegment si, long bi, int from, int to) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = from; i < to; i += L) {
            FloatVector v = ((FloatVector) IntVector.fromMemorySegment(I, si, bi + 4L * i, LE)
                    .convertShape(VectorOperators.I2F, F, 0)).mul(I32_IN);
            acc = v.fma(v, acc);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /** Round half to even, as the lanes do it: exact for |v| < 2^23, identity above (already integral). */
    static float rint(float v) {
        return (float) Math.rint(v);
    }

    /**
     * Converts {@code n} samples between formats without dither: to integers by rounding to
     * nearest (ties to even) and clipping to full scale; I32 to I16 by rounding the top 16 bits
     * (ties up); widening (I16 to I32 / F32) exactly.
     *
     * @return how many samples were clipped
     */
    public static int convert(DirectBuffer in, int inOff, SampleFormat from, int n, MutableDirectBuffer out,
                              int outOff, SampleFormat to) {
        in.boundsCheck(inOff, n * from.bytesPerSample());
        out.boundsCheck(outOff, n * to.bytesPerSample());
        if (from == to) {
            out.putBytes(outOff, in, inOff, n * from.bytesPerSample());
            return 0;
        }
        if (to == SampleFormat.F32) {
            scaleToF32(in, inOff, from, n, 1f, out, outOff);
            return 0;
        }
        MemorySegment si = segment(in);
        MemorySegment so = segment(out);
        long bi = base(in) + inOff;
        long bo = base(out) + outOff;
        int i = 0;
        int upper = n - (n % L);
        int clipped = 0;
        if (from == SampleFormat.I16) { // to I32: exact
            for (; i < upper; i += L) {
                ((IntVector) ShortVector.fromMemorySegment(S, si, bi + 2L * i, LE).convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 16).intoMemorySegment(so, bo + 4L * i, LE);
            }
            for (; i < n; i++) {
                out.putInt(outOff + 4 * i, in.getShort(inOff + 2 * i, LE) << 16, LE);
            }
            return 0;
        }
        if (from == SampleFormat.I32) { // to I16
            for (; i < upper; i += L) {
                IntVector x = IntVector.fromMemorySegment(I, si, bi + 4L * i, LE);
                IntVector r = x.lanewise(VectorOperators.ASHR, 16)
                        .add(x.lanewise(VectorOperators.LSHR, 15).and(1));
                VectorMask<Integer> over = r.compare(VectorOperators.GT, 32767);
                clipped += over.trueCount();
                ((ShortVector) r.min(32767).convertShape(VectorOperators.I2S, S, 0))
                        .intoMemorySegment(so, bo + 2L * i, LE);
            }
            for (; i < n; i++) {
                int x = in.getInt(inOff + 4 * i, LE);
                int r = (x >> 16) + ((x >>> 15) & 1);
                if (r > 32767) {
                    clipped++;
                    r = 32767;
                }
                out.putShort(outOff + 2 * i, (short) r, LE);
            }
            return clipped;
        }
        // from F32
        if (to == SampleFormat.I16) {
            for (; i < upper; i += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, si, bi + 4L * i, LE).mul(32768f)
                        .max(-40000f).min(40000f);
                // round half to even: +-2^23 pushes the fraction out (|v| < 2^23 here)
                FloatVector magic = FloatVector.broadcast(F, TWO_23).blend(-TWO_23, v.lt(0f));
                FloatVector r = v.add(magic).sub(magic);
                VectorMask<Float> clip = r.compare(VectorOperators.GT, 32767f).or(r.compare(VectorOperators.LT, -32768f));
                clipped += clip.trueCount();
                IntVector iv = (IntVector) r.max(-32768f).min(32767f).convertShape(VectorOperators.F2I, I, 0);
                ((ShortVector) iv.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(so, bo + 2L * i, LE);
            }
            for (; i < n; i++) {
                float v = Math.min(40000f, Math.max(-40000f, in.getFloat(inOff + 4 * i, LE) * 32768f));
                float r = rint(v);
                if (r > 32767f || r < -32768f) {
                    clipped++;
                }
                out.putShort(outOff + 2 * i, (short) (int) Math.min(32767f, Math.max(-32768f, r)), LE);
            }
            return clipped;
        }
        // F32 to I32
        for (; i < upper; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, si, bi + 4L * i, LE).mul(2147483648f);
            FloatVector magic = FloatVector.broadcast(F, TWO_23).blend(-TWO_23, v.lt(0f));
            // values of 2^23 and more are integers already, and adding 2^23 would round them
            FloatVector r = v.add(magic).sub(magic).blend(v, v.abs().compare(VectorOperators.GE, TWO_23));
            clipped += r.compare(VectorOperators.GE, 2147483648f).or(r.compare(VectorOperators.LT, -2147483648f))
                    .trueCount();
            ((IntVector) r.convertShape(VectorOperators.F2I, I, 0)).intoMemorySegment(so, bo + 4L * i, LE);
        }
        for (; i < n; i++) {
            float r = rint(in.getFloat(inOff + 4 * i, LE) * 2147483648f);
            if (r >= 2147483648f || r < -2147483648f) {
                clipped++;
            }
            out.putInt(outOff + 4 * i, (int) r, LE);
        }
        return clipped;
    }

    /** A well-mixed 32-bit hash (lowbias32), the dither's noise source. */
    public static int mix(int x) {
        x ^= x >>> 16;
        x *= 0x7feb352d;
        x ^= x >>> 15;
        x *= 0x846ca68b;
        x ^= x >>> 16;
        return x;
    }

    private static final int DITHER_B = 0x68e31da4;
    private static final IntVector IOTA = (IntVector) I.iotaShuffle(0, 1, false).toVector();
    private static final FloatVector F32768 = FloatVector.broadcast(F, 32768f);

    /** Key of the upper half of a 64-bit sample position (the noise repeats never within 2^64 samples). */
    static int ditherKey(long position, int seed) {
        return mix((int) (position >>> 32) ^ mix(seed ^ 0x5bd1e995));
    }

    /**
     * TPDF noise of sample {@code position} in i16 LSBs, in (-1, 1): the sum of two uniform
     * draws hashed from the position and seed, so it does not depend on block boundaries.
     */
    public static float tpdf(long position, int seed) {
        int a = mix((int) position ^ ditherKey(position, seed));
        int b = mix(a ^ DITHER_B);
        return ((a >> 1) + (b >> 1)) * 0x1p-31f;
    }

    /** The same noise in units of 2^-16 i16 LSB, in [-65536, 65536), for integer sources. */
    public static int tpdfFixed(long position, int seed) {
        int a = mix((int) position ^ ditherKey(position, seed));
        int b = mix(a ^ DITHER_B);
        return (a >> 16) + (b >> 16);
    }

    /**
     * F32 to I16 with TPDF dither: {@code rint(x * 32768 + tpdf(position + i))}, clipped.
     *
     * @return how many samples were clipped
     */
    public static int ditherF32ToI16(DirectBuffer in, int inOff, int n, MutableDirectBuffer out, int outOff,
                                     long position, int seed) {
        in.boundsCheck(inOff, n * 4);
        out.boundsCheck(outOff, n * 2);
        MemorySegment si = segment(in);
        MemorySegment so = segment(out);
        long bi = base(in) + inOff;
        long bo = base(out) + outOff;
        int clipped = 0;
        int i = 0;
        while (i < n) {
            long pos = position + i;
            // a run that stays within one 2^32 block of positions shares the key
            long untilWrap = (1L << 32) - (pos & 0xFFFFFFFFL);
            int end = (int) Math.min(n, i + untilWrap);
            int key = ditherKey(pos, seed);
            int upper = end - ((end - i) % L);
            clipped += ditherLoopF32(si, bi, so, bo, i, upper, (int) (position + i), key);
            i = upper;
            for (; i < end; i++) {
                float v = Math.min(40000f, Math.max(-40000f,
                        Math.fma(in.getFloat(inOff + 4 * i, LE), 32768f, tpdf(position + i, seed))));
                float r = rint(v);
                if (r > 32767f || r < -32768f) {
                    clipped++;
                }
                out.putShort(outOff + 2 * i, (short) (int) Math.min(32767f, Math.max(-32768f, r)), LE);
            }
        }
        return clipped;
    }

    /** The vector part of {@link #ditherF32ToI16}: samples [from, to), a multiple of L; pos0 = low bits of from's position. */
    private static int ditherLoopF32(MemorySegment si, long bi, MemorySegment so, long bo, int from, int to, int pos0,
                                     int key) {
        int clipped = 0;
        for (int i = from; i < to; i += L) {
            IntVector a = IOTA.add(pos0 + (i - from)).lanewise(VectorOperators.XOR, key);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 16)).mul(0x7feb352d);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 15)).mul(0x846ca68b);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 16));
            IntVector b = a.lanewise(VectorOperators.XOR, DITHER_B);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 16)).mul(0x7feb352d);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 15)).mul(0x846ca68b);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 16));
            FloatVector d = ((FloatVector) a.lanewise(VectorOperators.ASHR, 1).add(b.lanewise(VectorOperators.ASHR, 1))
                    .convertShape(VectorOperators.I2F, F, 0)).mul(0x1p-31f);
            FloatVector v = FloatVector.fromMemorySegment(F, si, bi + 4L * i, LE).fma(F32768, d).max(-40000f).min(40000f);
            FloatVector magic = FloatVector.broadcast(F, TWO_23).blend(-TWO_23, v.lt(0f));
            FloatVector r = v.add(magic).sub(magic);
            clipped += r.compare(VectorOperators.GT, 32767f).or(r.compare(VectorOperators.LT, -32768f)).trueCount();
            IntVector iv = (IntVector) r.max(-32768f).min(32767f).convertShape(VectorOperators.F2I, I, 0);
            ((ShortVector) iv.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(so, bo + 2L * i, LE);
        }
        return clipped;
    }

    /** The vector part of {@link #ditherI32ToI16}. */
    private static int ditherLoopI32(MemorySegment si, long bi, MemorySegment so, long bo, int from, int to, int pos0,
                                     int key) {
        int clipped = 0;
        for (int i = from; i < to; i += L) {
            IntVector a = IOTA.add(pos0 + (i - from)).lanewise(VectorOperators.XOR, key);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 16)).mul(0x7feb352d);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 15)).mul(0x846ca68b);
            a = a.lanewise(VectorOperators.XOR, a.lanewise(VectorOperators.LSHR, 16));
            IntVector b = a.lanewise(VectorOperators.XOR, DITHER_B);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 16)).mul(0x7feb352d);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 15)).mul(0x846ca68b);
            b = b.lanewise(VectorOperators.XOR, b.lanewise(VectorOperators.LSHR, 16));
            IntVector d = a.lanewise(VectorOperators.ASHR, 16).add(b.lanewise(VectorOperators.ASHR, 16));
            IntVector x = IntVector.fromMemorySegment(I, si, bi + 4L * i, LE);
            IntVector r = x.lanewise(VectorOperators.ASHR, 16)
                    .add(x.and(0xFFFF).add(d).add(32768).lanewise(VectorOperators.ASHR, 16));
            clipped += r.compare(VectorOperators.GT, 32767).or(r.compare(VectorOperators.LT, -32768)).trueCount();
            ((ShortVector) r.max(-32768).min(32767).convertShape(VectorOperators.I2S, S, 0))
                    .intoMemorySegment(so, bo + 2L * i, LE);
        }
        return clipped;
    }

    /**
     * I32 to I16 with TPDF dither, in integer arithmetic: {@code floor((x + tpdf + 2^15) / 2^16)}, clipped.
     *
     * @return how many samples were clipped
     */
    public static int ditherI32ToI16(DirectBuffer in, int inOff, int n, MutableDirectBuffer out, int outOff,
                                     long position, int seed) {
        in.boundsCheck(inOff, n * 4);
        out.boundsCheck(outOff, n * 2);
        MemorySegment si = segment(in);
        MemorySegment so = segment(out);
        long bi = base(in) + inOff;
        long bo = base(out) + outOff;
        int clipped = 0;
        int i = 0;
        while (i < n) {
            long pos = position + i;
            long untilWrap = (1L << 32) - (pos & 0xFFFFFFFFL);
            int end = (int) Math.min(n, i + untilWrap);
            int key = ditherKey(pos, seed);
            int upper = end - ((end - i) % L);
            clipped += ditherLoopI32(si, bi, so, bo, i, upper, (int) (position + i), key);
            i = upper;
            for (; i < end; i++) {
                int x = in.getInt(inOff + 4 * i, LE);
                int r = (x >> 16) + (((x & 0xFFFF) + tpdfFixed(position + i, seed) + 32768) >> 16);
                if (r > 32767) {
                    clipped++;
                    r = 32767;
                } else if (r < -32768) {
                    clipped++;
                    r = -32768;
                }
                out.putShort(outOff + 2 * i, (short) r, LE);
            }
        }
        return clipped;
    }

    /**
     * Index of the first NaN or infinite value among {@code n} F32 samples, or -1. Used to
     * validate float input.
     */
    public static int firstNonFinite(DirectBuffer in, int inOff, int n) {
        in.boundsCheck(inOff, n * 4);
        MemorySegment si = segment(in);
        long bi = base(in) + inOff;
        int i = 0;
        int upper = n - (n % L);
        for (; i < upper; i += L) {
            IntVector x = IntVector.fromMemorySegment(I, si, bi + 4L * i, LE).and(0x7F800000);
            VectorMask<Integer> bad = x.compare(VectorOperators.EQ, 0x7F800000);
            if (bad.anyTrue()) {
                return i + bad.firstTrue();
            }
        }
        for (; i < n; i++) {
            if ((in.getInt(inOff + 4 * i, LE) & 0x7F800000) == 0x7F800000) {
                return i;
            }
        }
        return -1;
    }

    /** Largest |x| of {@code n} F32 samples (0 for none); order-free, so chunk-independent. */
    public static float peakAbsF32(DirectBuffer in, int inOff, int n) {
        in.boundsCheck(inOff, n * 4);
        MemorySegment si = segment(in);
        long bi = base(in) + inOff;
        int i = 0;
        int upper = n - (n % L);
        FloatVector m = FloatVector.zero(F);
        for (; i < upper; i += L) {
            m = m.max(FloatVector.fromMemorySegment(F, si, bi + 4L * i, LE).abs());
        }
        float peak = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            peak = Math.max(peak, Math.abs(in.getFloat(inOff + 4 * i, LE)));
        }
        return peak;
    }
}
