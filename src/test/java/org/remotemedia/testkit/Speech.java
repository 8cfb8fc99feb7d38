package org.remotemedia.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.remotemedia.buffer.wav.WavAudio;
import org.remotemedia.buffer.wav.WavReader;

/**
 * Real speech for tests: espeak-ng (Debian; scripts/lib/install-test-tools.sh installs it) speaks a
 * sentence into a WAV, read back as mono samples in [-1, 1] at espeak's 22050 Hz, with where the
 * voice is (the first and last sample above -40 dBFS).
 */
public final class Speech {
    private Speech() {
    }

    /** Mono samples and the voiced span [first, last] in samples. */
    public record Utterance(float[] samples, int sampleRate, int first, int last) {
    }

    public static Utterance say(String text, String voice, Path dir) {
        Path wav = dir.resolve("speech-" + Integer.toHexString((voice + text).hashCode()) + ".wav");
        try {
            Process p = new ProcessBuilder(List.of("espeak-ng", "-v", voice, "-s", "160", "-w", wav.toString(), text))
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(wav)) {
                fail("espeak-ng failed (exit " + (p.isAlive() ? "none" : p.exitValue()) + ")");
            }
            WavAudio a = WavReader.read(wav);
            float[] s = new float[a.frames()];
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) a.format().read(a.samples(), 0, i * a.channels());
            }
            int first = -1;
            int last = -1;
            for (int i = 0; i < s.length; i++) {
                if (Math.abs(s[i]) >= 0.01f) {
                    last = i;
                    if (first < 0) {
                        first = i;
                    }
                }
            }
            return new Utterance(s, a.sampleRate(), first, last);
        } catch (IOException e) {
            fail("espeak-ng not runnable (" + e.getMessage() + "): run scripts/lib/install-test-tools.sh");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@code in} (f32 mono) at {@code to} Hz through the project's resampler (high quality), as a pipeline's AudioResample would. */
    public static float[] resample(float[] in, int from, int to) {
        org.remotemedia.dsp.resample.Resampler r = org.remotemedia.dsp.resample.Resampler.create(from, to, 1,
                org.remotemedia.dsp.resample.ResampleQuality.HIGH);
        org.agrona.concurrent.UnsafeBuffer src = new org.agrona.concurrent.UnsafeBuffer(
                java.nio.ByteBuffer.allocateDirect(4 * in.length).order(java.nio.ByteOrder.LITTLE_ENDIAN));
        for (int i = 0; i < in.length; i++) {
            src.putFloat(4 * i, in[i], java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        org.agrona.concurrent.UnsafeBuffer dst = new org.agrona.concurrent.UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(
                4 * (r.maxOutputFrames(in.length) + r.maxFlushFrames())));
        int n = r.process(src, 0, org.remotemedia.buffer.SampleFormat.F32, in.length, dst, 0);
        n += r.flush(dst, 4 * n);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = dst.getFloat(4 * i, java.nio.ByteOrder.LITTLE_ENDIAN);
        }
        return out;
    }
}
