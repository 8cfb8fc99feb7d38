package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeHarness;
import org.remotemedia.testkit.Speech;
import org.remotemedia.testkit.TestModels;

/**
 * SileroVAD with the real model on real speech (espeak-ng): two sentences with silence and a
 * little noise around them are found where the voice is, at 16 kHz and 8 kHz (the model's own
 * rates) and at espeak's 22.05 kHz (through the resampler), also with white noise at 10 dB SNR;
 * streamed in random chunks it gives the one-shot segments and gated audio exactly; sessions on
 * several threads at once share the one model and get what each gets alone.
 */
class SileroVadModelTest {
    private static float[] signal; // at 22050 Hz
    private static int rate;
    private static int[][] voiced; // [first, last] of each sentence, in samples at 22050 Hz
    private static SileroVad type;

    @BeforeAll
    static void speak(@TempDir Path dir) {
        type = SileroVad.with(TestModels.silero());
        Speech.Utterance a = Speech.say("The quick brown fox jumps over the lazy dog.", "en", dir);
        Speech.Utterance b = Speech.say("Il fait tres beau aujourd'hui a Paris.", "fr", dir);
        rate = a.sampleRate();
        int gap0 = (int) (0.8 * rate);
        int gap1 = (int) (1.2 * rate);
        signal = new float[gap0 + a.samples().length + gap1 + b.samples().length + gap0];
        System.arraycopy(a.samples(), 0, signal, gap0, a.samples().length);
        int bAt = gap0 + a.samples().length + gap1;
        System.arraycopy(b.samples(), 0, signal, bAt, b.samples().length);
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < signal.length; i++) {
            signal[i] += (float) (0.003 * r.nextGaussian()); // a quiet room, -50 dBFS
        }
        voiced = new int[][] {{gap0 + a.first(), gap0 + a.last()}, {bAt + b.first(), bAt + b.last()}};
    }

    @Test
    void findsBothSentencesAtEveryRate() {
        for (int to : new int[] {16000, 8000, 22050, 48000}) {
            float[] s = to == rate ? signal : Speech.resample(signal, rate, to);
            String data = oneShot(new AudioSpec(to, 1, SampleFormat.F32), s, Map.of()).dataSummary();
            assertSegmentsAtTheVoice(data, "at " + to + " Hz");
        }
    }

    @Test
    void findsBothSentencesInWhiteNoiseAt10DbSnr() {
        double speechPower = 0;
        int n = 0;
        for (int[] v : voiced) {
            for (int i = v[0]; i <= v[1]; i++) {
                speechPower += signal[i] * (double) signal[i];
                n++;
            }
        }
        double sigma = Math.sqrt(speechPower / n / 10.0);
        SplittableRandom r = new SplittableRandom(11);
        float[] noisy = signal.clone();
        for (int i = 0; i < noisy.length; i++) {
            noisy[i] += (float) (sigma * r.nextGaussian());
        }
        float[] s = Speech.resample(noisy, rate, 16000);
        assertSegmentsAtTheVoice(oneShot(new AudioSpec(16000, 1, SampleFormat.F32), s, Map.of()).dataSummary(),
                "white noise, 10 dB SNR");
    }

    @Test
    void streamedInRandomChunksEqualsOneShotWithTheRealModel() {
        float[] s = Speech.resample(signal, rate, 16000);
        AudioSpec spec = new AudioSpec(16000, 1, SampleFormat.I16);
        Map<String, Object> params = Map.of("gate", true, "emit_probabilities", true);
        NodeHarness.Signal in = NodeHarness.signal(spec, s.length, i -> s[i]);
        NodeHarness.Run one = NodeHarness.oneShot(NodeHarness.create(type, params, List.of(spec)), List.of(in));
        assertSegmentsAtTheVoice(one.dataSummary(), "gated");
        SplittableRandom r = new SplittableRandom(3);
        NodeHarness.Run streamed = NodeHarness.chunked(NodeHarness.create(type, params, List.of(spec)), List.of(in),
                () -> 1 + r.nextInt(1200));
        NodeHarness.assertClose(one, streamed, "random chunks");
    }

    @Test
    void sessionsOnSeveralThreadsShareTheModelAndGetWhatEachGetsAlone() throws Exception {
        List<float[]> inputs = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            float[] s = Speech.resample(signal, rate, 16000);
            float gain = 0.5f + 0.25f * k;
            for (int i = 0; i < s.length; i++) {
                s[i] *= gain;
            }
            inputs.add(s);
        }
        AudioSpec spec = new AudioSpec(16000, 1, SampleFormat.F32);
        Map<String, Object> params = Map.of("emit_probabilities", true);
        List<String> alone = new ArrayList<>();
        for (float[] s : inputs) {
            alone.add(oneShot(spec, s, params).dataSummary());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> together = new ArrayList<>();
            for (float[] s : inputs) {
                together.add(pool.submit(() -> oneShot(spec, s, params).dataSummary()));
            }
            for (int k = 0; k < inputs.size(); k++) {
                assertEquals(alone.get(k), together.get(k).get(), "stream " + k);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static NodeHarness.Run oneShot(AudioSpec spec, float[] s, Map<String, Object> params) {
        Node node = NodeHarness.create(type, params, List.of(spec));
        return NodeHarness.oneShot(node, List.of(NodeHarness.signal(spec, s.length, i -> s[i])));
    }

    /** Two segments, each starting at most 300 ms before the voice (pad and look-ahead) and at most 150 ms after
     *  it starts, ending at most 150 ms before the voice ends and at most 400 ms after (min_silence, pad). */
    private static void assertSegmentsAtTheVoice(String data, String where) {
        Matcher m = Pattern.compile("\\{\"start_ms\":([0-9.]+),\"end_ms\":([0-9.]+)\\}").matcher(data);
        List<double[]> segs = new ArrayList<>();
        while (m.find()) {
            segs.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
        }
        assertEquals(2, segs.size(), where + ": " + data);
        for (int k = 0; k < 2; k++) {
            double first = voiced[k][0] * 1000.0 / rate;
            double last = voiced[k][1] * 1000.0 / rate;
            double[] s = segs.get(k);
            assertTrue(s[0] >= first - 300 && s[0] <= first + 150, where + ": sentence " + k + " voiced from "
                    + first + " ms, segment starts at " + s[0] + ": " + data);
            assertTrue(s[1] >= last - 150 && s[1] <= last + 400, where + ": sentence " + k + " voiced until "
                    + last + " ms, segment ends at " + s[1] + ": " + data);
        }
    }
}
