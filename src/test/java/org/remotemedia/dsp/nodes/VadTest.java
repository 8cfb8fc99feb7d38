package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeHarness;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

/**
 * VAD on synthetic speech-like bursts (voiced harmonics with a syllabic envelope) in a low
 * noise floor, with boundaries known to the sample: segments, bridging of short gaps,
 * rejection of short clicks, hangover, gating, streaming deltas.
 */
class VadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RATE = 16000;

    /** Speech-like burst: 140 Hz voice with 5 harmonics, 4 Hz syllabic envelope between 0.15 and 0.35. */
    private static double voice(double t) {
        double env = 0.25 + 0.1 * Math.sin(2 * Math.PI * 4 * t);
        double v = 0;
        for (int h = 1; h <= 5; h++) {
            v += Math.sin(2 * Math.PI * 140 * h * t + h) / h;
        }
        return env * v / 2.28;
    }

    /** [startMs, endMs) bursts on a -66 dBFS noise floor. */
    private static NodeHarness.Signal scene(AudioSpec spec, int totalMs, int[][] bursts) {
        SplittableRandom r = new SplittableRandom(1);
        int frames = totalMs * spec.sampleRate() / 1000;
        double[] noise = new double[frames * spec.channels()];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = 0.001 * (r.nextDouble() * 2 - 1);
        }
        return NodeHarness.signal(spec, frames, i -> {
            int frame = i / spec.channels();
            double ms = frame * 1000.0 / spec.sampleRate();
            for (int[] b : bursts) {
                if (ms >= b[0] && ms < b[1]) {
                    return voice(frame / (double) spec.sampleRate());
                }
            }
            return noise[i];
        });
    }

    private static final int[][] SCENE = {{500, 1200}, {1260, 1800}, {2500, 2520}};
    private static final Map<String, Object> PARAMS = Map.of("frame_duration_ms", 10, "energy_threshold", 0.01,
            "hangover_ms", 50, "min_speech_ms", 60, "min_silence_ms", 100);

    @Test
    void findsTheSegmentBridgesTheShortGapAndIgnoresTheClick() throws Exception {
        AudioSpec spec = new AudioSpec(RATE, 1, SampleFormat.F32);
        NodeHarness.Signal s = scene(spec, 3000, SCENE);
        var run = NodeHarness.oneShot(NodeHarness.create(new Vad(), PARAMS, List.of(spec)), List.of(s));
        JsonNode d = JSON.readTree(run.dataSummary());
        assertTrue(d.get("is_speech").asBoolean());
        assertEquals(1, d.get("segments").size(), run.dataSummary());
        assertEquals(500.0, d.get("segments").get(0).get("start_ms").asDouble());
        assertEquals(1850.0, d.get("segments").get(0).get("end_ms").asDouble()); // 1800 + 50 ms hangover
        assertEquals(300, d.get("frames").asInt());
        assertEquals(1350.0, d.get("speech_ms").asDouble());
        // without gate the audio passes unchanged
        for (int i = 0; i < s.frames(); i++) {
            assertEquals(spec.format().read(s.buffer(), 0, i), run.samples()[i], 0.0);
        }
    }

    @Test
    void aLongerGapSplitsAndTheClickCountsWithASmallMinimum() throws Exception {
        AudioSpec spec = new AudioSpec(RATE, 1, SampleFormat.I16);
        Map<String, Object> p = new HashMap<>(PARAMS);
        p.put("min_silence_ms", 40);
        p.put("hangover_ms", 0);
        p.put("min_speech_ms", 20);
        NodeHarness.Signal s = scene(spec, 3000, SCENE);
        var run = NodeHarness.oneShot(NodeHarness.create(new Vad(), p, List.of(spec)), List.of(s));
        JsonNode segs = JSON.readTree(run.dataSummary()).get("segments");
        double[][] expect = {{500, 1200}, {1260, 1800}, {2500, 2520}};
        assertEquals(3, segs.size(), run.dataSummary());
        for (int k = 0; k < 3; k++) {
            assertEquals(expect[k][0], segs.get(k).get("start_ms").asDouble());
            assertEquals(expect[k][1], segs.get(k).get("end_ms").asDouble());
        }
    }

    @Test
    void gateZeroesOutsideSpeechAndStreamingDeltasAddUpToTheSummary() throws Exception {
        AudioSpec spec = new AudioSpec(RATE, 2, SampleFormat.I16);
        Map<String, Object> p = new HashMap<>(PARAMS);
        p.put("gate", true);
        NodeHarness.Signal s = scene(spec, 3000, SCENE);
        Node node = NodeHarness.create(new Vad(), p, List.of(spec));
        // stream in 7 ms chunks, collecting audio and data deltas
        int chunk = 7 * RATE / 1000;
        List<Double> out = new ArrayList<>();
        List<JsonNode> deltas = new ArrayList<>();
        AudioBlock[] blocks = {new AudioBlock()};
        UnsafeBuffer dst = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(1 << 20));
        for (int at = 0; at < s.frames(); at += chunk) {
            int n = Math.min(chunk, s.frames() - at);
            s.block(blocks[0], at, n);
            int w = node.process(blocks, dst, 0);
            for (int i = 0; i < w * 2; i++) {
                out.add(spec.format().read(dst, 0, i));
            }
            StringBuilder sb = new StringBuilder();
            node.appendDataDelta(sb);
            if (!sb.isEmpty()) {
                deltas.add(JSON.readTree(sb.toString()));
            }
            assertTrue(out.size() / 2 >= at + n - node.latencySeconds() * RATE - 1, "latency honoured");
        }
        int w = node.flush(dst, 0);
        for (int i = 0; i < w * 2; i++) {
            out.add(spec.format().read(dst, 0, i));
        }
        StringBuilder last = new StringBuilder();
        node.appendDataDelta(last);
        if (!last.isEmpty()) {
            deltas.add(JSON.readTree(last.toString()));
        }
        assertEquals(s.frames() * 2, out.size());
        for (int i = 0; i < out.size(); i++) {
            double ms = (i / 2) * 1000.0 / RATE;
            double expect = ms >= 500 && ms < 1850 ? spec.format().read(s.buffer(), 0, i) : 0.0;
            assertEquals(expect, out.get(i), 0.0, "sample " + i + " at " + ms + " ms");
        }
        List<JsonNode> segs = new ArrayList<>();
        long frames = 0;
        boolean sawSpeech = false;
        for (JsonNode d : deltas) {
            d.get("segments").forEach(segs::add);
            frames += d.get("frames").asLong();
            sawSpeech |= d.get("is_speech").asBoolean();
        }
        assertTrue(sawSpeech);
        assertEquals(300, frames);
        StringBuilder summary = new StringBuilder();
        node.appendDataSummary(summary);
        assertEquals(JSON.readTree(summary.toString()).get("segments"), JSON.valueToTree(segs));
    }

    @Test
    void stereoEnergyCountsEveryChannelAndDeclaredRateMustMatch() throws Exception {
        AudioSpec spec = new AudioSpec(RATE, 2, SampleFormat.F32);
        // speech only in the right channel at 0.3 RMS -> whole-frame RMS 0.21: speech at 0.1, not at 0.25
        NodeHarness.Signal s = NodeHarness.signal(spec, RATE, i -> i % 2 == 1 ? 0.3 * Math.sqrt(2)
                * Math.sin(2 * Math.PI * 200 * (i / 2) / (double) RATE) : 0);
        var low = NodeHarness.oneShot(NodeHarness.create(new Vad(), Map.of("energy_threshold", 0.1), List.of(spec)), List.of(s));
        var high = NodeHarness.oneShot(NodeHarness.create(new Vad(), Map.of("energy_threshold", 0.25), List.of(spec)), List.of(s));
        assertEquals(1, JSON.readTree(low.dataSummary()).get("segments").size());
        assertEquals(0, JSON.readTree(high.dataSummary()).get("segments").size());
        Vad vad = new Vad();
        Problems problems = new Problems();
        Params params = vad.params().validate(Map.of("sample_rate", 48000), problems);
        assertNull(vad.create(params, List.of(spec), problems));
        assertEquals("/params/sample_rate", problems.list().get(0).path());
        assertTrue(problems.list().get(0).message().contains("16000 Hz"));
    }

    @Test
    void inSteadyNoiseTheAdaptiveFloorFindsTheBurstsWhereTheFixedThresholdMarksEverything() throws Exception {
        // -26 dBFS white noise (over the -40 dBFS threshold), bursts 10 dB above it, after 2 s of noise
        AudioSpec spec = new AudioSpec(RATE, 1, SampleFormat.F32);
        int[][] bursts = {{2000, 2800}, {3500, 4200}};
        SplittableRandom r = new SplittableRandom(5);
        int frames = 5000 * RATE / 1000;
        double[] noise = new double[frames];
        for (int i = 0; i < frames; i++) {
            noise[i] = 0.05 * r.nextGaussian();
        }
        NodeHarness.Signal s = NodeHarness.signal(spec, frames, i -> {
            double ms = i * 1000.0 / RATE;
            double v = noise[i];
            for (int[] b : bursts) {
                if (ms >= b[0] && ms < b[1]) {
                    v += 0.16 / 0.25 * voice(i / (double) RATE) * Math.sqrt(2); // ~0.16 RMS: 10 dB over the noise
                }
            }
            return v;
        });
        Map<String, Object> fixed = new HashMap<>(PARAMS);
        fixed.put("noise_floor", "off");
        JsonNode off = JSON.readTree(NodeHarness.oneShot(NodeHarness.create(new Vad(), fixed, List.of(spec)),
                List.of(s)).dataSummary()).get("segments");
        assertEquals(1, off.size(), off.toString());
        assertEquals(0.0, off.get(0).get("start_ms").asDouble()); // noise taken for speech throughout
        JsonNode segs = JSON.readTree(NodeHarness.oneShot(NodeHarness.create(new Vad(), PARAMS, List.of(spec)),
                List.of(s)).dataSummary()).get("segments");
        assertEquals(3, segs.size(), segs.toString()); // the first second (before the floor counts), then the bursts
        assertEquals(0.0, segs.get(0).get("start_ms").asDouble());
        assertTrue(segs.get(0).get("end_ms").asDouble() <= 1100, segs.toString());
        for (int k = 0; k < 2; k++) {
            JsonNode g = segs.get(k + 1);
            assertTrue(Math.abs(g.get("start_ms").asDouble() - bursts[k][0]) <= 30, segs.toString());
            assertTrue(g.get("end_ms").asDouble() >= bursts[k][1] - 30 && g.get("end_ms").asDouble() <= bursts[k][1] + 80,
                    segs.toString());
        }
    }

    @Test
    void onCleanAudioTheAdaptiveFloorChangesNothing() throws Exception {
        for (SampleFormat f : SampleFormat.values()) {
            AudioSpec spec = new AudioSpec(RATE, 2, f);
            NodeHarness.Signal s = scene(spec, 3000, SCENE);
            for (Map<String, Object> base : List.of(PARAMS, Map.<String, Object>of("gate", true))) {
                Map<String, Object> fixed = new HashMap<>(base);
                fixed.put("noise_floor", "off");
                var a = NodeHarness.oneShot(NodeHarness.create(new Vad(), base, List.of(spec)), List.of(s));
                var b = NodeHarness.oneShot(NodeHarness.create(new Vad(), fixed, List.of(spec)), List.of(s));
                NodeHarness.assertClose(b, a, f + " " + base);
            }
        }
    }
}
