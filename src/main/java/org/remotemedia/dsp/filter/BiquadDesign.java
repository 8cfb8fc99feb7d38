package org.remotemedia.dsp.filter;

import java.util.Locale;

/**
 * Second-order section designs: the Audio EQ Cookbook family (R. Bristow-Johnson), Butterworth
 * cascades, and a first-order high-pass (the DC blocker). Every design is an analog prototype
 * mapped by the bilinear transform with the frequency pre-warped at f0, written out here as:
 *
 * <pre>
 *   w0 = 2 pi f0 / fs,  cw = cos w0,  sw = sin w0,  alpha = sw / (2 Q),  A = 10^(gain_db / 40)
 *   lowpass    b = ((1-cw)/2, 1-cw, (1-cw)/2)           a = (1+alpha, -2cw, 1-alpha)
 *   highpass   b = ((1+cw)/2, -(1+cw), (1+cw)/2)        a = (1+alpha, -2cw, 1-alpha)
 *   bandpass   b = (alpha, 0, -alpha)   (0 dB at f0)    a = (1+alpha, -2cw, 1-alpha)
 *   notch      b = (1, -2cw, 1)                         a = (1+alpha, -2cw, 1-alpha)
 *   peaking    b = (1+alpha A, -2cw, 1-alpha A)         a = (1+alpha/A, -2cw, 1-alpha/A)
 *   lowshelf   b = A((A+1)-(A-1)cw+2 sqrt(A) alpha, 2((A-1)-(A+1)cw), (A+1)-(A-1)cw-2 sqrt(A) alpha)
 *              a = ((A+1)+(A-1)cw+2 sqrt(A) alpha, -2((A-1)+(A+1)cw), (A+1)+(A-1)cw-2 sqrt(A) alpha)
 *   highshelf  b = A((A+1)+(A-1)cw+2 sqrt(A) alpha, -2((A-1)+(A+1)cw), (A+1)+(A-1)cw-2 sqrt(A) alpha)
 *              a = ((A+1)-(A-1)cw+2 sqrt(A) alpha, 2((A-1)-(A+1)cw), (A+1)-(A-1)cw-2 sqrt(A) alpha)
 * </pre>
 *
 * Sections are returned as {b0, b1, b2, a1, a2} divided by a0. Stateless.
 */
public final class BiquadDesign {
    /** The cookbook's filter shapes. */
    public enum Shape {
        LOWPASS, HIGHPASS, BANDPASS, NOTCH, PEAKING, LOWSHELF, HIGHSHELF;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public boolean usesGain() {
            return this == PEAKING || this == LOWSHELF || this == HIGHSHELF;
        }

        public boolean isButterworthCapable() {
            return this == LOWPASS || this == HIGHPASS;
        }

        public static Shape parse(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    private BiquadDesign() {
    }

    /** One cookbook section. */
    public static double[] rbj(Shape shape, double sampleRate, double f0, double q, double gainDb) {
        double w0 = 2 * Math.PI * f0 / sampleRate;
        double cw = Math.cos(w0);
        double sw = Math.sin(w0);
        double alpha = sw / (2 * q);
        double a = Math.pow(10, gainDb / 40);
        double sa = 2 * Math.sqrt(a) * alpha;
        double b0;
        double b1;
        double b2;
        double a0;
        double a1;
        double a2;
        switch (shape) {
            case LOWPASS -> {
                b0 = (1 - cw) / 2;
                b1 = 1 - cw;
                b2 = b0;
                a0 = 1 + alpha;
                a1 = -2 * cw;
                a2 = 1 - alpha;
            }
            case HIGHPASS -> {
                b0 = (1 + cw) / 2;
                b1 = -(1 + cw);
                b2 = b0;
                a0 = 1 + alpha;
                a1 = -2 * cw;
                a2 = 1 - alpha;
            }
            case BANDPASS -> {
                b0 = alpha;
                b1 = 0;
                b2 = -alpha;
                a0 = 1 + alpha;
                a1 = -2 * cw;
                a2 = 1 - alpha;
            }
            case NOTCH -> {
                b0 = 1;
                b1 = -2 * cw;
                b2 = 1;
                a0 = 1 + alpha;
                a1 = -2 * cw;
                a2 = 1 - alpha;
            }
            case PEAKING -> {
                b0 = 1 + alpha * a;
                b1 = -2 * cw;
                b2 = 1 - alpha * a;
                a0 = 1 + alpha / a;
                a1 = -2 * cw;
                a2 = 1 - alpha / a;
            }
            case LOWSHELF -> {
                b0 = a * ((a + 1) - (a - 1) * cw + sa);
                b1 = 2 * a * ((a - 1) - (a + 1) * cw);
                b2 = a * ((a + 1) - (a - 1) * cw - sa);
                a0 = (a + 1) + (a - 1) * cw + sa;
                a1 = -2 * ((a - 1) + (a + 1) * cw);
                a2 = (a + 1) + (a - 1) * cw - sa;
            }
            case HIGHSHELF -> {
                b0 = a * ((a + 1) + (a - 1) * cw + sa);
                b1 = -2 * a * ((a - 1) + (a + 1) * cw);
                b2 = a * ((a + 1) + (a - 1) * cw - sa);
                a0 = (a + 1) - (a - 1) * cw + sa;
                a1 = 2 * ((a - 1) - (a + 1) * cw);
                a2 = (a + 1) - (a - 1) * cw - sa;
            }
            default -> throw new AssertionError(shape);
        }
        return new double[] {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
    }

    /**
     * First-order low- or high-pass by the bilinear transform, -3.01 dB at f0:
     * K = tan(pi f0 / fs); low-pass b = (K, K) / (1+K), high-pass b = (1, -1) / (1+K);
     * a1 = (K-1) / (K+1). As a section with b2 = a2 = 0.
     */
    public static double[] firstOrder(boolean highpass, double sampleRate, double f0) {
        double k = Math.tan(Math.PI * f0 / sampleRate);
        double n = 1 / (1 + k);
        double a1 = (k - 1) * n;
        return highpass ? new double[] {n, -n, 0, a1, 0} : new double[] {k * n, k * n, 0, a1, 0};
    }

    /**
     * Butterworth low- or high-pass of {@code order} (1..16) as cascaded sections: one
     * cookbook section per conjugate pole pair, with Q_k = 1 / (2 cos(phi_k)) where phi_k is
     * the pair's angle from the negative real axis: (2k-1) pi / (2N) for even N, k pi / N for
     * odd N (k = 1..N/2), plus a first-order section (the real pole) when N is odd. All share the pre-warped f0, so
     * the cascade is the bilinear image of the analog Butterworth:
     * |H|^2 = 1 / (1 + (tan(w/2) / tan(w0/2))^(2N)) (low-pass).
     */
    public static double[][] butterworth(boolean highpass, int order, double sampleRate, double f0) {
        double[][] s = new double[(order + 1) / 2][];
        Shape shape = highpass ? Shape.HIGHPASS : Shape.LOWPASS;
        for (int k = 1; k <= order / 2; k++) {
            s[k - 1] = rbj(shape, sampleRate, f0, butterworthQ(order, k), 0);
        }
        if (order % 2 == 1) {
            s[s.length - 1] = firstOrder(highpass, sampleRate, f0);
        }
        return s;
    }

    /** Q of the k-th (1-based) section of a Butterworth of this order. */
    public static double butterworthQ(int order, int k) {
        int m = order % 2 == 0 ? 2 * k - 1 : 2 * k;
        return 1 / (2 * Math.cos(m * Math.PI / (2 * order)));
    }
}
