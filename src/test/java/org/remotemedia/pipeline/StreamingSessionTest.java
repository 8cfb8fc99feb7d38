package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.NodeRegistry;

/** Streaming sessions through the whole pipeline: same bytes as one-shot, state across chunks, errors. */
class StreamingSessionTest {
    private final BufferPool pool = new BufferPool();
    private final PipelineEngine engine = new PipelineEngine(NodeRegistry.builtin(), pool, EngineLimits.defaults());

    @AfterEach
    void noLeaks() {
        assertEquals(0, pool.inUseBytes(), "pooled bytes still in use");
    }

    private static byte[] bytes(AudioOutput o) {
        byte[] b = new byte[o.lengthBytes()];
        o.buffer().getBytes(0, b);
        return b;
    }

    /** Runs one-shot and streamed (chunk sizes from the generator); returns sink bytes of both. */
    private Map<String, byte[][]> compare(CompiledPlan plan, Map<String, AudioInput> inputs, long seed, int maxChunk)
            throws Exception {
        Map<String, byte[]> one = new HashMap<>();
        try (ExecutionResult r = engine.execute(plan, inputs, null, null, null)) {
            r.audioOutputs().forEach((k, v) -> one.put(k, bytes(v)));
        }
        Map<String, ByteArrayOutputStream> streamed = new HashMap<>();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (StreamingSession s = engine.openSession(plan, null, null)) {
            Map<String, Integer> at = new HashMap<>();
            inputs.keySet().forEach(k -> at.put(k, 0));
            boolean more = true;
            while (more) {
                more = false;
                for (Map.Entry<String, AudioInput> e : inputs.entrySet()) {
                    int pos = at.get(e.getKey());
                    int left = e.getValue().frames() - pos;
                    if (left <= 0) {
                        continue;
                    }
                    more = true;
                    int n = Math.min(left, 1 + rnd.nextInt(maxChunk));
                    ChunkResult cr = s.push(e.getKey(), Audio.slice(e.getValue(), pos, n), null);
                    at.put(e.getKey(), pos + n);
                    for (AudioOutput o : cr.audio()) {
                        streamed.computeIfAbsent(o.nodeId(), k -> new ByteArrayOutputStream()).writeBytes(bytes(o));
                    }
                    cr.release();
                }
            }
            ChunkResult last = s.finish(null);
            for (AudioOutput o : last.audio()) {
                streamed.computeIfAbsent(o.nodeId(), k -> new ByteArrayOutputStream()).writeBytes(bytes(o));
            }
            last.release();
            assertFalse(s.isOpen());
            assertTrue(s.chunksProcessed() > 0);
        }
        Map<String, byte[][]> out = new HashMap<>();
        for (String k : one.keySet()) {
            out.put(k, new byte[][] {one.get(k), streamed.get(k).toByteArray()});
        }
        return out;
    }

    @Test
    void streamedChainEqualsOneShotBitForBit() throws Exception {
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"in\",\"node_type\":\"PassThrough\"},{\"id\":\"g\",\"node_type\":\"Gain\",\"params\":{\"gain_db\":-3}},"
                        + "{\"id\":\"out\",\"node_type\":\"AudioFormatConverter\",\"params\":{\"target_format\":\"i16\",\"dither\":\"tpdf\"}}",
                "{\"from\":\"in\",\"to\":\"g\"},{\"from\":\"g\",\"to\":\"out\"}"));
        AudioInput in = Audio.sine(SampleFormat.F32, 48000, 2, 70_000, 997, 0.8);
        for (int maxChunk : new int[] {1, 480, 40_000}) {
            Map<String, byte[][]> r = compare(plan, Map.of("in", in), maxChunk, maxChunk);
            byte[][] out = r.get("out");
            assertEquals(70_000 * 2 * 2, out[0].length);
            assertTrue(java.util.Arrays.equals(out[0], out[1]), "chunks up to " + maxChunk);
        }
    }

    @Test
    void twoSourcesIntoAMixerStreamedInDifferentChunkSizes() throws Exception {
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"a\",\"node_type\":\"Gain\",\"params\":{\"gain\":0.5}},{\"id\":\"b\",\"node_type\":\"PassThrough\"},"
                        + "{\"id\":\"m\",\"node_type\":\"Mixer\"}",
                "{\"from\":\"a\",\"to\":\"m\"},{\"from\":\"b\",\"to\":\"m\"}"));
        AudioInput a = Audio.sine(SampleFormat.I16, 16000, 1, 30_000, 300, 0.5);
        AudioInput b = Audio.sine(SampleFormat.F32, 16000, 1, 21_000, 50, 0.3);
        byte[][] m = compare(plan, Map.of("a", a, "b", b), 5, 3000).get("m");
        assertEquals(30_000 * 4, m[0].length);
        assertTrue(java.util.Arrays.equals(m[0], m[1]));
    }

    @Test
    void dataInputIsEchoedOnceAndErrorsCloseTheSession() throws Exception {
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"e\",\"node_type\":\"Echo\"},{\"id\":\"g\",\"node_type\":\"Gain\"}", ""));
        AudioInput in = Audio.sine(SampleFormat.F32, 16000, 1, 1600, 300, 0.5);
        try (StreamingSession s = engine.openSession(plan, Map.of("e", "{\"k\":1}"), null)) {
            ChunkResult r = s.push("g", in, null);
            assertEquals(List.of(new DataOutput("e", "{\"k\":1}")), r.data());
            assertEquals(1600, r.audio().get(0).frames());
            assertEquals(0, r.sequence());
            ChunkResult r2 = s.push("g", in, null); // releases r's audio first
            assertTrue(r2.data().isEmpty());
            assertEquals(1, r2.sequence());
            assertEquals(3200, r2.totalSamplesProcessed());
            PipelineException wrongSpec = assertThrows(PipelineException.class,
                    () -> s.push("g", Audio.sine(SampleFormat.F32, 8000, 1, 100, 300, 0.5), null));
            assertTrue(wrongSpec.getMessage().contains("cannot change"), wrongSpec.getMessage());
            PipelineException unknown = assertThrows(PipelineException.class, () -> s.push("zz", in, null));
            assertTrue(unknown.getMessage().contains("source nodes: e, g"), unknown.getMessage());
            s.finish(null).release();
            PipelineException closed = assertThrows(PipelineException.class, () -> s.push("g", in, null));
            assertTrue(closed.getMessage().contains("finished"), closed.getMessage());
        }
    }

    @Test
    void finishWithoutAudioForASourceAndTheSampleLimit() throws Exception {
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"a\",\"node_type\":\"Gain\"},{\"id\":\"b\",\"node_type\":\"Gain\"}", ""));
        AudioInput in = Audio.sine(SampleFormat.F32, 16000, 1, 1000, 300, 0.5);
        try (StreamingSession s = engine.openSession(plan, null, null)) {
            s.push("a", in, null).release();
            PipelineException e = assertThrows(PipelineException.class, () -> s.finish(null));
            assertTrue(e.getMessage().contains("without any audio for source node(s) b"), e.getMessage());
        }
        try (StreamingSession s = engine.openSession(plan, null, new ResourceLimits(0, 0, 1500))) {
            s.push("a", in, null).release();
            PipelineException e = assertThrows(PipelineException.class, () -> s.push("b", in, null));
            assertEquals(ErrorType.RESOURCE_LIMIT, e.type());
            assertFalse(s.isOpen());
        }
    }

    @Test
    void cancelReleasesEverythingMidStream() throws Exception {
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"a\",\"node_type\":\"Gain\"},{\"id\":\"b\",\"node_type\":\"Gain\"},{\"id\":\"m\",\"node_type\":\"Mixer\"}",
                "{\"from\":\"a\",\"to\":\"m\"},{\"from\":\"b\",\"to\":\"m\"}"));
        StreamingSession s = engine.openSession(plan, null, null);
        s.push("a", Audio.sine(SampleFormat.F32, 16000, 1, 5000, 300, 0.5), null); // queued at the mixer
        assertTrue(s.bufferedSamples() == 5000, "waits for b: " + s.bufferedSamples());
        assertTrue(pool.inUseBytes() > 0);
        s.cancel();
        assertFalse(s.isOpen());
    }
}
