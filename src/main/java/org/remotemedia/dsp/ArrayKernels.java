package org.remotemedia.dsp;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * SIMD moves between interleaved little-endian samples in place and a node's small working
 * block of doubles (a few hundred frames that stay in L1, never a whole signal): decode of
 * any {@link SampleFormat} fused into the load, and F32 encode of the result. Decoding gives
 * exactly {@link Kernels#decode} widened to double, so the values do not depend on block
 * boundaries.
 *
 * <p>Stateless; safe from any thread. Bounds are checked once per call.
 */
public final class ArrayKernels {
    /** Doubles per vector: the working-block kernels are written for this width. */
    public static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FH = VectorSpecies.of(float.class,
            jdk.incubator.vector.VectorShape.forBitSize(D.length() * 32));
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private ArrayKernels() {
    }

    /** {@code dst[dstOff + i] = decode(in, i)} for {@code n} samples. */
    public static void toDoubles(DirectBuffer in, int inOff, SampleFormat f, int n, double[] dst, int dstOff) {
        int bps = f.bytesPerSample();
        in.boundsCheck(inOff, n * bps);
        java.util.Objects.checkFromIndexSize(dstOff, n, dst.length);
        MemorySegment si = Kernels.segment(in);
        long bi = Kernels.base(in) + inOff;
        int i = 0;
        int l = Kernels.L;
        int half = l / 2;
        int upper = n - (n % l);
        if (half == D.length()) {
            for (; i < upper; i += l) {
                FloatVector v = Kernels.load(si, bi + (long) i * bps, f);
                ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).intoArray(dst, dstOff + i);
                ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).intoArray(dst, dstOff + i + half);
            }
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Kernels.decode(in, inOff, f, i);
        }
    }

    /** {@code out[i] = (float) src[srcOff + i]} as little-endian F32, for {@code n} samples. */
    public static void toF32(double[] src, int srcOff, int n, MutableDirectBuffer out, int outOff) {
        java.util.Objects.checkFromIndexSize(srcOff, n, src.length);
        out.boundsCheck(outOff, n * 4);
        MemorySegment so = Kernels.segment(out);
        long bo = Kernels.base(out) + outOff;
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

    /** Largest |x| of {@code n} F32 samples (0 for none); order-free, so chunk-independent. */
    public static float peakAbsF32(DirectBuffer in, int inOff, int n) {
        in.boundsCheck(inOff, n * 4);
        MemorySegment si = Kernels.segment(in);
        long bi = Kernels.base(in) + inOff;
        int l = Kernels.L;
        int i = 0;
        int upper = n - (n % l);
        FloatVector m = FloatVector.zero(Kernels.F);
        for (; i < upper; i += l) {
            m = m.max(FloatVector.fromMemorySegment(Kernels.F, si, bi + 4L * i, LE).abs());
        }
        float peak = m.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            peak = Math.max(peak, Math.abs(in.getFloat(inOff + 4 * i, LE)));
        }
        return peak;
    }

    /** {@code dst[dstOff + i] = decode(in, i)} as floats, for {@code n} samples. */
    public static void toFloats(DirectBuffer in, int inOff, SampleFormat f, int n, float[] dst, int dstOff) {
        int bps = f.bytesPerSample();
        in.boundsCheck(inOff, n * bps);
        java.util.Objects.checkFromIndexSize(dstOff, n, dst.length);
        MemorySegment si = Kernels.segment(in);
        long bi = Kernels.base(in) + inOff;
        int l = Kernels.L;
        int i = 0;
        int upper = n - (n % l);
        for (; i < upper; i += l) {
            Kernels.load(si, bi + (long) i * bps, f).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Kernels.decode(in, inOff, f, i);
        }
    }

    /** {@code out[i] = src[srcOff + i]} as little-endian F32, for {@code n} samples. */
    public static void toF32(float[] src, int srcOff, int n, MutableDirectBuffer out, int outOff) {
        java.util.Objects.checkFromIndexSize(srcOff, n, src.length);
        out.boundsCheck(outOff, n * 4);
        MemorySegment so = Kernels.segment(out);
        long bo = Kernels.base(out) + outOff;
        int l = Kernels.L;
        int i = 0;
        int upper = n - (n % l);
        for (; i < upper; i += l) {
            FloatVector.fromArray(Kernels.F, src, srcOff + i).intoMemorySegment(so, bo + 4L * i, LE);
        }
        for (; i < n; i++) {
            out.putFloat(outOff + 4 * i, src[srcOff + i], LE);
        }
    }
}
