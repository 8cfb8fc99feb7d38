package org.remotemedia.dsp.resample;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The kernels that must agree bit for bit (so streaming equals one-shot whichever kernel a
 * chunk boundary selects) do, and all agree with the double-accumulating reference.
 */
class FirKernelsTest {
    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * 0.3);
        }
        return a;
    }

    @Test
    void oneTwoAndFourOutputKernelsAreBitIdentical() {
        Random r = new Random(5);
        for (int taps : new int[] {16, 32, 48, 96, 240, 400}) {
            float[] x = random(r, 4000);
            float[] h = random(r, taps * 8);
            double[] s2 = new double[FirKernels.SCRATCH];
            double[] s4 = new double[FirKernels.SCRATCH];
            for (int trial = 0; trial < 50; trial++) {
                int[] xo = new int[4];
                int[] ho = new int[4];
                for (int k = 0; k < 4; k++) {
                    xo[k] = r.nextInt(x.length - taps);
                    ho[k] = r.nextInt(8) * taps;
                }
                FirKernels.dot2(x, xo[0], h, ho[0], xo[1], ho[1], taps, s2);
                FirKernels.dot4(x, h, taps, xo[0], ho[0], xo[1], ho[1], xo[2], ho[2], xo[3], ho[3], s4);
                for (int k = 0; k < 4; k++) {
                    float one = FirKernels.dot(x, xo[k], h, ho[k], taps);
                    assertEquals(Float.floatToRawIntBits(one), Float.floatToRawIntBits((float) s4[k]), "dot4 lane " + k);
                    if (k < 2) {
                        assertEquals(Float.floatToRawIntBits(one), Float.floatToRawIntBits((float) s2[k]), "dot2 lane " + k);
                    }
                    double ref = FirKernels.dotScalar(x, xo[k], h, ho[k], taps);
                    assertEquals(ref, one, 1e-6, "vs reference");
                }
            }
        }
    }

    @Test
    void acrossTimeBlockLanesEqualTheScalarLane() {
        Random r = new Random(6);
        int lanes = FirKernels.LANES;
        for (int taps : new int[] {16, 48, 96, 144}) {
            float[] x = random(r, 2000);
            float[] h = random(r, taps * 3);
            float[] block = new float[lanes * 3];
            for (int trial = 0; trial < 50; trial++) {
                int xo = r.nextInt(x.length - taps - lanes);
                int ho = r.nextInt(3) * taps;
                FirKernels.blockTime(x, xo, h, ho, taps, block, lanes);
                for (int t = 0; t < lanes; t++) {
                    float lane = FirKernels.dotTime(x, xo + t, h, ho, taps);
                    assertEquals(Float.floatToRawIntBits(lane), Float.floatToRawIntBits(block[lanes + t]), "lane " + t);
                    assertEquals(FirKernels.dotScalar(x, xo + t, h, ho, taps), lane, 1e-6, "vs reference");
                }
            }
        }
    }

    /** Every lane of a block equals the one-output twin, and both the scalar reference, on real
     *  banks; the paired kernel equals two single blocks. */
    @Test
    void blockLanesEqualTheOneOutputTwin() {
        Random r = new Random(7);
        int lanes = FirKernels.LANES;
        float[] acc = new float[8];
        int[][] ratios = {{320, 441}, {1, 3}, {2, 3}, {160, 441}, {160, 147}};
        for (int[] ratio : ratios) {
            FilterBank b = FilterBank.of(ratio[0], ratio[1], ResampleQuality.HIGH);
            float[] x = random(r, 4000);
            float[] out = new float[lanes];
            for (int pattern = 0; pattern < b.blockCount; pattern++) {
                int co = pattern * b.blockWidth * lanes;
                int xo = r.nextInt(x.length - b.blockWidth);
                FirKernels.block(x, xo, b.blocks, co, b.blockWidth, out, 0);
                // the paired kernel gives each of its two windows exactly block's result
                int xo2 = r.nextInt(x.length - b.blockWidth);
                float[] pair = new float[2 * lanes];
                float[] second = new float[lanes];
                FirKernels.block2(x, xo, xo2, b.blocks, co, b.blockWidth, pair, 0, lanes);
                FirKernels.block(x, xo2, b.blocks, co, b.blockWidth, second, 0);
                for (int t = 0; t < lanes; t++) {
                    assertEquals(Float.floatToRawIntBits(out[t]), Float.floatToRawIntBits(pair[t]), "pair a, lane " + t);
                    assertEquals(Float.floatToRawIntBits(second[t]), Float.floatToRawIntBits(pair[lanes + t]),
                            "pair b, lane " + t);
                }
                for (int t = 0; t < lanes; t++) {
                    int d = b.blockOffsets[pattern * lanes + t];
                    float one = FirKernels.blockLane(x, xo, b.blocks, co, d, d + 2 * b.half, t, acc);
                    assertEquals(Float.floatToRawIntBits(out[t]), Float.floatToRawIntBits(one), "lane " + t);
                    long k = (long) pattern * lanes + t;
                    int row = (int) (k * ratio[1] % ratio[0]);
                    assertEquals(FirKernels.dotScalar(x, xo + d, b.coef, row * b.taps, b.taps), one, 1e-6, "vs reference");
                }
            }
        }
    }
}
