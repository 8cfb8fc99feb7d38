package org.remotemedia.dsp.loudness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.buffer.wav.WavWriter;
import org.remotemedia.testkit.Speech;

/**
 * The loudness meter against EBU Tech 3341 (integrated, momentary, short-term; true peak) and
 * Tech 3342 (loudness range) test signals, generated here as the documents describe them (1 kHz
 * sines at given levels and durations; sines whose peak falls between samples), with the
 * documents' tolerances; at other rates; and against ffmpeg's ebur128 filter on real speech
 * (espeak-ng), integrated loudness within 0.1 LU.
 */
class LoudnessMeterTest {
    private static final int FS = 48000;

    /** One stretch of a 1 kHz sine: seconds, and the peak level of each channel in dBFS. */
    private record Part(double seconds, double... dbfs) {
    }

    /** Interleaved F32 of the parts, the sine continuous across them. */
    private static UnsafeBuffer tone(int rate, int ch, Part... parts) {
        long frames = 0;
        for (Part p : parts) {
            frames += Math.round(p.seconds * rate);
        }
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect((int) (4 * frames * ch)).order(ByteOrder.LITTLE_ENDIAN));
        long at = 0;
        for (Part p : parts) {
            long n = Math.round(p.seconds * rate);
            for (long i = 0; i < n; i++, at++) {
                double s = Math.sin(2 * Math.PI * 1000 * at / rate);
                for (int c = 0; c < ch; c++) {
                    b.putFloat((int) (4 * (at * ch + c)), (float) (Math.pow(10, p.dbfs[c] / 20) * s), ByteOrder.LITTLE_ENDIAN);
                }
            }
        }
        return b;
    }

    private static LoudnessMeter measure(int rate, int ch, UnsafeBuffer b) {
        LoudnessMeter m = new LoudnessMeter(rate, ch);
        m.process(b, 0, SampleFormat.F32, b.capacity() / 4 / ch);
        m.finish();
        return m;
    }

    private static Part stereo(double seconds, double dbfs) {
        return new Part(seconds, dbfs, dbfs);
    }

    @Test
    void tech3341Cases1To6ReadTheirIntegratedLoudness() {
        assertEquals(-23.0, measure(FS, 2, tone(FS, 2, stereo(20, -23))).integratedLufs(), 0.1, "case 1");
        assertEquals(-33.0, measure(FS, 2, tone(FS, 2, stereo(20, -33))).integratedLufs(), 0.1, "case 2");
        assertEquals(-23.0, measure(FS, 2, tone(FS, 2, stereo(10, -36), stereo(60, -23), stereo(10, -36)))
                .integratedLufs(), 0.1, "case 3");
        assertEquals(-23.0, measure(FS, 2, tone(FS, 2, stereo(10, -72), stereo(10, -36), stereo(60, -23),
                stereo(10, -36), stereo(10, -72))).integratedLufs(), 0.1, "case 4");
        assertEquals(-23.0, measure(FS, 2, tone(FS, 2, stereo(20, -26), stereo(20.1, -20), stereo(20, -26)))
                .integratedLufs(), 0.1, "case 5");
        // case 6: 5.0 (L R C Ls Rs), surrounds weighted 1.41
        assertEquals(-23.0, measure(FS, 5, tone(FS, 5, new Part(20, -28, -28, -24, -30, -30))).integratedLufs(), 0.1,
                "case 6");
    }

    @Test
    void momentaryAndShortTermReadASteadyToneAndFollowAStep() {
        LoudnessMeter m = new LoudnessMeter(FS, 2);
        UnsafeBuffer b = tone(FS, 2, stereo(5, -23), stereo(5, -33));
        int half = 5 * FS;
        m.process(b, 0, SampleFormat.F32, half);
        assertEquals(-23.0, m.momentaryLufs(), 0.1);
        assertEquals(-23.0, m.shortTermLufs(), 0.1);
        m.process(b, 4 * 2 * half, SampleFormat.F32, half);
        assertEquals(-33.0, m.momentaryLufs(), 0.1);
        assertEquals(-33.0, m.shortTermLufs(), 0.1);
        assertEquals(-23.0, m.maxMomentaryLufs(), 0.1);
        assertEquals(-23.0, m.maxShortTermLufs(), 0.1);
        // a 0.4 s burst at -23 in -60 shows in the momentary maximum only, not 3 s short-term
        LoudnessMeter burst = measure(FS, 2, tone(FS, 2, stereo(3, -60), stereo(0.4, -23), stereo(3, -60)));
        assertEquals(-23.0, burst.maxMomentaryLufs(), 0.3);
        assertTrue(burst.maxShortTermLufs() < -30, "short-term max " + burst.maxShortTermLufs());
    }

    @Test
    void tech3342Cases1To4ReadTheirLoudnessRange() {
        assertEquals(10, measure(FS, 2, tone(FS, 2, stereo(20, -20), stereo(20, -30))).loudnessRangeLu(), 1, "case 1");
        assertEquals(5, measure(FS, 2, tone(FS, 2, stereo(20, -20), stereo(20, -15))).loudnessRangeLu(), 1, "case 2");
        assertEquals(20, measure(FS, 2, tone(FS, 2, stereo(20, -40), stereo(20, -20))).loudnessRangeLu(), 1, "case 3");
        assertEquals(15, measure(FS, 2, tone(FS, 2, stereo(20, -50), stereo(20, -35), stereo(20, -20),
                stereo(20, -35), stereo(20, -50))).loudnessRangeLu(), 1, "case 4");
    }

    @Test
    void truePeakFindsPeaksBetweenSamples() {
        // sines whose samples miss the crest (Tech 3341's true-peak signals are of this kind): the
        // true peak is the amplitude; tolerance +0.2 / -0.4 dB as there. 20 ms raised-cosine fades at
        // both ends: an abrupt start or end rings in any band-limited reconstruction (up to +0.4 dB
        // here), which would measure the edge, not the sine
        double[][] cases = {{FS / 4.0, 45}, {FS / 6.0, 0}, {FS / 8.0, 22.5}, {997, 10}};
        for (int rate : new int[] {48000, 44100, 96000}) {
            for (double[] c : cases) {
                double f = c[0] * rate / FS;
                double amp = Math.pow(10, -6.0 / 20);
                int n = rate;
                UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * n).order(ByteOrder.LITTLE_ENDIAN));
                double samplePeak = 0;
                for (int i = 0; i < n; i++) {
                    int fade = rate / 50;
                    double edge = Math.min(1, Math.min(i, n - 1 - i) / (double) fade);
                    double v = amp * Math.sin(2 * Math.PI * f * i / rate + Math.toRadians(c[1]))
                            * (0.5 - 0.5 * Math.cos(Math.PI * edge));
                    b.putFloat(4 * i, (float) v, ByteOrder.LITTLE_ENDIAN);
                    samplePeak = Math.max(samplePeak, Math.abs(v));
                }
                double tp = 20 * Math.log10(measure(rate, 1, b).maxTruePeak());
                String where = rate + " Hz, sine " + f + " Hz at " + c[1] + " deg (sample peak "
                        + 20 * Math.log10(samplePeak) + " dBFS): true peak " + tp;
                assertTrue(tp >= -6.4 && tp <= -5.8, where);
            }
        }
    }

    @Test
    void otherRatesReadTheSameLoudness() {
        for (int rate : new int[] {8000, 16000, 22050, 44100, 96000, 192000}) {
            assertEquals(-23.0, measure(rate, 2, tone(rate, 2, stereo(10, -23))).integratedLufs(), 0.1, rate + " Hz");
        }
    }

    @Test
    void silenceHasNoLoudness() {
        LoudnessMeter m = measure(FS, 1, new UnsafeBuffer(ByteBuffer.allocateDirect(4 * FS * 2)));
        assertEquals(Double.NEGATIVE_INFINITY, m.integratedLufs());
        assertEquals(0.0, m.loudnessRangeLu());
        assertEquals(0.0, m.maxTruePeak());
    }

    @Test
    void integratedLoudnessOfRealSpeechMatchesFfmpegEbur128(@TempDir Path dir) throws Exception {
        List<float[]> parts = new ArrayList<>();
        int rate = 0;
        String[][] lines = {{"en", "Loudness is measured over the whole programme, with quiet parts gated out."},
                {"de", "Die Lautheit wird ueber das ganze Programm gemessen."},
                {"fr", "Les passages calmes ne comptent pas dans la mesure."}};
        for (String[] l : lines) {
            Speech.Utterance u = Speech.say(l[1], l[0], dir);
            rate = u.sampleRate();
            parts.add(u.samples());
        }
        SplittableRandom r = new SplittableRandom(1);
        double[] gains = {1.0, 0.35, 0.7};
        List<Float> all = new ArrayList<>();
        for (int k = 0; k < parts.size(); k++) {
            for (float v : parts.get(k)) {
                all.add((float) (gains[k] * v + 0.001 * r.nextGaussian()));
            }
            for (int i = 0; i < rate / 2; i++) {
                all.add((float) (0.001 * r.nextGaussian()));
            }
        }
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * all.size()).order(ByteOrder.LITTLE_ENDIAN));
        for (int i = 0; i < all.size(); i++) {
            b.putFloat(4 * i, all.get(i), ByteOrder.LITTLE_ENDIAN);
        }
        double ours = measure(rate, 1, b).integratedLufs();
        Path wav = dir.resolve("speech.wav");
        WavWriter.write(wav, b, 0, all.size(), 1, rate, SampleFormat.F32, 32);
        double theirs = ffmpegIntegrated(wav);
        assertEquals(theirs, ours, 0.1, "ours " + ours + " LUFS, ffmpeg ebur128 " + theirs + " LUFS");
    }

    /** The last lavfi.r128.I that ffmpeg's ebur128 filter reports for the file (3 decimals). */
    static double ffmpegIntegrated(Path wav) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("ffmpeg", "-hide_banner", "-nostats", "-i", wav.toString(), "-af",
                    "ebur128=metadata=1,ametadata=mode=print:key=lavfi.r128.I", "-f", "null", "-")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("ffmpeg not runnable (" + e.getMessage() + "): run scripts/lib/install-test-tools.sh");
            return Double.NaN;
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail("ffmpeg failed: " + out);
        }
        int at = out.lastIndexOf("lavfi.r128.I=");
        if (at < 0) {
            fail("ffmpeg printed no lavfi.r128.I: " + out);
        }
        String v = out.substring(at + "lavfi.r128.I=".length()).split("\\s")[0];
        return Double.parseDouble(v);
    }
}
