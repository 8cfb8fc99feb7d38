package org.remotemedia.dsp;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * SIMD moves of samples between interleaved little-endian buffers and a node's small working
 * arrays of doubles or floats (a few hundred frames that stay in L1, never a whole signal):
 * decode of any {@link SampleFormat} fused into the load, and F32 encode of the result. Decoding gives
 * exactly {@link SampleKernels#decode} widened to double, so the values do not depend on block
 * boundaries.
 *
 * <p>Stateless; safe from any thread. Bounds are checked once per call.
 */
public final class SampleArrays {
    /** Doubles per vector: the working-block kernels are written for this width. */
    public static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FH = VectorSpecies.of(float.class,
            jdk.incubator.vector.VectorShape.forBitSize(D.length() * 32));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            jdk.incubator.vector.VectorShape.forBitSize(SampleKernels.L * 16));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class,
            jdk.incubator.vector.VectorShape.forBitSize(SampleKernels.L * 32));

    private SampleArrays() {
    }

    /** {@code dst[dstOff + i] = decode(in, i)} for {@code n} samples. */
    public static void toDoubles(DirectBuffer in, int inOff, SampleFormat f, int n, double[] dst, int dstOff) {
        int bps = f.bytesPerSample();
        in.boundsCheck(inOff, n * bps);
        java.util.Objects.checkFromIndexSize(dstOff, n, dst.length);
        MemorySegment si = SampleKernels.segment(in);
        long bi = SampleKernels.base(in) + inOff;
        int upper = D.length() * 2 == SampleKernels.L ? n - (n % SampleKernels.L) : 0;
        switch (f) {
            case F32 -> f32ToDoubles(si, bi, upper, dst, dstOff);
            case I16 -> i16ToDoubles(si, bi, upper, dst, dstOff);
            case I32 -> i32ToDoubles(si, bi, upper, dst, dstOff);
            default -> throw new AssertionError(f);
        }
        for (int i = upper; i < n; i++) {
            dst[dstOff + i] = SampleKernels.decode(in, inOff, f, i);
        }
    }

    // One loop per format, no vector crossing a call (C2 boxes a vector passed to a callee it
    // did not inline).
    private static void f32ToDoubles(MemorySegment si, long bi, int upper, double[] dst, int dstOff) {
        int l = SampleKernels.L;
        int h = l / 2;
        for (int i = 0; i < upper; i += l) {
            FloatVector v = FloatVector.fromMemorySegment(SampleKernels.F, si, bi + 4L * i, LE);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).intoArray(dst, dstOff + i);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).intoArray(dst, dstOff + i + h);
        }
    }

    private static void i16ToDoubles(MemorySegment si, long bi, int upper, double[] dst, int dstOff) {
        int l = SampleKernels.L;
        int h = l / 2;
        for (int i = 0; i < upper; i += l) {
            FloatVector v = ((FloatVector) ShortVector.fromMemorySegment(S, si, bi + 2L * i, LE)
                    .convertShape(VectorOperators.S2F, SampleKernels.F, 0)).mul(SampleKernels.I16_IN);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).intoArray(dst, dstOff + i);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).intoArray(dst, dstOff + i + h);
        }
    }

    private static void i32ToDoubles(MemorySegment si, long bi, int upper, double[] dst, int dstOff) {
        int l = SampleKernels.L;
        int h = l / 2;
        for (int i = 0; i < upper; i += l) {
            FloatVector v = ((FloatVector) IntVector.fromMemorySegment(I, si, bi + 4L * i, LE)
                    .convertShape(VectorOperators.I2F, SampleKernels.F, 0)).mul(SampleKernels.I32_IN);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).intoArray(dst, dstOff + i);
            ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).intoArray(dst, dstOff + i + h);
        }
    }

    /** {@code out[i] = (float) src[srcOff + i]} as little-endian F32, for {@code n} samples. */
    public static void toF32(double[] src, int srcOff, int n, MutableDirectBuffer out, int outOff) {
        java.util.Objects.checkFromIndexSize(srcOff, n, src.length);
        out.boundsCheck(outOff, n * 4);
        MemorySegment so = SampleKernels.segment(out);
        long bo = SampleKernels.base(out) + outOff;
        int l = D.length();
        int i = 0;
        int upper = n - (n % l);
        for (; i < upper; i += l) {
            ((FloatVector) DoubleVector.fromArray(D, src, srcOff + i).convertShape(VectorOperators.D2F, FH, 0))
                    .intoMemorySegment(so, bo + 4L * i, LE);
        }
        for (; i < n; i++) {
            out.putFloat(outOff + 4 * i, (float) src[srcOff + i], LE);
        }
    }

    /** {@code dst[dstOff + i] = decode(in, i)} as floats, for {@code n} samples. */
    public static void toFloats(DirectBuffer in, int inOff, SampleFormat f, int n, float[] dst, int dstOff) {
        int bps = f.bytesPerSample();
        in.boundsCheck(inOff, n * bps);
        java.util.Objects.checkFromIndexSize(dstOff, n, dst.length);
        MemorySegment si = SampleKernels.segment(in);
        long bi = SampleKernels.base(in) + inOff;
        int upper = n - (n % SampleKernels.L);
        switch (f) {
            case F32 -> f32ToFloats(si, bi, upper, dst, dstOff);
            case I16 -> i16ToFloats(si, bi, upper, dst, dstOff);
            case I32 -> i32ToFloats(si, bi, upper, dst, dstOff);
            default -> throw new AssertionError(f);
        }
        for (int i = upper; i < n; i++) {
            dst[dstOff + i] = SampleKernels.decode(in, inOff, f, i);
        }
    }

    private static void f32ToFloats(MemorySegment si, long bi, int upper, float[] dst, int dstOff) {
        for (int i = 0; i < upper; i += SampleKernels.L) {
            FloatVector.fromMemorySegment(SampleKernels.F, si, bi + 4L * i, LE).intoArray(dst, dstOff + i);
        }
    }

    private static void i16ToFloats(MemorySegment si, long bi, int upper, float[] dst, int dstOff) {
        for (int i = 0; i < upper; i += SampleKernels.L) {
            ((FloatVector) ShortVector.fromMemorySegment(S, si, bi + 2L * i, LE).convertShape(VectorOperators.S2F,
                    SampleKernels.F, 0)).mul(SampleKernels.I16_IN).intoArray(dst, dstOff + i);
        }
    }

    private static void i32ToFloats(MemorySegment si, long bi, int upper, float[] dst, int dstOff) {
        for (int i = 0; i < upper; i += SampleKernels.L) {
            ((FloatVector) IntVector.fromMemorySegment(I, si, bi + 4L * i, LE).convertShape(VectorOperators.I2F,
                    SampleKernels.F, 0)).mul(SampleKernels.I32_IN).intoArray(dst, dstOff + i);
        }
    }

    /** {@code out[i] = src[srcOff + i]} as little-endian F32, for {@code n} samples. */
    public static void toF32(float[] src, int srcOff, int n, MutableDirectBuffer out, int outOff) {
        java.util.Objects.checkFromIndexSize(srcOff, n, src.length);
        out.boundsCheck(outOff, n * 4);
        MemorySegment so = SampleKernels.segment(out);
        long bo = SampleKernels.base(out) + outOff;
        int l = SampleKernels.L;
        int i = 0;
        int upper = n - (n % l);
        for (; i < upper; i += l) {
            FloatVector.fromArray(SampleKernels.F, src, srcOff + i).intoMemorySegment(so, bo + 4L * i, LE);
        }
        for (; i < n; i++) {
            out.putFloat(outOff + 4 * i, src[srcOff + i], LE);
        }
    }
}
