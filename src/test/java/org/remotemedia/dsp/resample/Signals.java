package org.remotemedia.dsp.resample;

import java.nio.ByteOrder;
import java.util.function.IntUnaryOperator;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * Analytic test signals and measurements for the resampler: sums of sines whose exact value at
 * any instant is known, a least-squares sine fit at a known frequency, and a driver that runs a
 * {@link Resampler} on any chunking.
 */
final class Signals {
    private Signals() {}

    /** A sum of sines: amplitude a[i], frequency f[i] Hz, phase p[i] rad. */
    record Tones(double[] amp, double[] freq, double[] phase) {
        static Tones one(double amp, double freq) {
            return new Tones(new double[] {amp}, new double[] {freq}, new double[] {0.3});
        }

        /** Exact value at time {@code index / rate} seconds. */
        double at(long index, double rate) {
            double s = 0;
            for (int i = 0; i < amp.length; i++) {
                double cycles = freq[i] * index / rate;
                cycles -= Math.floor(cycles);
                s += amp[i] * Math.sin(2 * Math.PI * cycles + phase[i]);
            }
            return s;
        }
    }

    /** Interleaved frames of {@code channels} channels; channel c gets {@code tones} scaled by 1/(c+1). */
    static UnsafeBuffer encode(Tones tones, int rate, int frames, int channels, SampleFormat format) {
        UnsafeBuffer buf = new UnsafeBuffer(new byte[Math.max(1, frames * channels * format.bytesPerSample())]);
        for (int n = 0; n < frames; n++) {
            double v = tones.at(n, rate);
            for (int c = 0; c < channels; c++) {
                format.write(buf, 0, n * channels + c, v / (c + 1));
            }
        }
        return buf;
    }

    /**
     * Runs the converter over {@code frames} input frames cut into chunks of
     * {@code chunk.applyAsInt(callIndex)} frames (0 = everything in one call), then flushes.
     * Returns interleaved output samples.
     */
    static float[] run(Resampler r, UnsafeBuffer in, SampleFormat format, int frames, IntUnaryOperator chunk) {
        int ch = r.channels();
        int inFrameBytes = format.bytesPerSample() * ch;
        long expect = Resampler.outputFrames(frames, r.inputRate(), r.outputRate());
        MutableDirectBuffer out = new UnsafeBuffer(new byte[(int) (expect + r.maxOutputFrames(1) + r.maxFlushFrames() + 16) * 4 * ch]);
        int written = 0;
        int done = 0;
        int call = 0;
        while (done < frames) {
            int n = chunk.applyAsInt(call++);
            n = n <= 0 ? frames - done : Math.min(n, frames - done);
            int w = r.process(in, done * inFrameBytes, format, n, out, written * 4 * ch);
            if (w > r.maxOutputFrames(n)) {
                throw new AssertionError("process wrote " + w + " > maxOutputFrames(" + n + ") = " + r.maxOutputFrames(n));
            }
            written += w;
            done += n;
        }
        int tail = r.flush(out, written * 4 * ch);
        if (tail > r.maxFlushFrames()) {
            throw new AssertionError("flush wrote " + tail + " > maxFlushFrames " + r.maxFlushFrames());
        }
        written += tail;
        float[] result = new float[written * ch];
        for (int i = 0; i < result.length; i++) {
            result[i] = out.getFloat(4 * i, ByteOrder.LITTLE_ENDIAN);
        }
        return result;
    }

    /** One channel of interleaved samples, as doubles. */
    static double[] channel(float[] interleaved, int channels, int c) {
        double[] x = new double[interleaved.length / channels];
        for (int i = 0; i < x.length; i++) {
            x[i] = interleaved[i * channels + c];
        }
        return x;
    }

    /** Output frames [first, last) whose kernel window lies wholly inside the input. */
    static int[] steadyRange(Resampler r, int inputFrames) {
        long total = Resampler.outputFrames(inputFrames, r.inputRate(), r.outputRate());
        int margin = (int) Math.ceil((r.filterTaps() + 2.0) * r.outputRate() / r.inputRate()) + 2;
        return new int[] {margin, (int) total - margin};
    }

    /** Least-squares fit of a sine at a known frequency: returns {amplitude, residual power / fitted power}. */
    static double[] fit(double[] y, int from, int to, double freq, double rate) {
        double scc = 0, sss = 0, scs = 0, syc = 0, sys = 0;
        for (int k = from; k < to; k++) {
            double cycles = freq * k / rate;
            cycles -= Math.floor(cycles);
            double c = Math.cos(2 * Math.PI * cycles);
            double s = Math.sin(2 * Math.PI * cycles);
            scc += c * c;
            sss += s * s;
            scs += c * s;
            syc += y[k] * c;
            sys += y[k] * s;
        }
        double det = scc * sss - scs * scs;
        double a = (syc * sss - sys * scs) / det;
        double b = (sys * scc - syc * scs) / det;
        double res = 0, sig = 0;
        for (int k = from; k < to; k++) {
            double cycles = freq * k / rate;
            cycles -= Math.floor(cycles);
            double f = a * Math.cos(2 * Math.PI * cycles) + b * Math.sin(2 * Math.PI * cycles);
            double e = y[k] - f;
            res += e * e;
            sig += f * f;
        }
        return new double[] {Math.hypot(a, b), res / sig};
    }

    /** Ratio (dB) of the power of y - ideal to the power of ideal over [from, to). */
    static double errorDb(double[] y, int from, int to, Tones ideal, double rate) {
        double err = 0, sig = 0;
        for (int k = from; k < to; k++) {
            double v = ideal.at(k, rate);
            double e = y[k] - v;
            err += e * e;
            sig += v * v;
        }
        return 10 * Math.log10(err / sig);
    }

    static double rmsDb(double[] y, int from, int to, double reference) {
        double p = 0;
        for (int k = from; k < to; k++) {
            p += y[k] * y[k];
        }
        return 10 * Math.log10(p / (to - from) / (reference * reference / 2));
    }
}
