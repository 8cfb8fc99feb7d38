package org.remotemedia.dsp.resample;

/**
 * Inner products of the converter. Stateless; safe from any thread.
 */
final class Kernels {
    private Kernels() {}

    /** Sum of x[xo + i] * h[ho + i] for i in [0, n). */
    static double dot(double[] x, int xo, double[] h, int ho, int n) {
        double s = 0.0;
        for (int i = 0; i < n; i++) {
            s += x[xo + i] * h[ho + i];
        }
        return s;
    }
}
