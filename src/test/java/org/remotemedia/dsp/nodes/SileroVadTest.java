package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntSupplier;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeHarness;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.SpeechModel;

/**
 * SileroVAD's segment logic, with a scripted stand-in for the model (window k of a stream gets
 * probability k of a list): Silero's get_speech_timestamps rules on a known sequence, then random
 * sequences and params against an offline rendering of those rules (the whole probability list
 * first, padding afterwards), one-shot and streamed in random chunks, segments and gated audio
 * alike, with the declared latency. The real model: {@link SileroVadModelTest}.
 */
class SileroVadTest {
    private static final AudioSpec MONO16 = new AudioSpec(16000, 1, SampleFormat.F32);

    /** Window k of a stream gets probs[k] (0 past the end); the window count rides in the state. */
    static final class Scripted implements SpeechModel {
        final float[] probs;

        Scripted(float[] probs) {
            this.probs = probs;
        }

        @Override
        public String description() {
            return "scripted";
        }

        @Override
        public boolean supportsRate(int sampleRate) {
            return sampleRate == 16000 || sampleRate == 8000;
        }

        @Override
        public int windowFrames(int sampleRate) {
            return sampleRate == 16000 ? 512 : 256;
        }

        @Override
        public int contextFrames(int sampleRate) {
            return sampleRate == 16000 ? 64 : 32;
        }

        @Override
        public int stateFloats() {
            return 1;
        }

        @Override
        public float probability(int sampleRate, float[] input, float[] state) {
            int k = (int) state[0];
            state[0] = k + 1;
            return k < probs.length ? probs[k] : 0f;
        }
    }

    private static float[] windows(Object... runs) {
        List<Float> l = new ArrayList<>();
        for (int i = 0; i < runs.length; i += 2) {
            for (int k = 0; k < (Integer) runs[i + 1]; k++) {
                l.add(((Number) runs[i]).floatValue());
            }
        }
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = l.get(i);
        }
        return f;
    }

    @Test
    void oneSegmentWithDefaultsIsPaddedBy30Ms() {
        // 10 windows of silence, 20 of speech, 10 of silence; 32 ms windows at 16 kHz
        float[] p = windows(0.0, 10, 0.9, 20, 0.0, 10);
        Node node = NodeHarness.create(SileroVad.with(new Scripted(p)), Map.of(), List.of(MONO16));
        NodeHarness.Run run = NodeHarness.oneShot(node, List.of(noise(MONO16, 40 * 512, 1)));
        // speech from window 10 (320 ms) to the first silent window 30 (960 ms), +-30 ms
        assertEquals("{\"is_speech\":true,\"segments\":[{\"start_ms\":290,\"end_ms\":990}],\"windows\":40,"
                + "\"speech_ms\":700}", run.dataSummary());
    }

    @Test
    void shortBurstsAndShortPausesFollowMinSpeechAndMinSilence() {
        // a 192 ms burst (dropped: not over 250 ms), then speech with a 64 ms dip (bridged: under 100 ms)
        float[] p = windows(0.0, 5, 0.9, 6, 0.0, 10, 0.9, 10, 0.1, 2, 0.9, 10, 0.0, 10);
        Node node = NodeHarness.create(SileroVad.with(new Scripted(p)), Map.of(), List.of(MONO16));
        NodeHarness.Run run = NodeHarness.oneShot(node, List.of(noise(MONO16, p.length * 512, 2)));
        // speech 21 * 32 = 672 ms to (21 + 22) * 32 = 1376 ms
        assertEquals("{\"is_speech\":true,\"segments\":[{\"start_ms\":642,\"end_ms\":1406}],\"windows\":53,"
                + "\"speech_ms\":764}", run.dataSummary());
    }

    @Test
    void probabilitiesBetweenTheThresholdsKeepTheCurrentState() {
        // 0.4 is below threshold 0.5 but above neg_threshold 0.35: it neither starts nor ends speech
        float[] p = windows(0.4, 10, 0.6, 10, 0.4, 30, 0.2, 10, 0.4, 20);
        Node node = NodeHarness.create(SileroVad.with(new Scripted(p)), Map.of("speech_pad_ms", 0,
                "emit_probabilities", true), List.of(MONO16));
        NodeHarness.Run run = NodeHarness.oneShot(node, List.of(noise(MONO16, p.length * 512, 3)));
        assertTrue(run.dataSummary().startsWith("{\"is_speech\":true,\"segments\":[{\"start_ms\":320,\"end_ms\":1600}],"),
                run.dataSummary());
        assertTrue(run.dataSummary().contains("\"window_ms\":32,\"probabilities\":[0.4,0.4,"), run.dataSummary());
    }

    @Test
    void randomProbabilitiesMatchTheOfflineRulesStreamedAndGated() {
        SplittableRandom r = new SplittableRandom(20261206);
        for (int trial = 0; trial < 120; trial++) {
            int rate = r.nextBoolean() ? 16000 : 8000;
            int w = rate == 16000 ? 512 : 256;
            float[] probs = randomProbabilities(r, 20 + r.nextInt(260));
            int frames = Math.max(1, probs.length * w - r.nextInt(w)); // a partial last window now and then
            Map<String, Object> params = new HashMap<>();
            double threshold = 0.2 + 0.6 * r.nextDouble();
            params.put("threshold", threshold);
            if (r.nextBoolean()) {
                params.put("neg_threshold", threshold * r.nextDouble() * 0.99 + 0.001);
            }
            params.put("min_speech_ms", r.nextInt(400));
            params.put("min_silence_ms", r.nextInt(300));
            params.put("speech_pad_ms", r.nextInt(4) == 0 ? 0 : r.nextInt(200));
            if (r.nextInt(3) == 0) {
                params.put("max_speech_s", 0.5 + 3 * r.nextDouble());
            }
            params.put("gate", true);
            String where = "trial " + trial + " " + params + " at " + rate + " Hz, " + probs.length + " windows";
            AudioSpec spec = new AudioSpec(rate, 1 + r.nextInt(2), r.nextBoolean() ? SampleFormat.F32 : SampleFormat.I16);
            NodeHarness.Signal in = noise(spec, frames, trial);
            SileroVad type = SileroVad.with(new Scripted(probs));
            Problems problems = new Problems();
            Params p = type.params().validate(params, problems);
            type.checkParams(p, problems);
            if (!problems.isEmpty()) {
                continue; // e.g. max_speech_s too short for the padding
            }
            long[][] expect = Reference.segments(probs, frames, rate, p);

            Node node = NodeHarness.create(type, params, List.of(spec));
            NodeHarness.Run one = NodeHarness.oneShot(node, List.of(in));
            assertEquals(expectedSummary(expect, probs.length, rate), one.dataSummary(), where);
            assertGated(in, one.samples(), expect, rate, where);
            long seed = r.nextLong();
            SplittableRandom sizes = new SplittableRandom(seed);
            IntSupplier chunk = switch (trial % 3) {
                case 0 -> () -> 1 + sizes.nextInt(700);
                case 1 -> () -> 1 + sizes.nextInt(40);
                default -> () -> sizes.nextInt(5) == 0 ? 1 : 1 + sizes.nextInt(3000);
            };
            Node fresh = NodeHarness.create(type, params, List.of(spec));
            double[] streamed = stream(fresh, in, chunk, where);
            assertTrue(java.util.Arrays.equals(one.samples(), streamed), where + ": streamed audio differs, chunks from"
                    + " seed " + seed);
            StringBuilder summary = new StringBuilder();
            fresh.appendDataSummary(summary);
            assertEquals(one.dataSummary(), summary.toString(), where + ": streamed data, chunks from seed " + seed);
        }
    }

    /**
     * Streams {@code in} in chunks of {@code sizes} through one reused output buffer (the harness's
     * fresh buffer per call costs more than the node here), checking the declared latency after
     * every call; returns the decoded output.
     */
    private static double[] stream(Node node, NodeHarness.Signal in, IntSupplier sizes, String where) {
        AudioSpec s = in.spec();
        int most = 3001;
        UnsafeBuffer out = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(
                (Math.max(node.maxOutputFrames(most), node.maxFlushFrames()) + 1) * s.frameBytes()));
        double[] got = new double[in.frames() * s.channels()];
        AudioBlock b = new AudioBlock();
        int done = 0;
        int written = 0;
        double latency = node.latencySeconds();
        while (done < in.frames()) {
            int n = Math.min(in.frames() - done, Math.min(most, sizes.getAsInt()));
            int w = node.process(new AudioBlock[] {in.block(b, done, n)}, out, 0);
            assertTrue(w <= node.maxOutputFrames(n), where + ": wrote " + w + " > " + node.maxOutputFrames(n));
            for (int i = 0; i < w * s.channels(); i++) {
                got[written * s.channels() + i] = s.format().read(out, 0, i);
            }
            done += n;
            written += w;
            long due = (long) Math.floor(done - latency * s.sampleRate());
            assertTrue(written >= due - 1, where + ": after " + done + " frames only " + written + " out, latency "
                    + latency + " s");
        }
        int w = node.flush(out, 0);
        assertTrue(w <= node.maxFlushFrames(), where + ": flush wrote " + w);
        for (int i = 0; i < w * s.channels(); i++) {
            got[written * s.channels() + i] = s.format().read(out, 0, i);
        }
        assertEquals(in.frames(), written + w, where + ": frames out");
        return got;
    }

    @Test
    void streamingDeltasCarryEachSegmentOnceWhenFinal() {
        float[] p = windows(0.0, 5, 0.9, 20, 0.0, 8, 0.9, 12, 0.0, 30, 0.9, 9);
        SileroVad type = SileroVad.with(new Scripted(p));
        Node node = NodeHarness.create(type, Map.of("emit_probabilities", true), List.of(MONO16));
        NodeHarness.Signal in = noise(MONO16, p.length * 512, 4);
        StringBuilder deltas = new StringBuilder();
        AudioBlock b = new AudioBlock();
        UnsafeBuffer out = new UnsafeBuffer(new byte[4 * 2000]);
        int windowsSeen = 0;
        for (int at = 0; at < in.frames(); at += 1000) {
            int n = Math.min(1000, in.frames() - at);
            node.process(new AudioBlock[] {in.block(b, at, n)}, out, 0);
            StringBuilder d = new StringBuilder();
            node.appendDataDelta(d);
            if (!d.isEmpty()) {
                deltas.append(d).append('\n');
                windowsSeen += Integer.parseInt(d.toString().replaceAll(".*\"windows\":(\\d+).*", "$1"));
            }
        }
        node.flush(out, 0);
        node.appendDataDelta(deltas);
        String all = deltas.toString();
        StringBuilder summary = new StringBuilder();
        node.appendDataSummary(summary);
        // every segment of the summary appears in exactly one delta
        for (String seg : summary.toString().replaceAll(".*\"segments\":\\[(.*?)\\].*", "$1").split("(?<=\\}),")) {
            assertEquals(1, all.split(java.util.regex.Pattern.quote(seg), -1).length - 1, seg + " in\n" + all);
        }
        assertTrue(windowsSeen > 0 && all.contains("\"is_speech\":true"), all);
    }

    @Test
    void badParamsAreRejectedNamingTheParamAndTheAllowedValues() {
        SileroVad type = SileroVad.with(new Scripted(new float[0]));
        assertProblem(type, Map.of("threshold", 0), "/params/threshold", "strictly between 0 and 1");
        assertProblem(type, Map.of("threshold", 1), "/params/threshold", "strictly between 0 and 1");
        assertProblem(type, Map.of("threshold", 1.5), "/params/threshold", "[0, 1]");
        assertProblem(type, Map.of("threshold", 0.4, "neg_threshold", 0.4), "/params/neg_threshold",
                "below threshold = 0.4");
        assertProblem(type, Map.of("neg_threshold", 0.7), "/params/neg_threshold", "below threshold = 0.5");
        assertProblem(type, Map.of("max_speech_s", 0.6, "speech_pad_ms", 300), "/params/max_speech_s",
                "2 x speech_pad_ms + 64 ms");
    }

    @Test
    void aRateOutsideTheResamplersRangeIsRejected() {
        SileroVad type = SileroVad.with(new Scripted(new float[0]));
        Problems problems = new Problems();
        Params p = type.params().validate(Map.of(), problems);
        assertNull(type.create(p, List.of(new AudioSpec(500, 1, SampleFormat.F32)), problems));
        assertEquals(1, problems.size(), problems.list().toString());
        String msg = problems.list().get(0).message();
        assertTrue(msg.contains("500 Hz") && msg.contains("8000 or 16000 Hz") && msg.contains("1000..768000"), msg);
    }

    @Test
    void withoutAModelEveryUseFailsValidationSayingWhy() {
        SileroVad type = SileroVad.unavailable("the Silero VAD model /x/silero_vad.onnx (models.silero_vad_path) does not"
                + " exist: run scripts/fetch-models");
        Problems problems = new Problems();
        Params p = type.params().validate(Map.of(), problems);
        assertNull(type.create(p, List.of(MONO16), problems));
        String msg = problems.list().get(0).message();
        assertTrue(msg.startsWith("SileroVAD has no model: ") && msg.contains("models.silero_vad_path")
                && msg.contains("scripts/fetch-models"), msg);
    }

    private static void assertProblem(SileroVad type, Map<String, Object> params, String path, String text) {
        Problems problems = new Problems();
        Params p = type.params().validate(params, problems);
        if (p != null) {
            type.checkParams(p, problems);
        }
        assertEquals(1, problems.size(), params + ": " + problems.list());
        assertEquals(path, problems.list().get(0).path(), params + ": " + problems.list());
        assertTrue(problems.list().get(0).message().contains(text), params + ": " + problems.list());
    }

    /** Runs of speech-like and silence-like probabilities with dips, wobble and values between the thresholds. */
    private static float[] randomProbabilities(SplittableRandom r, int n) {
        float[] p = new float[n];
        boolean speech = r.nextBoolean();
        for (int i = 0; i < n; ) {
            int len = 1 + r.nextInt(speech ? 25 : 15);
            for (int k = 0; k < len && i < n; k++, i++) {
                double v = speech ? 0.55 + 0.45 * r.nextDouble() : 0.3 * r.nextDouble();
                if (r.nextInt(8) == 0) {
                    v = r.nextDouble();
                }
                p[i] = (float) v;
            }
            speech = !speech;
        }
        return p;
    }

    private static NodeHarness.Signal noise(AudioSpec spec, int frames, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return NodeHarness.signal(spec, frames, i -> 0.05 + 0.5 * r.nextDouble());
    }

    private static String expectedSummary(long[][] segs, int windows, int rate) {
        StringBuilder sb = new StringBuilder("{\"is_speech\":").append(segs.length > 0).append(",\"segments\":[");
        long speech = 0;
        for (int k = 0; k < segs.length; k++) {
            sb.append(k > 0 ? "," : "").append("{\"start_ms\":");
            org.remotemedia.json.Json.number(sb, Math.round(segs[k][0] * 1_000_000.0 / rate) / 1000.0);
            sb.append(",\"end_ms\":");
            org.remotemedia.json.Json.number(sb, Math.round(segs[k][1] * 1_000_000.0 / rate) / 1000.0);
            sb.append('}');
            speech += segs[k][1] - segs[k][0];
        }
        sb.append("],\"windows\":").append(windows).append(",\"speech_ms\":");
        org.remotemedia.json.Json.number(sb, Math.round(speech * 1_000_000.0 / rate) / 1000.0);
        return sb.append('}').toString();
    }

    /** Gated output: the input inside the segments, zeros outside. */
    private static void assertGated(NodeHarness.Signal in, double[] out, long[][] segs, int rate, String where) {
        AudioSpec s = in.spec();
        int ch = s.channels();
        assertEquals((long) in.frames() * ch, out.length, where + ": gated length");
        int k = 0;
        for (int f = 0; f < in.frames(); f++) {
            while (k < segs.length && segs[k][1] <= f) {
                k++;
            }
            boolean speech = k < segs.length && segs[k][0] <= f;
            for (int c = 0; c < ch; c++) {
                double want = speech ? s.format().read(in.buffer(), 0, f * ch + c) : 0.0;
                if (want != out[f * ch + c]) {
                    throw new AssertionError(where + ": gated frame " + f + " channel " + c + " is " + out[f * ch + c]
                            + ", expected " + want + " (speech " + speech + ")");
                }
            }
        }
    }

    /**
     * Silero's get_speech_timestamps over a whole probability list, padding afterwards: the offline
     * form the node must reproduce while streaming. Positions in samples.
     */
    static final class Reference {
        static long[][] segments(float[] probs, long length, int rate, Params p) {
            int w = rate == 16000 ? 512 : 256;
            double threshold = p.number("threshold");
            double neg = p.has("neg_threshold") ? p.number("neg_threshold") : Math.max(threshold - 0.15, 0.01);
            long minSpeech = rate * p.integer("min_speech_ms") / 1000;
            long minSilence = rate * p.integer("min_silence_ms") / 1000;
            long pad = rate * p.integer("speech_pad_ms") / 1000;
            double maxSpeech = p.has("max_speech_s") ? rate * p.number("max_speech_s") - w - 2 * pad
                    : Double.POSITIVE_INFINITY;
            long atMax = rate * 98L / 1000;
            List<long[]> sp = new ArrayList<>();
            boolean triggered = false;
            long start = -1;
            long tempEnd = 0;
            long prevEnd = 0;
            long nextStart = 0;
            long windows = (length + w - 1) / w;
            for (int i = 0; i < windows; i++) {
                float prob = (float) (i < probs.length ? probs[i] : 0f);
                long at = (long) w * i;
                if (prob >= threshold && tempEnd != 0) {
                    tempEnd = 0;
                    if (nextStart < prevEnd) {
                        nextStart = at;
                    }
                }
                if (prob >= threshold && !triggered) {
                    triggered = true;
                    start = at;
                    continue;
                }
                if (triggered && at - start > maxSpeech) {
                    if (prevEnd != 0) {
                        sp.add(new long[] {start, prevEnd});
                        if (nextStart < prevEnd) {
                            triggered = false;
                            start = -1;
                        } else {
                            start = nextStart;
                        }
                        prevEnd = 0;
                        nextStart = 0;
                        tempEnd = 0;
                    } else {
                        sp.add(new long[] {start, at});
                        start = -1;
                        prevEnd = 0;
                        nextStart = 0;
                        tempEnd = 0;
                        triggered = false;
                        continue;
                    }
                }
                if (prob < neg && triggered) {
                    if (tempEnd == 0) {
                        tempEnd = at;
                    }
                    if (at - tempEnd > atMax) {
                        prevEnd = tempEnd;
                    }
                    if (at - tempEnd < minSilence) {
                        continue;
                    }
                    if (tempEnd - start > minSpeech) {
                        sp.add(new long[] {start, tempEnd});
                    }
                    start = -1;
                    prevEnd = 0;
                    nextStart = 0;
                    tempEnd = 0;
                    triggered = false;
                }
            }
            if (start >= 0 && length - start > minSpeech) {
                sp.add(new long[] {start, length});
            }
            for (int i = 0; i < sp.size(); i++) {
                long[] s = sp.get(i);
                if (i == 0) {
                    s[0] = Math.max(0, s[0] - pad);
                }
                if (i < sp.size() - 1) {
                    long[] next = sp.get(i + 1);
                    long gap = next[0] - s[1];
                    if (gap < 2 * pad) {
                        s[1] += gap / 2;
                        next[0] = Math.max(0, next[0] - gap / 2);
                    } else {
                        s[1] = Math.min(length, s[1] + pad);
                        next[0] = Math.max(0, next[0] - pad);
                    }
                } else {
                    s[1] = Math.min(length, s[1] + pad);
                }
            }
            return sp.toArray(new long[0][]);
        }
    }
}
