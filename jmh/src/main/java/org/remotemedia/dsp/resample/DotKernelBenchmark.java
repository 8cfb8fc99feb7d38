package org.remotemedia.dsp.resample;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The design choice behind {@link FirKernels}: cost of one 240-tap output (the HIGH 44.1 -> 16 kHz
 * window) for different storage / accumulation types, over a 160-phase table as in the real
 * converter (phases and window positions advance as they do for 44.1 -> 16 kHz). Score: ns per
 * output.
 *
 * <p>The variants repeat one loop shape per species on purpose: the Vector API compiles to SIMD
 * only when the species is a constant, so a species parameter would measure boxing instead.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DotKernelBenchmark {
    static final int TAPS = 240;
    static final int PHASES = 160;
    static final int OUTPUTS = 1600;
    static final VectorSpecies<Double> D512 = DoubleVector.SPECIES_512;
    static final VectorSpecies<Double> D256 = DoubleVector.SPECIES_256;
    static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;

    double[] xd;
    double[] hd;
    float[] xf;
    float[] hf;
    int[] start = new int[OUTPUTS];
    int[] row = new int[OUTPUTS];
    double[] scratch = new double[16];
    float[] scratchF = new float[16];

    @Setup
    public void setup() {
        Random r = new Random(1);
        int len = OUTPUTS * 3 + TAPS + 64;
        xd = new double[len];
        xf = new float[len];
        for (int i = 0; i < len; i++) {
            xf[i] = (float) (r.nextDouble() - 0.5);
            xd[i] = xf[i];
        }
        hd = new double[PHASES * TAPS];
        hf = new float[PHASES * TAPS];
        for (int i = 0; i < hd.length; i++) {
            hf[i] = (float) (r.nextDouble() - 0.5);
            hd[i] = hf[i];
        }
        long t = 0;
        for (int k = 0; k < OUTPUTS; k++) {
            start[k] = (int) (t / PHASES);
            row[k] = (int) (t % PHASES) * TAPS;
            t += 441;
        }
    }

    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double double512() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k++) {
            s += dotD512(xd, start[k], hd, row[k], TAPS);
        }
        return s;
    }

    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double double256() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k++) {
            s += dotD256(xd, start[k], hd, row[k], TAPS);
        }
        return s;
    }

    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double float256ToDouble512() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k++) {
            s += dotFD(xf, start[k], hf, row[k], TAPS);
        }
        return s;
    }

    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double float256ToDouble512Quad() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k++) {
            s += dotFD4(xf, start[k], hf, row[k], TAPS);
        }
        return s;
    }

    /** The production kernel (FirKernels.dot): float, split accumulators, fixed-order lane tree. */
    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double production() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k++) {
            s += FirKernels.dot(xf, start[k], hf, row[k], TAPS);
        }
        return s;
    }

    /** The production two-output kernel (FirKernels.dot2), per output. */
    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double productionPairs() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k += 2) {
            FirKernels.dot2(xf, start[k], hf, row[k], start[k + 1], row[k + 1], TAPS, scratch);
            s += scratch[0] + scratch[1];
        }
        return s;
    }

    /** The production four-output kernel (FirKernels.dot4), per output. */
    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double productionQuads() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k += 4) {
            FirKernels.dot4(xf, hf, TAPS, start[k], row[k], start[k + 1], row[k + 1], start[k + 2], row[k + 2],
                    start[k + 3], row[k + 3], scratch);
            s += scratch[0] + scratch[1] + scratch[2] + scratch[3];
        }
        return s;
    }

    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double float512() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k++) {
            s += dotF512(xf, start[k], hf, row[k], TAPS);
        }
        return s;
    }

    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double float256() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k++) {
            s += dotF256(xf, start[k], hf, row[k], TAPS);
        }
        return s;
    }

    @Benchmark
    @OperationsPerInvocation(OUTPUTS)
    public double scalarDouble() {
        double s = 0;
        for (int k = 0; k < OUTPUTS; k++) {
            s += dotScalarD(xd, start[k], hd, row[k], TAPS);
        }
        return s;
    }

    static double dotD256(double[] x, int xo, double[] h, int ho, int n) {
        VectorSpecies<Double> sp = D256;
        int l = sp.length();
        DoubleVector a0 = DoubleVector.zero(sp), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - 4 * l; i += 4 * l) {
            a0 = DoubleVector.fromArray(sp, x, xo + i).fma(DoubleVector.fromArray(sp, h, ho + i), a0);
            a1 = DoubleVector.fromArray(sp, x, xo + i + l).fma(DoubleVector.fromArray(sp, h, ho + i + l), a1);
            a2 = DoubleVector.fromArray(sp, x, xo + i + 2 * l).fma(DoubleVector.fromArray(sp, h, ho + i + 2 * l), a2);
            a3 = DoubleVector.fromArray(sp, x, xo + i + 3 * l).fma(DoubleVector.fromArray(sp, h, ho + i + 3 * l), a3);
        }
        for (; i < n; i += l) {
            a0 = DoubleVector.fromArray(sp, x, xo + i).fma(DoubleVector.fromArray(sp, h, ho + i), a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    static double dotD512(double[] x, int xo, double[] h, int ho, int n) {
        VectorSpecies<Double> sp = D512;
        int l = sp.length();
        DoubleVector a0 = DoubleVector.zero(sp), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - 4 * l; i += 4 * l) {
            a0 = DoubleVector.fromArray(sp, x, xo + i).fma(DoubleVector.fromArray(sp, h, ho + i), a0);
            a1 = DoubleVector.fromArray(sp, x, xo + i + l).fma(DoubleVector.fromArray(sp, h, ho + i + l), a1);
            a2 = DoubleVector.fromArray(sp, x, xo + i + 2 * l).fma(DoubleVector.fromArray(sp, h, ho + i + 2 * l), a2);
            a3 = DoubleVector.fromArray(sp, x, xo + i + 3 * l).fma(DoubleVector.fromArray(sp, h, ho + i + 3 * l), a3);
        }
        for (; i < n; i += l) {
            a0 = DoubleVector.fromArray(sp, x, xo + i).fma(DoubleVector.fromArray(sp, h, ho + i), a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    static double dotF512(float[] x, int xo, float[] h, int ho, int n) {
        VectorSpecies<Float> sp = F512;
        int l = sp.length();
        FloatVector a0 = FloatVector.zero(sp), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - 4 * l; i += 4 * l) {
            a0 = FloatVector.fromArray(sp, x, xo + i).fma(FloatVector.fromArray(sp, h, ho + i), a0);
            a1 = FloatVector.fromArray(sp, x, xo + i + l).fma(FloatVector.fromArray(sp, h, ho + i + l), a1);
            a2 = FloatVector.fromArray(sp, x, xo + i + 2 * l).fma(FloatVector.fromArray(sp, h, ho + i + 2 * l), a2);
            a3 = FloatVector.fromArray(sp, x, xo + i + 3 * l).fma(FloatVector.fromArray(sp, h, ho + i + 3 * l), a3);
        }
        for (; i < n; i += l) {
            a0 = FloatVector.fromArray(sp, x, xo + i).fma(FloatVector.fromArray(sp, h, ho + i), a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    static double dotF256(float[] x, int xo, float[] h, int ho, int n) {
        VectorSpecies<Float> sp = F256;
        int l = sp.length();
        FloatVector a0 = FloatVector.zero(sp), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - 4 * l; i += 4 * l) {
            a0 = FloatVector.fromArray(sp, x, xo + i).fma(FloatVector.fromArray(sp, h, ho + i), a0);
            a1 = FloatVector.fromArray(sp, x, xo + i + l).fma(FloatVector.fromArray(sp, h, ho + i + l), a1);
            a2 = FloatVector.fromArray(sp, x, xo + i + 2 * l).fma(FloatVector.fromArray(sp, h, ho + i + 2 * l), a2);
            a3 = FloatVector.fromArray(sp, x, xo + i + 3 * l).fma(FloatVector.fromArray(sp, h, ho + i + 3 * l), a3);
        }
        for (; i < n; i += l) {
            a0 = FloatVector.fromArray(sp, x, xo + i).fma(FloatVector.fromArray(sp, h, ho + i), a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** Float storage, exact float products widened to double lanes, double accumulation. */
    static double dotFD(float[] x, int xo, float[] h, int ho, int n) {
        DoubleVector a0 = DoubleVector.zero(D512), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - 16; i += 16) {
            FloatVector xv = FloatVector.fromArray(F512, x, xo + i);
            FloatVector hv = FloatVector.fromArray(F512, h, ho + i);
            DoubleVector x0 = (DoubleVector) xv.convertShape(VectorOperators.F2D, D512, 0);
            DoubleVector x1 = (DoubleVector) xv.convertShape(VectorOperators.F2D, D512, 1);
            DoubleVector h0 = (DoubleVector) hv.convertShape(VectorOperators.F2D, D512, 0);
            DoubleVector h1 = (DoubleVector) hv.convertShape(VectorOperators.F2D, D512, 1);
            a0 = x0.fma(h0, a0);
            a1 = x1.fma(h1, a1);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    /** Float storage loaded 8 at a time straight into double lanes, four accumulators. */
    static double dotFD4(float[] x, int xo, float[] h, int ho, int n) {
        DoubleVector a0 = DoubleVector.zero(D512), a1 = a0, a2 = a0, a3 = a0;
        int i = 0;
        for (; i <= n - 32; i += 32) {
            a0 = wide(x, xo + i).fma(wide(h, ho + i), a0);
            a1 = wide(x, xo + i + 8).fma(wide(h, ho + i + 8), a1);
            a2 = wide(x, xo + i + 16).fma(wide(h, ho + i + 16), a2);
            a3 = wide(x, xo + i + 24).fma(wide(h, ho + i + 24), a3);
        }
        for (; i < n; i += 8) {
            a0 = wide(x, xo + i).fma(wide(h, ho + i), a0);
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    private static DoubleVector wide(float[] a, int at) {
        return (DoubleVector) FloatVector.fromArray(F256, a, at).convertShape(VectorOperators.F2D, D512, 0);
    }

    static double dotScalarD(double[] x, int xo, double[] h, int ho, int n) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            s += x[xo + i] * h[ho + i];
        }
        return s;
    }
}
