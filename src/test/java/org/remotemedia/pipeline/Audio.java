package org.remotemedia.pipeline;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntToDoubleFunction;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;

/** Test audio: signals in direct buffers as AudioInputs, and decoding of outputs. */
final class Audio {
    private Audio() {
    }

    static AudioInput input(SampleFormat f, int rate, int channels, int frames, IntToDoubleFunction sample) {
        int n = frames * channels;
        ByteBuffer bb = ByteBuffer.allocateDirect(Math.max(1, n * f.bytesPerSample())).order(ByteOrder.LITTLE_ENDIAN);
        UnsafeBuffer b = new UnsafeBuffer(bb);
        for (int i = 0; i < n; i++) {
            f.write(b, 0, i, sample.applyAsDouble(i));
        }
        bb.limit(n * f.bytesPerSample());
        return AudioInput.of(bb, n, channels, rate, f);
    }

    static AudioInput sine(SampleFormat f, int rate, int channels, int frames, double hz, double amp) {
        return input(f, rate, channels, frames, i -> amp * Math.sin(2 * Math.PI * hz * (i / channels) / rate + (i % channels)));
    }

    static double[] decode(AudioOutput o) {
        double[] d = new double[(int) o.numSamples()];
        for (int i = 0; i < d.length; i++) {
            d[i] = o.format().read(o.buffer(), 0, i);
        }
        return d;
    }

    static double[] decode(AudioInput in) {
        double[] d = new double[(int) in.numSamples()];
        for (int i = 0; i < d.length; i++) {
            d[i] = in.format().read(in.buffer(), in.offset(), i);
        }
        return d;
    }

    /** A chunk [fromFrame, fromFrame+frames) of an input, as a view. */
    static AudioInput slice(AudioInput in, int fromFrame, int frames) {
        int fb = in.channels() * in.format().bytesPerSample();
        return AudioInput.of(in.buffer(), in.offset() + fromFrame * fb, frames * fb, (long) frames * in.channels(),
                in.channels(), in.sampleRate(), in.format());
    }
}
