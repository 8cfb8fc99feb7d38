package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.testkit.FaultyNodeType;

/** One-shot executions end to end on real signals, with every error path and no leaked buffer. */
class ExecutionTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferPool pool = new BufferPool();
    private final PipelineEngine engine;

    ExecutionTest() {
        engine = new PipelineEngine(FaultyNodeType.registry(), pool, EngineLimits.defaults());
    }

    @AfterEach
    void noLeaks() {
        assertEquals(0, pool.inUseBytes(), "pooled bytes still in use after the test released its outputs");
    }

    static String manifest(String nodes, String connections) {
        return "{\"version\":\"v1\",\"metadata\":{\"name\":\"t\"},\"nodes\":[" + nodes + "],\"connections\":["
                + connections + "]}";
    }

    @Test
    void chainOfGainsAndFormatConversionOnALongSignal() throws Exception {
        CompiledPlan plan = engine.compileJson(manifest(
                "{\"id\":\"in\",\"node_type\":\"Gain\",\"params\":{\"gain_db\":-6.0206}},"
                        + "{\"id\":\"g2\",\"node_type\":\"Gain\",\"params\":{\"gain\":2}},"
                        + "{\"id\":\"out\",\"node_type\":\"AudioFormatConverter\",\"params\":{\"target_format\":\"i16\"}}",
                "{\"from\":\"in\",\"to\":\"g2\"},{\"from\":\"g2\",\"to\":\"out\"}"));
        int frames = 100_000; // several slices
        AudioInput in = Audio.input(SampleFormat.I16, 16000, 2, frames, i -> ((i * 7919) % 60001 - 30000) / 32768.0);
        try (ExecutionResult r = engine.execute(plan, Map.of("in", in), Map.of(), ResourceLimits.DEFAULTS,
                ExecutionControl.none())) {
            AudioOutput o = r.audioOutputs().get("out");
            assertEquals(SampleFormat.I16, o.format());
            assertEquals(frames, o.frames());
            assertEquals(2, o.channels());
            assertEquals(16000, o.sampleRate());
            double[] x = Audio.decode(in);
            double[] y = Audio.decode(o);
            for (int i = 0; i < x.length; i++) {
                assertEquals(x[i], y[i], 1.0 / 32768, "sample " + i); // -6.02 dB then x2 is unity within rounding
            }
            assertEquals(3, r.nodeMetrics().size());
            for (NodeMetrics m : r.nodeMetrics()) {
                assertEquals(NodeMetrics.NodeStatus.SUCCESS, m.status());
                assertEquals(2L * frames, m.samplesProcessed(), m.nodeId());
                assertTrue(m.executionTimeMs() > 0, m.nodeId());
                assertTrue(m.memoryBytes() > 0, m.nodeId());
            }
            assertTrue(r.metrics().wallTimeMs() > 0 && r.metrics().cpuTimeMs() > 0);
            assertTrue(r.metrics().memoryUsedBytes() >= o.lengthBytes());
            assertTrue(r.nodeMetrics().get(2).customMetricsJson().contains("\"clipped_samples\":0"));
        }
    }

    @Test
    void fanOutAndFanInWithUnequalLengthsPadsWithSilence() throws Exception {
        CompiledPlan plan = engine.compileJson(manifest(
                "{\"id\":\"a\",\"node_type\":\"PassThrough\"},{\"id\":\"b\",\"node_type\":\"PassThrough\"},"
                        + "{\"id\":\"ga\",\"node_type\":\"Gain\",\"params\":{\"gain\":0.5}},"
                        + "{\"id\":\"mix\",\"node_type\":\"Mixer\",\"params\":{\"gains\":[1,-1]}},"
                        + "{\"id\":\"tap\",\"node_type\":\"Gain\",\"params\":{\"gain\":3}}",
                "{\"from\":\"a\",\"to\":\"ga\"},{\"from\":\"ga\",\"to\":\"mix\"},{\"from\":\"b\",\"to\":\"mix\"},"
                        + "{\"from\":\"a\",\"to\":\"tap\"}"));
        AudioInput a = Audio.sine(SampleFormat.F32, 8000, 1, 40_000, 440, 0.5);
        AudioInput b = Audio.sine(SampleFormat.I16, 8000, 1, 25_000, 100, 0.25);
        try (ExecutionResult r = engine.execute(plan, Map.of("a", a, "b", b), null, null, null)) {
            double[] x = Audio.decode(a);
            double[] z = Audio.decode(b);
            double[] mix = Audio.decode(r.audioOutputs().get("mix"));
            double[] tap = Audio.decode(r.audioOutputs().get("tap"));
            assertEquals(40_000, mix.length);
            for (int i = 0; i < mix.length; i++) {
                double expect = 0.5 * x[i] - (i < z.length ? z[i] : 0);
                assertEquals(expect, mix[i], 1e-6, "mix " + i);
                assertEquals(3 * x[i], tap[i], 1e-6, "tap " + i);
            }
            assertEquals(2, r.audioOutputs().size());
        }
    }

    @Test
    void badAudioBuffersAreReportedEachWithItsPath() throws Exception {
        CompiledPlan plan = engine.compileJson(manifest("{\"id\":\"in\",\"node_type\":\"Gain\"}", ""));
        AudioInput good = Audio.sine(SampleFormat.F32, 16000, 2, 100, 440, 0.5);
        List<AudioInput> bad = List.of(
                AudioInput.of(good.buffer(), 0, good.lengthBytes(), good.numSamples(), 2, 16000, null),
                AudioInput.of(good.buffer(), 0, good.lengthBytes(), good.numSamples(), 65, 16000, SampleFormat.F32),
                AudioInput.of(good.buffer(), 0, good.lengthBytes(), good.numSamples(), 2, 999, SampleFormat.F32),
                AudioInput.of(good.buffer(), 0, good.lengthBytes(), good.numSamples(), 2, 768_001, SampleFormat.F32),
                AudioInput.of(good.buffer(), 0, good.lengthBytes() - 4, good.numSamples() - 1, 2, 16000, SampleFormat.F32),
                AudioInput.of(good.buffer(), 0, good.lengthBytes() - 4, good.numSamples(), 2, 16000, SampleFormat.F32));
        String[][] expect = {
            {"/audio_inputs/in/format", "unspecified"},
            {"/audio_inputs/in/channels", "1..64"},
            {"/audio_inputs/in/sample_rate", "1000..768000"},
            {"/audio_inputs/in/sample_rate", "768001"},
            {"/audio_inputs/in/num_samples", "not a multiple of channels"},
            {"/audio_inputs/in/samples", "needs 800 bytes"},
        };
        for (int k = 0; k < bad.size(); k++) {
            AudioInput in = bad.get(k);
            PipelineException e = assertThrows(PipelineException.class, () -> engine.execute(plan, Map.of("in", in),
                    Map.of(), null, null));
            assertEquals(ErrorType.VALIDATION, e.type());
            JsonNode p = JSON.readTree(e.error().contextJson()).get("problems").get(0);
            assertEquals(expect[k][0], p.get("path").asText(), e.getMessage());
            assertTrue(p.get("message").asText().contains(expect[k][1]), e.getMessage());
        }
        AudioInput nan = Audio.input(SampleFormat.F32, 16000, 2, 100, i -> i == 123 ? Double.NaN : i == 150 ? 1e300 : 0.1);
        PipelineException e = assertThrows(PipelineException.class,
                () -> engine.execute(plan, Map.of("in", nan), Map.of(), null, null));
        assertTrue(e.getMessage().contains("sample 123 (frame 61, channel 1) is NaN"), e.getMessage());
    }

    @Test
    void inputsMustMatchSourceNodes() throws Exception {
        CompiledPlan plan = engine.compileJson(manifest(
                "{\"id\":\"a\",\"node_type\":\"PassThrough\"},{\"id\":\"b\",\"node_type\":\"Gain\"},"
                        + "{\"id\":\"c\",\"node_type\":\"Gain\"}",
                "{\"from\":\"a\",\"to\":\"c\"}"));
        AudioInput s = Audio.sine(SampleFormat.F32, 16000, 1, 100, 440, 0.5);
        PipelineException e = assertThrows(PipelineException.class, () -> engine.execute(plan,
                Map.of("c", s, "zz", s), Map.of("b", "{\"x\":1}", "a", "{bad json"), null, null));
        String m = e.getMessage();
        assertTrue(m.contains("/audio_inputs/c: audio_inputs names \"c\", which is not a source node"), m);
        assertTrue(m.contains("/audio_inputs/zz: audio_inputs names unknown node \"zz\"; source nodes: a, b"), m);
        assertTrue(m.contains("/data_inputs/b: node \"b\" (Gain) takes no data input"), m);
        assertTrue(m.contains("/data_inputs/a: data input JSON syntax error at line 1"), m);
        assertTrue(m.contains("/audio_inputs/b: missing input for source node \"b\" (Gain)"), m);
    }

    @Test
    void dataInputIsEchoedAndRateMismatchAtAMixerIsAValidationError() throws Exception {
        CompiledPlan echo = engine.compileJson(manifest("{\"id\":\"e\",\"node_type\":\"Echo\"}", ""));
        try (ExecutionResult r = engine.execute(echo, Map.of(), Map.of("e", "{\"hello\": [1, 2]}"), null, null)) {
            assertEquals("{\"hello\": [1, 2]}", r.dataOutputs().get("e"));
            assertTrue(r.audioOutputs().isEmpty());
        }
        CompiledPlan mix = engine.compileJson(manifest(
                "{\"id\":\"a\",\"node_type\":\"PassThrough\"},{\"id\":\"b\",\"node_type\":\"PassThrough\"},"
                        + "{\"id\":\"m\",\"node_type\":\"Mixer\"}",
                "{\"from\":\"a\",\"to\":\"m\"},{\"from\":\"b\",\"to\":\"m\"}"));
        PipelineException e = assertThrows(PipelineException.class, () -> engine.execute(mix,
                Map.of("a", Audio.sine(SampleFormat.F32, 16000, 1, 100, 440, 0.5),
                        "b", Audio.sine(SampleFormat.F32, 8000, 1, 100, 440, 0.5)), null, null, null));
        assertEquals(ErrorType.VALIDATION, e.type());
        assertTrue(e.getMessage().contains("/nodes/2: Mixer inputs must share rate and channels"), e.getMessage());
    }

    @Test
    void failingNodeReportsIdTypeAndContextAndOthersAreUnaffected() throws Exception {
        CompiledPlan bad = engine.compileJson(manifest(
                "{\"id\":\"in\",\"node_type\":\"Gain\"},{\"id\":\"boom\",\"node_type\":\"Faulty\",\"params\":{\"fail_after\":40000}},"
                        + "{\"id\":\"out\",\"node_type\":\"Gain\"}",
                "{\"from\":\"in\",\"to\":\"boom\"},{\"from\":\"boom\",\"to\":\"out\"}"));
        CompiledPlan good = engine.compileJson(manifest("{\"id\":\"in\",\"node_type\":\"Gain\",\"params\":{\"gain\":2}}", ""));
        AudioInput in = Audio.sine(SampleFormat.I16, 48000, 1, 96_000, 1000, 0.5);
        ExecutorService pool2 = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                boolean failing = t == 0;
                fs.add(pool2.submit(() -> {
                    for (int k = 0; k < 20; k++) {
                        if (failing) {
                            PipelineException e = assertThrows(PipelineException.class,
                                    () -> engine.execute(bad, Map.of("in", in), null, null, null));
                            assertEquals(ErrorType.NODE_EXECUTION, e.type());
                            assertEquals("boom", e.error().failingNodeId());
                            assertTrue(e.getMessage().contains("node \"boom\" (Faulty) failed: sample budget of 40000"),
                                    e.getMessage());
                            JsonNode ctx = JSON.readTree(e.error().contextJson());
                            assertEquals("Faulty", ctx.get("node_type").asText());
                            assertEquals(48000, ctx.get("inputs").get(0).get("sample_rate").asInt());
                            assertEquals("f32", ctx.get("inputs").get(0).get("format").asText());
                            assertEquals(40000, ctx.get("params").get("fail_after").asLong());
                        } else {
                            try (ExecutionResult r = engine.execute(good, Map.of("in", in), null, null, null)) {
                                assertEquals(96_000, r.audioOutputs().get("in").frames());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool2.shutdownNow();
        }
    }

    @Test
    void resourceLimitsSayLimitObservedAndWhatToDo() throws Exception {
        CompiledPlan plan = engine.compileJson(manifest("{\"id\":\"in\",\"node_type\":\"Gain\"}", ""));
        AudioInput in = Audio.sine(SampleFormat.F32, 16000, 2, 50_000, 440, 0.5);
        PipelineException samples = assertThrows(PipelineException.class, () -> engine.execute(plan, Map.of("in", in),
                null, new ResourceLimits(0, 0, 1000), null));
        assertEquals(ErrorType.RESOURCE_LIMIT, samples.type());
        JsonNode c = JSON.readTree(samples.error().contextJson());
        assertEquals("max_audio_samples", c.get("limit").asText());
        assertEquals(1000, c.get("limit_value").asLong());
        assertEquals(100_000, c.get("observed").asLong());
        assertTrue(c.get("hint").asText().contains("send less audio"));

        PipelineException mem = assertThrows(PipelineException.class, () -> engine.execute(plan, Map.of("in", in),
                null, new ResourceLimits(64 * 1024, 0, 0), null));
        assertEquals(ErrorType.RESOURCE_LIMIT, mem.type());
        assertEquals("max_memory_bytes", JSON.readTree(mem.error().contextJson()).get("limit").asText());

        CompiledPlan slow = engine.compileJson(manifest("{\"id\":\"in\",\"node_type\":\"Faulty\",\"params\":{\"spin_ms\":30}}", ""));
        PipelineException time = assertThrows(PipelineException.class, () -> engine.execute(slow, Map.of("in", in),
                null, new ResourceLimits(0, 50, 0), null));
        assertEquals(ErrorType.RESOURCE_LIMIT, time.type());
        JsonNode tc = JSON.readTree(time.error().contextJson());
        assertEquals("max_timeout_ms", tc.get("limit").asText());
        assertTrue(tc.get("observed").asLong() >= 50);
    }

    @Test
    void cancellationAndDeadlineStopBetweenSlices() throws Exception {
        // 13 slices of 200 ms each: a run to the end would take 2.6 s
        CompiledPlan slow = engine.compileJson(manifest("{\"id\":\"in\",\"node_type\":\"Faulty\",\"params\":{\"spin_ms\":200}}", ""));
        AudioInput in = Audio.sine(SampleFormat.F32, 16000, 1, 200_000, 440, 0.5);
        ExecutionControl control = ExecutionControl.create();
        Thread canceller = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            control.cancel();
        });
        canceller.start();
        long t0 = System.nanoTime();
        PipelineException e = assertThrows(PipelineException.class,
                () -> engine.execute(slow, Map.of("in", in), null, null, control));
        canceller.join();
        assertEquals(ErrorType.CANCELLED, e.type());
        assertTrue((System.nanoTime() - t0) / 1e6 < 1500, "stopped after a slice or two, not at the end");
        PipelineException d = assertThrows(PipelineException.class, () -> engine.execute(slow, Map.of("in", in), null,
                null, ExecutionControl.withDeadline(System.nanoTime() + 100_000_000L)));
        assertEquals(ErrorType.DEADLINE_EXCEEDED, d.type());
    }

    @Test
    void warmUpRunsEveryNodeAndReturnsItsBuffers() {
        PipelineEngine.WarmUp w = engine.warmUp(100);
        assertTrue(w.processCalls() >= 20, "calls " + w.processCalls());
    }

    /** Whole-stream nodes are reset now and then, so a long warm-up never meets their buffering cap. */
    @Test
    void aLongWarmUpOfAWholeStreamNodeStaysUnderItsCap() {
        PipelineEngine normalizeOnly = new PipelineEngine(
                new NodeRegistry(List.of(new org.remotemedia.dsp.nodes.Normalize())), pool, EngineLimits.defaults());
        // its first example (16 kHz, whole stream) refuses more than 600 s x 16 kHz = 9.6 M frames
        // (2344 blocks) without a reset; 3000 rounds go past that cap (by count, not by time: a
        // loaded machine must not decide the outcome)
        PipelineEngine.WarmUp w = normalizeOnly.warmUp(0, 3000);
        assertEquals(List.of(), w.dropped());
        assertTrue(w.processCalls() >= 4 * 3000, "calls " + w.processCalls());
    }
}
