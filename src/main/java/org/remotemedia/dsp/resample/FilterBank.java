package org.remotemedia.dsp.resample;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The polyphase coefficients of one conversion ratio and preset: a Kaiser-windowed sinc
 * evaluated in continuous time (input-sample units) at every phase the converter needs.
 *
 * <p>Exact mode: one row per phase {@code p / L} of the reduced ratio {@code L / M}. When
 * {@code L x taps} would be too large (odd rate pairs such as 44100 -> 47999), the table
 * holds {@code phases + 1} uniformly spaced rows and the converter interpolates linearly
 * between neighbouring rows ({@code delta} holds row differences).
 *
 * <p>Row {@code r} holds {@code h(r / phases + half - 1 - m)} for tap {@code m}: tap 0 multiplies
 * the oldest input sample of the window. Rows are padded with zero taps to a multiple of
 * {@link #PAD} so vector loops need no scalar tail.
 *
 * <p>Immutable after construction and shared by every converter of the same ratio and preset
 * through {@link #of}; safe from any thread.
 */
final class FilterBank {
    /** Tap-count granularity: a multiple of every vector width used (8 doubles, 16 floats). */
    static final int PAD = 16;
    /** Largest exact table (entries); beyond it the bank interpolates between phases. */
    static final long EXACT_LIMIT = 1L << 20;

    private static final ConcurrentHashMap<Key, FilterBank> CACHE = new ConcurrentHashMap<>();

    private record Key(int up, int down, ResampleQuality quality) {}

    final int up;
    final int down;
    final ResampleQuality quality;
    /** Rows in the table (exact: {@code up}; interpolated: uniform phase count). */
    final int phases;
    final boolean interpolated;
    /** Half-width of the kernel in input samples; a window spans {@code 2 * half} real taps. */
    final int half;
    /** Taps per row including zero padding. */
    final int taps;
    /** Cutoff in cycles per input sample (the -6 dB point of the kernel). */
    final double cutoff;
    /** Coefficients rounded to float (designed in double): see {@link Kernels} on precision. */
    final float[] coef;
    /** Row differences (row r+1 - row r), interpolated mode only; else null. */
    final float[] delta;

    static FilterBank of(int up, int down, ResampleQuality quality) {
        return CACHE.computeIfAbsent(new Key(up, down, quality), k -> new FilterBank(k.up, k.down, k.quality));
    }

    private FilterBank(int up, int down, ResampleQuality quality) {
        this.up = up;
        this.down = down;
        this.quality = quality;
        // lower Nyquist, in cycles per input sample
        double nyquist = 0.5 * Math.min(1.0, (double) up / down);
        double pass = quality.passEdge * nyquist;
        double stop = quality.stopEdge * nyquist;
        this.cutoff = 0.5 * (pass + stop);
        double transition = stop - pass;
        double a = quality.attenuationDb;
        double length = (a - 7.95) / (14.36 * transition) + 1.0;
        this.half = Math.max(1, (int) Math.ceil(length / 2.0));
        int real = 2 * half;
        this.taps = (real + PAD - 1) / PAD * PAD;
        double beta = a > 50 ? 0.1102 * (a - 8.7) : 0.5842 * Math.pow(a - 21, 0.4) + 0.07886 * (a - 21);
        double i0beta = besselI0(beta);

        int rows;
        if ((long) up * taps <= EXACT_LIMIT) {
            interpolated = false;
            rows = up;
        } else {
            interpolated = true;
            // linear interpolation error ~ (2 pi fc / P)^2 / 24 relative to the peak: keep it
            // below -140 dB at fc = 0.5, fewer rows for narrower kernels
            int p = Integer.highestOneBit((int) Math.ceil(8192 * 2 * cutoff));
            rows = Math.max(64, p < 8192 * 2 * cutoff ? p * 2 : p);
        }
        this.phases = rows;
        int stored = interpolated ? rows + 1 : rows;
        double[] exact = new double[stored * taps];
        for (int r = 0; r < stored; r++) {
            double frac = (double) r / rows;
            for (int m = 0; m < real; m++) {
                double t = frac + half - 1 - m;
                exact[r * taps + m] = kernel(t, cutoff, half, beta, i0beta);
            }
        }
        this.coef = new float[stored * taps];
        for (int i = 0; i < coef.length; i++) {
            coef[i] = (float) exact[i];
        }
        if (interpolated) {
            delta = new float[rows * taps];
            for (int i = 0; i < delta.length; i++) {
                delta[i] = (float) (exact[i + taps] - exact[i]);
            }
        } else {
            delta = null;
        }
    }

    /** Windowed sinc at time t (input samples) with unit area: band-limited interpolation. */
    static double kernel(double t, double fc, int half, double beta, double i0beta) {
        double u = t / half;
        if (u <= -1.0 || u >= 1.0) {
            return 0.0;
        }
        double x = 2.0 * fc * t;
        double sinc = x == 0.0 ? 1.0 : Math.sin(Math.PI * x) / (Math.PI * x);
        return 2.0 * fc * sinc * besselI0(beta * Math.sqrt(1.0 - u * u)) / i0beta;
    }

    /** Modified Bessel function of the first kind, order 0, by its power series. */
    static double besselI0(double x) {
        double sum = 1.0;
        double term = 1.0;
        double q = 0.25 * x * x;
        for (int k = 1; k < 500; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }
}
