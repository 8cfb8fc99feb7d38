package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.NodeRegistry;

/**
 * Whole-stream nodes (Normalize without analysis_ms: holds everything, writes it in flush) in
 * the pipeline. A session's latency figures stay finite numbers: such a node sets the
 * "unbounded" flag instead of making them infinite, NaN or JSON null. The audio it holds
 * counts toward max_memory_bytes.
 */
class WholeStreamNodesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BufferPool pool = new BufferPool();
    private final PipelineEngine engine = new PipelineEngine(NodeRegistry.builtin(), pool, EngineLimits.defaults());

    @AfterEach
    void noLeaks() {
        assertEquals(0, pool.inUseBytes());
    }

    private static NodeMetrics node(ExecutionMetrics m, String id) {
        return m.nodes().stream().filter(n -> n.nodeId().equals(id)).findFirst().orElseThrow();
    }

    private static JsonNode latencyJson(StreamingSession s) throws Exception {
        String text = s.appendLatencyJson(new StringBuilder()).toString();
        assertFalse(text.contains("null") || text.contains("NaN") || text.contains("Infinity"), text);
        return JSON.readTree(text);
    }

    @Test
    void aWholeStreamNodeMakesTheSessionUnboundedWithFiniteFigures() throws Exception {
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"in\",\"node_type\":\"PassThrough\"},{\"id\":\"norm\",\"node_type\":\"Normalize\"},"
                        + "{\"id\":\"rs\",\"node_type\":\"AudioResample\",\"params\":{\"target_sample_rate\":16000}}",
                "{\"from\":\"in\",\"to\":\"norm\"},{\"from\":\"in\",\"to\":\"rs\"}"));
        AudioInput in = Audio.sine(SampleFormat.F32, 48000, 1, 48_000, 440, 0.25);
        try (StreamingSession s = engine.openSession(plan, null, null)) {
            // before any chunk nothing is created: 0, bounded, not final
            assertEquals(0.0, s.latencySeconds());
            assertFalse(s.latencyUnbounded());
            assertFalse(s.latencyFinal());
            assertEquals(0, s.maxBufferLatencyMs());
            assertFalse(latencyJson(s).get("final").asBoolean());

            ChunkResult r = s.push("in", Audio.slice(in, 0, 4800), null);
            assertTrue(r.audio().stream().noneMatch(o -> o.key().equals("norm")), "norm writes only at the end");
            r.release();
            assertTrue(s.latencyFinal());
            assertTrue(s.latencyUnbounded());
            NodeMetrics rs = node(s.metrics(), "rs");
            NodeMetrics norm = node(s.metrics(), "norm");
            assertFalse(rs.latencyUnbounded());
            assertTrue(rs.latencyMs() > 0 && rs.latencyMs() <= 25, "resampler latency " + rs.latencyMs());
            assertTrue(norm.latencyUnbounded());
            assertEquals(0.0, norm.latencyMs());
            // the streaming sink's latency remains; the whole-stream sink is flagged, not summed
            assertEquals(rs.latencyMs() / 1000.0, s.latencySeconds(), 1e-12);
            assertEquals(0, s.maxBufferLatencyMs(), "StreamReady-style figure: 0 plus the unbounded flag");
            JsonNode j = latencyJson(s);
            assertTrue(j.get("latency_ms").isNumber());
            assertEquals(rs.latencyMs(), j.get("latency_ms").asDouble(), 1e-9);
            assertTrue(j.get("unbounded").asBoolean());
            assertTrue(j.get("final").asBoolean());

            s.push("in", Audio.slice(in, 4800, 48_000 - 4800), null).release();
            ChunkResult last = s.finish(null);
            AudioOutput n = last.audio().stream().filter(o -> o.key().equals("norm")).findFirst().orElseThrow();
            assertEquals(48_000, n.frames(), "all of norm's audio comes at the end");
            last.release();
        }
    }

    @Test
    void unboundedPropagatesThroughLaterNodesAndBoundedLatenciesAdd() throws Exception {
        // norm -> gain -> merge <- rs: the merge waits for norm's audio, so it is unbounded too
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"in\",\"node_type\":\"PassThrough\"},{\"id\":\"norm\",\"node_type\":\"Normalize\"},"
                        + "{\"id\":\"g\",\"node_type\":\"Gain\"},{\"id\":\"slow\",\"node_type\":\"Normalize\","
                        + "\"params\":{\"analysis_ms\":100}},{\"id\":\"m\",\"node_type\":\"ChannelMerge\"}",
                "{\"from\":\"in\",\"to\":\"norm\"},{\"from\":\"norm\",\"to\":\"g\"},{\"from\":\"g\",\"to\":\"m\"},"
                        + "{\"from\":\"in\",\"to\":\"slow\"},{\"from\":\"slow\",\"to\":\"m\"}"));
        try (StreamingSession s = engine.openSession(plan, null, null)) {
            s.push("in", Audio.sine(SampleFormat.F32, 16000, 1, 1600, 300, 0.5), null).release();
            assertTrue(s.latencyUnbounded());
            assertEquals(0.0, s.latencySeconds(), "the only sink is unbounded");
            assertEquals(0, s.maxBufferLatencyMs());
            s.finish(null).release();
        }
        // bounded: Normalize with a 100 ms look-ahead, then a resampler
        CompiledPlan bounded = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"slow\",\"node_type\":\"Normalize\",\"params\":{\"analysis_ms\":100}},"
                        + "{\"id\":\"rs\",\"node_type\":\"AudioResample\",\"params\":{\"target_sample_rate\":8000}}",
                "{\"from\":\"slow\",\"to\":\"rs\"}"));
        try (StreamingSession s = engine.openSession(bounded, null, null)) {
            s.push("slow", Audio.sine(SampleFormat.F32, 16000, 1, 160, 300, 0.5), null).release();
            assertFalse(s.latencyUnbounded());
            double rs = node(s.metrics(), "rs").latencyMs() / 1000.0;
            assertEquals(0.1 + rs, s.latencySeconds(), 1e-9);
            assertEquals((long) Math.ceil((0.1 + rs) * 1000 - 1e-9), s.maxBufferLatencyMs());
            JsonNode j = latencyJson(s);
            assertFalse(j.get("unbounded").asBoolean());
            assertEquals((0.1 + rs) * 1000, j.get("latency_ms").asDouble(), 1e-6);
            s.cancel();
        }
    }

    @Test
    void oneShotNodeMetricsCarryTheFlagToo() throws Exception {
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"norm\",\"node_type\":\"Normalize\",\"params\":{\"mode\":\"peak\",\"target_db\":-6}}", ""));
        try (ExecutionResult r = engine.execute(plan,
                Map.of("norm", Audio.sine(SampleFormat.F32, 16000, 1, 16000, 300, 0.25)), null, null, null)) {
            NodeMetrics m = r.nodeMetrics().get(0);
            assertTrue(m.latencyUnbounded());
            assertEquals(0.0, m.latencyMs());
            double peak = 0;
            for (double v : Audio.decode(r.audioOutputs().get("norm"))) {
                peak = Math.max(peak, Math.abs(v));
            }
            assertEquals(Math.pow(10, -6 / 20.0), peak, 1e-6);
        }
    }

    @Test
    void theAudioAWholeStreamNodeHoldsCountsTowardTheMemoryLimit() throws Exception {
        // 10 s at 48 kHz f32 held by norm (1.92 MB); the sink after the resampler needs 320 kB
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"norm\",\"node_type\":\"Normalize\"},"
                        + "{\"id\":\"rs\",\"node_type\":\"AudioResample\",\"params\":{\"target_sample_rate\":8000}}",
                "{\"from\":\"norm\",\"to\":\"rs\"}"));
        AudioInput in = Audio.sine(SampleFormat.F32, 48000, 1, 480_000, 440, 0.25);
        ResourceLimits oneMb = new ResourceLimits(1 << 20, 0, 0);
        PipelineException e = org.junit.jupiter.api.Assertions.assertThrows(PipelineException.class,
                () -> engine.execute(plan, Map.of("norm", in), null, oneMb, null));
        assertEquals(ErrorType.RESOURCE_LIMIT, e.type(), e.getMessage());
        assertEquals("norm", e.error().failingNodeId());
        assertTrue(e.getMessage().contains("holds") && e.getMessage().contains("max_memory_bytes"), e.getMessage());
        assertEquals(0, pool.inUseBytes());
        try (StreamingSession s = engine.openSession(plan, null, oneMb)) {
            PipelineException se = null;
            for (int at = 0; at < 480_000 && se == null; at += 4800) {
                try {
                    s.push("norm", Audio.slice(in, at, 4800), null).release();
                } catch (PipelineException x) {
                    se = x;
                }
            }
            assertTrue(se != null && se.type() == ErrorType.RESOURCE_LIMIT, "the stream must hit the limit");
            assertFalse(s.isOpen());
        }
        // within the limit the same plan runs, and the held audio shows in the node's memory figure
        try (ExecutionResult r = engine.execute(plan, Map.of("norm", in), null, null, null)) {
            assertEquals(80_000, r.audioOutputs().get("rs").frames());
            assertTrue(node(r.metrics(), "norm").memoryBytes() >= 480_000L * 4, "norm held the whole stream");
        }
    }
}
