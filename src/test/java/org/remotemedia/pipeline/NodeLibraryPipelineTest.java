package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.NodeRegistry;

/**
 * The node library inside real pipelines (manifest JSON, compiled plan, pooled buffers):
 * a chain of edits, filters, channel and level nodes streams to the same bytes as one-shot,
 * the whole-stream Normalize writes only at the end of a session, and node problems come back
 * as VALIDATION errors with their manifest paths.
 */
class NodeLibraryPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferPool pool = new BufferPool();
    private final PipelineEngine engine = new PipelineEngine(NodeRegistry.builtin(), pool, EngineLimits.defaults());

    @AfterEach
    void noLeaks() {
        assertEquals(0, pool.inUseBytes(), "pooled bytes still in use");
    }

    private static String manifest(String nodes, String connections) {
        return "{\"version\":\"v1\",\"metadata\":{\"name\":\"library\"},\"nodes\":[" + nodes + "],\"connections\":["
                + connections + "]}";
    }

    private static byte[] bytes(AudioOutput o) {
        byte[] b = new byte[o.lengthBytes()];
        o.buffer().getBytes(0, b);
        return b;
    }

    private static final String CHAIN = manifest(
            "{\"id\":\"in\",\"node_type\":\"Pad\",\"params\":{\"leading_ms\":5}},"
                    + "{\"id\":\"cut\",\"node_type\":\"Trim\",\"params\":{\"start_ms\":20,\"end_ms\":900}},"
                    + "{\"id\":\"dc\",\"node_type\":\"DCBlock\"},"
                    + "{\"id\":\"eq\",\"node_type\":\"Biquad\",\"params\":{\"type\":\"highpass\",\"frequency\":120,\"order\":4}},"
                    + "{\"id\":\"peq\",\"node_type\":\"Biquad\",\"params\":{\"type\":\"peaking\",\"frequency\":3000,\"gain_db\":4,\"q\":2}},"
                    + "{\"id\":\"down\",\"node_type\":\"ChannelMix\",\"params\":{\"preset\":\"5.1_to_stereo\",\"normalize\":true}},"
                    + "{\"id\":\"other\",\"node_type\":\"PassThrough\"},"
                    + "{\"id\":\"merge\",\"node_type\":\"ChannelMerge\"},"
                    + "{\"id\":\"meter\",\"node_type\":\"LevelMeter\",\"params\":{\"window_ms\":100}},"
                    + "{\"id\":\"fade\",\"node_type\":\"Fade\",\"params\":{\"in_ms\":30,\"out_ms\":40,\"shape\":\"equal_power\"}},"
                    + "{\"id\":\"norm\",\"node_type\":\"Normalize\",\"params\":{\"mode\":\"rms\",\"target_db\":-18,\"analysis_ms\":200}}",
            "{\"from\":\"in\",\"to\":\"cut\"},{\"from\":\"cut\",\"to\":\"dc\"},{\"from\":\"dc\",\"to\":\"eq\"},"
                    + "{\"from\":\"eq\",\"to\":\"peq\"},{\"from\":\"peq\",\"to\":\"down\"},{\"from\":\"down\",\"to\":\"merge\"},"
                    + "{\"from\":\"other\",\"to\":\"merge\"},{\"from\":\"merge\",\"to\":\"meter\"},"
                    + "{\"from\":\"meter\",\"to\":\"fade\"},{\"from\":\"fade\",\"to\":\"norm\"}");

    @Test
    void aChainOfLibraryNodesStreamsToTheSameBytesAsOneShot() throws Exception {
        CompiledPlan plan = engine.compileJson(CHAIN);
        int rate = 48000;
        AudioInput six = Audio.sine(SampleFormat.I16, rate, 6, rate, 440, 0.3);
        AudioInput mono = Audio.sine(SampleFormat.F32, rate, 1, rate, 1000, 0.2);
        Map<String, AudioInput> inputs = Map.of("in", six, "other", mono);
        byte[] one;
        String meterData;
        try (ExecutionResult r = engine.execute(plan, inputs, Map.of(), null, null)) {
            AudioOutput out = r.audioOutputs().get("norm");
            assertEquals(3, out.channels(), "stereo downmix + the merged mono");
            // Pad + Trim keep 880 ms of the 6-channel input; ChannelMerge pads it with silence to
            // the length of its other input (1 s), as the runner aligns multi-input nodes
            assertEquals(48000, out.frames());
            one = bytes(out);
            meterData = r.dataOutputs().get("meter");
            JsonNode d = JSON.readTree(meterData);
            assertEquals(3, d.get("channels").asInt());
            assertEquals(10, d.get("windows").size());
            assertTrue(d.get("windows").get(9).get("rms_dbfs").get(0).isNull(), "the padded tail is silent");
            // the mono input passes merge unchanged: a 0.2 sine is -16.99 dBFS RMS
            assertEquals(20 * Math.log10(0.2 / Math.sqrt(2)), d.get("rms_dbfs").get(2).asDouble(), 0.01);
        }
        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        SplittableRandom rnd = new SplittableRandom(5);
        StringBuilder lastMeter = new StringBuilder();
        try (StreamingSession s = engine.openSession(plan, null, null)) {
            int pos = 0;
            while (pos < rate) {
                int n = Math.min(rate - pos, 1 + rnd.nextInt(2000));
                for (String id : new String[] {"in", "other"}) {
                    ChunkResult cr = s.push(id, Audio.slice(inputs.get(id), pos, n), null);
                    for (AudioOutput o : cr.audio()) {
                        streamed.writeBytes(bytes(o));
                    }
                    cr.release();
                }
                pos += n;
            }
            ChunkResult last = s.finish(null);
            for (AudioOutput o : last.audio()) {
                streamed.writeBytes(bytes(o));
            }
            for (DataOutput d : last.data()) {
                if (d.nodeId().equals("meter")) {
                    lastMeter.append(d.json());
                }
            }
            last.release();
        }
        assertArrayEquals(one, streamed.toByteArray(), "streamed bytes = one-shot bytes");
        assertEquals(JSON.readTree(meterData).get("rms_dbfs"), JSON.readTree(lastMeter.toString()).get("rms_dbfs"));
    }

    @Test
    void wholeStreamNormalizeWritesOnlyWhenTheSessionFinishes() throws Exception {
        CompiledPlan plan = engine.compileJson(manifest(
                "{\"id\":\"n\",\"node_type\":\"Normalize\",\"params\":{\"target_db\":-6}}", ""));
        AudioInput in = Audio.sine(SampleFormat.I16, 16000, 1, 16000, 4000, 0.1);
        try (StreamingSession s = engine.openSession(plan, null, null)) {
            int frames = 0;
            for (int pos = 0; pos < 16000; pos += 1600) {
                ChunkResult cr = s.push("n", Audio.slice(in, pos, 1600), null);
                for (AudioOutput o : cr.audio()) {
                    frames += o.frames();
                }
                cr.release();
            }
            assertEquals(0, frames, "nothing before the end");
            // no bound: the session's figures stay finite and carry the flag (docs/engine.md, "Streaming latency")
            assertEquals(0.0, s.latencySeconds());
            assertTrue(s.latencyUnbounded());
            assertEquals(0, s.maxBufferLatencyMs());
            ChunkResult last = s.finish(null);
            double peak = 0;
            for (AudioOutput o : last.audio()) {
                frames += o.frames();
                for (double v : Audio.decode(o)) {
                    peak = Math.max(peak, Math.abs(v));
                }
            }
            last.release();
            assertEquals(16000, frames);
            assertEquals(Math.pow(10, -6 / 20.0), peak, 1e-6);
        }
    }

    @Test
    void nodeProblemsAreValidationErrorsAtTheirManifestPaths() throws Exception {
        CompiledPlan plan = engine.compileJson(manifest(
                "{\"id\":\"a\",\"node_type\":\"PassThrough\"},"
                        + "{\"id\":\"lp\",\"node_type\":\"Biquad\",\"params\":{\"type\":\"lowpass\",\"frequency\":9000}},"
                        + "{\"id\":\"mix\",\"node_type\":\"ChannelMix\",\"params\":{\"matrix\":[[1,1,1]]}}",
                "{\"from\":\"a\",\"to\":\"lp\"},{\"from\":\"lp\",\"to\":\"mix\"}"));
        AudioInput in = Audio.sine(SampleFormat.F32, 16000, 2, 100, 100, 0.1);
        PipelineException e = assertThrows(PipelineException.class, () -> engine.execute(plan, Map.of("a", in), Map.of(),
                null, null));
        assertEquals(ErrorType.VALIDATION, e.type());
        JsonNode p = JSON.readTree(e.error().contextJson()).get("problems");
        assertEquals("/nodes/1/params/frequency", p.get(0).get("path").asText(), e.getMessage());
        assertTrue(p.get(0).get("message").asText().contains("below half the input's sample rate (8000.0 Hz"), e.getMessage());

        PipelineException bad = assertThrows(PipelineException.class, () -> engine.compileJson(manifest(
                "{\"id\":\"b\",\"node_type\":\"Biquad\",\"params\":{\"type\":\"bandpas\",\"frequency\":100,\"gain_db\":3}}", "")));
        JsonNode q = JSON.readTree(bad.error().contextJson()).get("problems");
        assertEquals("/nodes/0/params/type", q.get(0).get("path").asText());
        assertTrue(q.get(0).get("message").asText().contains("one of lowpass | highpass | bandpass | notch | peaking"
                + " | lowshelf | highshelf"), bad.getMessage());
        Map<String, String> byPath = new HashMap<>();
        q.forEach(x -> byPath.put(x.get("path").asText(), x.get("message").asText()));
        assertEquals(1, q.size(), "type is reported; cross-checks wait for valid params: " + byPath);
    }
}
