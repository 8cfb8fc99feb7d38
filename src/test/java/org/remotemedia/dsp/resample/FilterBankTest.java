package org.remotemedia.dsp.resample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The coefficient tables: unit gain at every phase, linear phase, padding, sharing. */
class FilterBankTest {

    @Test
    void everyPhaseHasUnitDcGainAndZeroPadding() {
        for (ResampleQuality q : ResampleQuality.values()) {
            for (int[] r : new int[][] {{160, 441}, {3, 1}, {1, 3}, {147, 160}}) {
                FilterBank b = FilterBank.of(r[0], r[1], q);
                for (int p = 0; p < b.phases; p++) {
                    double sum = 0;
                    for (int m = 0; m < b.taps; m++) {
                        sum += b.coef[p * b.taps + m];
                    }
                    for (int m = 2 * b.half; m < b.taps; m++) {
                        assertEquals(0f, b.coef[p * b.taps + m], "padding");
                    }
                    double tolerance = Math.pow(10, -q.attenuationDb / 20) * 10 + 1e-6;
                    assertEquals(1.0, sum, tolerance, q + " " + r[0] + "/" + r[1] + " phase " + p);
                }
            }
        }
    }

    /** h(t) = h(-t): tap m of phase p (t = p/L + half - 1 - m) equals tap 2 half - 1 - m of phase L - p. */
    @Test
    void kernelIsSymmetric() {
        FilterBank b = FilterBank.of(160, 441, ResampleQuality.HIGH);
        int l = b.phases;
        for (int p = 1; p < l; p++) {
            for (int m = 0; m < 2 * b.half - 1; m++) {
                int mirror = 2 * b.half - 1 - m;
                if (mirror < 2 * b.half) {
                    assertEquals(b.coef[p * b.taps + m], b.coef[(l - p) * b.taps + mirror], 1e-9);
                }
            }
        }
    }

    @Test
    void banksAreSharedAndInterpolatedUpsamplingSharesOne() {
        assertSame(FilterBank.of(160, 441, ResampleQuality.HIGH), FilterBank.of(160, 441, ResampleQuality.HIGH));
        FilterBank a = FilterBank.of(54321, 12345, ResampleQuality.HIGH);
        FilterBank b = FilterBank.of(44101, 44100, ResampleQuality.HIGH);
        assertTrue(a.interpolated);
        assertSame(a, b);
        assertFalse(FilterBank.of(160, 147, ResampleQuality.HIGH).interpolated);
        assertEquals(FilterBank.ROWS_AT_HALF_BAND, a.phases, "rows for upsampling (cutoff 0.5 cycles per input sample)");
    }
}
