package org.remotemedia.dsp.resample;

import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * The resampler's quality figures, each measured against analytic signals on float32 input of
 * one second (mono), over the steady-state part of the output (frames whose kernel window lies
 * inside the input). Frequencies are in units of the lower Nyquist frequency nu = min(fi, fo) / 2.
 */
final class Quality {
    private Quality() {}

    static final double AMP = 0.5;
    /** Vector kernels (true) or the scalar double-accumulating reference (false). */
    static boolean vectorKernels = true;

    /** Largest |gain in dB| of a tone over (0, edge] nu, 46 tones. */
    static double passbandDeviationDb(int fi, int fo, ResampleQuality q, double edge) {
        double nu = nu(fi, fo);
        double worst = 0;
        for (int i = 1; i <= 46; i++) {
            double f = edge * nu * i / 46.0;
            worst = Math.max(worst, Math.abs(gainDb(fi, fo, q, f)));
        }
        return worst;
    }

    /** Gain in dB of a tone at f Hz (least-squares fit of the output at f). */
    static double gainDb(int fi, int fo, ResampleQuality q, double f) {
        double[] y = convert(fi, fo, q, Signals.Tones.one(AMP, f));
        int[] s = steady(fi, fo, q);
        return 20 * Math.log10(Signals.fit(y, s[0], s[1], f, fo)[0] / AMP);
    }

    /** The frequency (in nu) where the gain crosses -3 dB, by bisection over [0.5, 1.5] nu. */
    static double minus3DbPoint(int fi, int fo, ResampleQuality q) {
        double nu = nu(fi, fo);
        // below nu: a tone at exactly nu is degenerate after downsampling
        double lo = 0.6, hi = 0.9999;
        for (int i = 0; i < 20; i++) {
            double mid = 0.5 * (lo + hi);
            if (gainDb(fi, fo, q, mid * nu) > -3.0103) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    /**
     * Worst leak (dB re the input tone) of tones at or above {@code edge} nu. Downsampling: input
     * tones from edge nu to the input Nyquist; the whole output is leak (alias). Upsampling (the
     * input Nyquist is the band edge): input tones f with fi - f >= edge nu (up to 0.995 nu); the
     * output minus its fitted tone at f is leak (images at k fi +- f, plus noise), re the input tone.
     */
    static double stopbandDb(int fi, int fo, ResampleQuality q, double edge) {
        double nu = nu(fi, fo);
        int[] s = steady(fi, fo, q);
        double worst = -400;
        if (fi > fo) {
            if (edge * nu >= fi / 2.0) {
                return Double.NaN; // no input tone lies that high
            }
            int n = 24;
            double top = fi / 2.0 * 0.999;
            for (int i = 0; i <= n; i++) {
                double f = edge * nu + (top - edge * nu) * i / n;
                double[] y = convert(fi, fo, q, Signals.Tones.one(AMP, f));
                worst = Math.max(worst, Signals.rmsDb(y, s[0], s[1], AMP));
            }
        } else {
            int n = 24;
            double top = Math.min(fi - edge * nu, 0.995 * nu);
            for (int i = 1; i <= n; i++) {
                double f = top * i / n;
                double[] y = convert(fi, fo, q, Signals.Tones.one(AMP, f));
                double[] fit = Signals.fit(y, s[0], s[1], f, fo);
                double fitted = fit[0] / AMP;
                worst = Math.max(worst, 10 * Math.log10(fit[1] * fitted * fitted));
            }
        }
        return worst;
    }

    /** THD+N (dB) of a 1 kHz tone at -6 dBFS: output minus its fitted 1 kHz sine, over the sine. */
    static double thdPlusNoiseDb(int fi, int fo, ResampleQuality q) {
        if (1000 >= 0.9 * nu(fi, fo)) {
            return Double.NaN; // 1 kHz is not in the passband
        }
        double[] y = convert(fi, fo, q, Signals.Tones.one(AMP, 1000));
        int[] s = steady(fi, fo, q);
        return 10 * Math.log10(Signals.fit(y, s[0], s[1], 1000, fo)[1]);
    }

    /** SNR (dB) against the analytic ideal of 12 tones of random frequency in (0, edge] nu, random phase. */
    static double snrDb(int fi, int fo, ResampleQuality q, double edge) {
        Random rnd = new Random(fi * 31L + fo);
        int n = 12;
        double[] a = new double[n], f = new double[n], p = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = 0.9 / n;
            f[i] = (0.02 + 0.98 * rnd.nextDouble()) * edge * nu(fi, fo);
            p[i] = rnd.nextDouble() * 2 * Math.PI;
        }
        Signals.Tones tones = new Signals.Tones(a, f, p);
        double[] y = convert(fi, fo, q, tones);
        int[] s = steady(fi, fo, q);
        return -Signals.errorDb(y, s[0], s[1], tones, fo);
    }

    static double nu(int fi, int fo) {
        return Math.min(fi, fo) / 2.0;
    }

    static int[] steady(int fi, int fo, ResampleQuality q) {
        return Signals.steadyRange(Resampler.create(fi, fo, 1, q), fi);
    }

    static double[] convert(int fi, int fo, ResampleQuality q, Signals.Tones tones) {
        Resampler r = Resampler.create(fi, fo, 1, q);
        r.vectorKernels = vectorKernels;
        UnsafeBuffer in = Signals.encode(tones, fi, fi, 1, SampleFormat.F32);
        return Signals.channel(Signals.run(r, in, SampleFormat.F32, fi, i -> 0), 1, 0);
    }
}
