package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.remotemedia.pipeline.ExecutionTest.manifest;
import static org.remotemedia.pipeline.ManifestValidationTest.has;
import static org.remotemedia.pipeline.ManifestValidationTest.problems;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.BuiltinNodes;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.Params;
import org.remotemedia.testkit.F32TestNodeType;

/**
 * Output ports of a multi-output node (ChannelSplit) in manifests: "<id>.<k>" connections,
 * per-channel processing and re-merging (one-shot and streamed, bit for bit), a multi-output
 * sink's "<id>.<k>" outputs, validation of ports, and each port's buffer going back to the pool
 * right after its last reader.
 */
class MultiOutputPortsTest {

    /** Records the pool's bytes in use at its first process() call; copies its input to f32. */
    static final class PoolProbe extends F32TestNodeType {
        final BufferPool pool;
        long inUseAtFirstCall = -1;

        PoolProbe(BufferPool pool) {
            super("PoolProbe", "test node", ParamSchema.of());
            this.pool = pool;
        }

        @Override
        protected Hook hook(Params p) {
            return in -> {
                if (inUseAtFirstCall < 0) {
                    inUseAtFirstCall = pool.inUseBytes();
                }
            };
        }
    }

    private final BufferPool pool = new BufferPool();
    private final PoolProbe probe = new PoolProbe(pool);
    private final PipelineEngine engine;

    MultiOutputPortsTest() {
        List<NodeType> types = new ArrayList<>(BuiltinNodes.all());
        types.add(probe);
        engine = new PipelineEngine(new NodeRegistry(types), pool, EngineLimits.defaults());
    }

    @AfterEach
    void noPooledBytesInUse() {
        assertEquals(0, pool.inUseBytes(), "pooled bytes still in use after every output was released");
    }

    private static byte[] bytes(AudioOutput o) {
        byte[] b = new byte[o.lengthBytes()];
        o.buffer().getBytes(0, b);
        return b;
    }

    /** split -> (gain per channel) -> merge: ch0 x 0.5, ch1 x 2 (both exact in f32), ch2 -3 dB. */
    private static final String SPLIT_GAIN_MERGE = manifest(
            "{\"id\":\"split\",\"node_type\":\"ChannelSplit\"},"
                    + "{\"id\":\"g0\",\"node_type\":\"Gain\",\"params\":{\"gain\":0.5}},"
                    + "{\"id\":\"g1\",\"node_type\":\"Gain\",\"params\":{\"gain\":2}},"
                    + "{\"id\":\"g2\",\"node_type\":\"Gain\",\"params\":{\"gain_db\":-3}},"
                    + "{\"id\":\"merge\",\"node_type\":\"ChannelMerge\"}",
            "{\"from\":\"split\",\"to\":\"g0\"},{\"from\":\"split.1\",\"to\":\"g1\"},{\"from\":\"split.2\",\"to\":\"g2\"},"
                    + "{\"from\":\"g0\",\"to\":\"merge\"},{\"from\":\"g1\",\"to\":\"merge\"},{\"from\":\"g2\",\"to\":\"merge\"}");

    private static AudioInput threeChannels(int frames) {
        // i16: every value is exact in f32, so x * 0.5 and x * 2 are exact too
        return Audio.input(SampleFormat.I16, 48000, 3, frames, i -> ((i * 7919L) % 65521 - 32760) / 32768.0);
    }

    @Test
    void splitGainPerChannelMergeRoundTripIsExact() throws Exception {
        CompiledPlan plan = engine.compileJson(SPLIT_GAIN_MERGE);
        int frames = 40_000; // several 16,384-frame slices
        AudioInput in = threeChannels(frames);
        double[] x = Audio.decode(in);
        float g2 = (float) Math.pow(10, -3 / 20.0);
        try (ExecutionResult r = engine.execute(plan, Map.of("split", in), null, null, null)) {
            assertEquals(List.of("merge"), List.copyOf(r.audioOutputs().keySet()));
            AudioOutput o = r.audioOutputs().get("merge");
            assertEquals(3, o.channels());
            assertEquals(frames, o.frames());
            assertEquals(SampleFormat.F32, o.format());
            double[] y = Audio.decode(o);
            for (int f = 0; f < frames; f++) {
                assertEquals((float) (0.5 * x[3 * f]), y[3 * f], 0.0, "ch0 frame " + f);
                assertEquals((float) (2 * x[3 * f + 1]), y[3 * f + 1], 0.0, "ch1 frame " + f);
                assertEquals(g2 * x[3 * f + 2], y[3 * f + 2], 1e-6, "ch2 frame " + f);
            }
            for (NodeMetrics m : r.nodeMetrics()) {
                assertEquals(NodeMetrics.NodeStatus.SUCCESS, m.status(), m.nodeId());
                assertEquals(m.nodeId().equals("split") || m.nodeId().equals("merge") ? 3L * frames : frames,
                        m.samplesProcessed(), m.nodeId());
            }
        }
    }

    @Test
    void portsRouteToTheRightConsumersInAnyOrder() throws Exception {
        // two ports of one producer into one consumer, swapped: ChannelMerge(split.2, split.0, split.1)
        CompiledPlan plan = engine.compileJson(manifest(
                "{\"id\":\"split\",\"node_type\":\"ChannelSplit\"},{\"id\":\"m\",\"node_type\":\"ChannelMerge\"}",
                "{\"from\":\"split.2\",\"to\":\"m\"},{\"from\":\"split.0\",\"to\":\"m\"},{\"from\":\"split.1\",\"to\":\"m\"}"));
        AudioInput in = Audio.input(SampleFormat.F32, 16000, 3, 20_000, i -> (i % 3) + (i / 3) * 1e-5);
        try (ExecutionResult r = engine.execute(plan, Map.of("split", in), null, null, null)) {
            double[] x = Audio.decode(in);
            double[] y = Audio.decode(r.audioOutputs().get("m"));
            int[] from = {2, 0, 1};
            for (int f = 0; f < 20_000; f++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(x[3 * f + from[c]], y[3 * f + c], 0.0, "frame " + f + " channel " + c);
                }
            }
        }
    }

    /** Streams the input in chunks of sizes from {@code size} and returns each output key's concatenated bytes. */
    private Map<String, byte[]> streamed(CompiledPlan plan, String source, AudioInput in, IntUnaryOperator size)
            throws Exception {
        Map<String, ByteArrayOutputStream> out = new TreeMap<>();
        try (StreamingSession s = engine.openSession(plan, null, null)) {
            for (int at = 0, k = 0; at < in.frames(); k++) {
                int n = Math.min(in.frames() - at, size.applyAsInt(k));
                ChunkResult cr = s.push(source, Audio.slice(in, at, n), null);
                at += n;
                for (AudioOutput o : cr.audio()) {
                    out.computeIfAbsent(o.key(), x -> new ByteArrayOutputStream()).writeBytes(bytes(o));
                }
                cr.release();
            }
            ChunkResult last = s.finish(null);
            for (AudioOutput o : last.audio()) {
                out.computeIfAbsent(o.key(), x -> new ByteArrayOutputStream()).writeBytes(bytes(o));
            }
            last.release();
        }
        Map<String, byte[]> r = new TreeMap<>();
        out.forEach((k, v) -> r.put(k, v.toByteArray()));
        return r;
    }

    private Map<String, byte[]> oneShot(CompiledPlan plan, String source, AudioInput in) throws Exception {
        Map<String, byte[]> r = new TreeMap<>();
        try (ExecutionResult res = engine.execute(plan, Map.of(source, in), null, null, null)) {
            res.audioOutputs().forEach((k, v) -> r.put(k, bytes(v)));
        }
        return r;
    }

    private void assertSame(Map<String, byte[]> expected, Map<String, byte[]> actual, String what) {
        assertEquals(expected.keySet(), actual.keySet(), what);
        for (String k : expected.keySet()) {
            byte[] e = expected.get(k);
            byte[] a = actual.get(k);
            assertEquals(e.length, a.length, what + " " + k + " length");
            assertArrayEquals(e, a, what + " " + k + ": streamed output differs from one-shot");
        }
    }

    @Test
    void streamedRoundTripEqualsOneShotBitForBit() throws Exception {
        CompiledPlan plan = engine.compileJson(SPLIT_GAIN_MERGE);
        AudioInput in = threeChannels(40_000);
        Map<String, byte[]> one = oneShot(plan, "split", in);
        assertEquals(40_000 * 3 * 4, one.get("merge").length);
        SplittableRandom rnd = new SplittableRandom(7);
        assertSame(one, streamed(plan, "split", in, k -> 480), "10 ms chunks");
        assertSame(one, streamed(plan, "split", in, k -> 4800), "100 ms chunks");
        assertSame(one, streamed(plan, "split", in, k -> 1 + rnd.nextInt(20_000)), "random chunks");
        AudioInput shortIn = threeChannels(1500);
        assertSame(oneShot(plan, "split", shortIn), streamed(plan, "split", shortIn, k -> 1), "1-frame chunks");
    }

    @Test
    void aMultiOutputSinkGivesOneOutputPerPortKeyedIdDotPort() throws Exception {
        CompiledPlan plan = engine.compileJson(manifest(
                "{\"id\":\"in\",\"node_type\":\"PassThrough\"},{\"id\":\"split\",\"node_type\":\"ChannelSplit\"},"
                        + "{\"id\":\"mono\",\"node_type\":\"ChannelSplit\"},"
                        + "{\"id\":\"down\",\"node_type\":\"ChannelMix\",\"params\":{\"preset\":\"stereo_to_mono\"}}",
                "{\"from\":\"in\",\"to\":\"split\"},{\"from\":\"in\",\"to\":\"down\"},{\"from\":\"down\",\"to\":\"mono\"}"));
        AudioInput in = Audio.input(SampleFormat.I16, 16000, 2, 30_000, i -> ((i * 31L) % 2001 - 1000) / 1024.0);
        Map<String, byte[]> one = oneShot(plan, "in", in);
        // a multi-output type's sink is keyed by port even with a single port (mono input)
        assertEquals(List.of("mono.0", "split.0", "split.1"), List.copyOf(one.keySet()));
        double[] x = Audio.decode(in);
        for (int c = 0; c < 2; c++) {
            byte[] port = one.get("split." + c);
            assertEquals(30_000 * 2, port.length); // i16 mono, copied unchanged
            for (int f = 0; f < 30_000; f++) {
                short v = (short) ((port[2 * f] & 0xff) | (port[2 * f + 1] << 8));
                assertEquals(x[2 * f + c], v / 32768.0, 0.0, "split." + c + " frame " + f);
            }
        }
        assertEquals(30_000 * 4, one.get("mono.0").length); // ChannelMix wrote f32 mono: one port
        assertSame(one, streamed(plan, "in", in, k -> 1000 + 7 * k), "streamed");
        try (ExecutionResult r = engine.execute(plan, Map.of("in", in), null, null, null)) {
            AudioOutput p1 = r.audioOutputs().get("split.1");
            assertEquals("split.1", p1.key());
            assertEquals("split.1", p1.nodeId()); // what callers key audio_outputs by
            assertEquals(1, p1.channels());
        }
    }

    @Test
    void unconnectedPortsAndPlainIdMeanPortZero() throws Exception {
        // port 0 through the plain id, port 1 not connected: computed, released, not returned
        CompiledPlan plan = engine.compileJson(manifest(
                "{\"id\":\"split\",\"node_type\":\"ChannelSplit\"},{\"id\":\"left\",\"node_type\":\"Gain\"},"
                        + "{\"id\":\"right\",\"node_type\":\"Gain\",\"params\":{\"gain\":-1}}",
                "{\"from\":\"split\",\"to\":\"left\"},{\"from\":\"split.2\",\"to\":\"right\"}"));
        AudioInput in = Audio.input(SampleFormat.F32, 8000, 3, 50_000, i -> (i % 3 == 0 ? 0.25 : i % 3 == 1 ? 0.5 : 0.75));
        try (ExecutionResult r = engine.execute(plan, Map.of("split", in), null, null, null)) {
            assertEquals(List.of("left", "right"), List.copyOf(new TreeMap<>(r.audioOutputs()).keySet()));
            for (double v : Audio.decode(r.audioOutputs().get("left"))) {
                assertEquals(0.25, v, 0.0);
            }
            for (double v : Audio.decode(r.audioOutputs().get("right"))) {
                assertEquals(-0.75, v, 0.0);
            }
        }
    }

    @Test
    void eachPortsBufferGoesBackRightAfterItsLastReader() throws Exception {
        // split.0 -> g0 -> merge, split.1 -> probe -> merge. In manifest order g0 runs before the
        // probe, so when the probe runs split.0's buffer must already be back in the pool: held
        // are exactly split.1's buffer (the probe's input), g0's output and the probe's output.
        int frames = 10_000; // one slice
        String nodesA = "{\"id\":\"split\",\"node_type\":\"ChannelSplit\"},{\"id\":\"g0\",\"node_type\":\"Gain\"},"
                + "{\"id\":\"probe\",\"node_type\":\"PoolProbe\"},{\"id\":\"m\",\"node_type\":\"ChannelMerge\"}";
        String conns = "{\"from\":\"split.0\",\"to\":\"g0\"},{\"from\":\"split.1\",\"to\":\"probe\"},"
                + "{\"from\":\"g0\",\"to\":\"m\"},{\"from\":\"probe\",\"to\":\"m\"}";
        AudioInput in = Audio.input(SampleFormat.I16, 16000, 2, frames, i -> 0.001 * (i % 100));
        try (ExecutionResult r = engine.execute(engine.compileJson(manifest(nodesA, conns)), Map.of("split", in),
                null, null, null)) {
            assertEquals(frames, r.audioOutputs().get("m").frames());
        }
        long port = BufferPool.capacityFor(2L * frames); // i16 mono
        long f32 = BufferPool.capacityFor(4L * frames);
        assertEquals(port + 2 * f32, probe.inUseAtFirstCall, "split.0 still held after its last reader ran");

        // the probe first (manifest order): split.0 is still waiting for g0, g0 has written nothing
        probe.inUseAtFirstCall = -1;
        String nodesB = "{\"id\":\"split\",\"node_type\":\"ChannelSplit\"},{\"id\":\"probe\",\"node_type\":\"PoolProbe\"},"
                + "{\"id\":\"g0\",\"node_type\":\"Gain\"},{\"id\":\"m\",\"node_type\":\"ChannelMerge\"}";
        try (ExecutionResult r = engine.execute(engine.compileJson(manifest(nodesB, conns)), Map.of("split", in),
                null, null, null)) {
            assertEquals(frames, r.audioOutputs().get("m").frames());
        }
        assertEquals(2 * port + f32, probe.inUseAtFirstCall);
    }

    @Test
    void splitsMemoryStaysAFewSlicesOnALongSignal() throws Exception {
        CompiledPlan plan = engine.compileJson(SPLIT_GAIN_MERGE);
        int frames = 10 * GraphRun.SLICE_FRAMES + 123;
        try (ExecutionResult r = engine.execute(plan, Map.of("split", threeChannels(frames)), null, null, null)) {
            NodeMetrics split = r.nodeMetrics().stream().filter(m -> m.nodeId().equals("split")).findFirst().orElseThrow();
            long perSlice = 3L * BufferPool.capacityFor(2L * GraphRun.SLICE_FRAMES); // three i16 mono ports
            assertEquals(perSlice, split.memoryBytes(), "one buffer per port per slice, each released before the next");
        }
    }

    @Test
    void portSyntaxErrorsAreReportedAtCompileWithPaths() throws Exception {
        PipelineException e = assertThrows(PipelineException.class, () -> engine.compileJson(manifest(
                "{\"id\":\"split\",\"node_type\":\"ChannelSplit\"},{\"id\":\"g\",\"node_type\":\"Gain\"},"
                        + "{\"id\":\"h\",\"node_type\":\"Gain\"},{\"id\":\"m\",\"node_type\":\"Mixer\"},"
                        + "{\"id\":\"k\",\"node_type\":\"Gain\"}",
                "{\"from\":\"g.1\",\"to\":\"h\"},"        // 0: a port on a single-output node
                        + "{\"from\":\"split.x\",\"to\":\"m\"},"  // 1: not a number
                        + "{\"from\":\"nope.0\",\"to\":\"m\"},"   // 2: unknown node
                        + "{\"from\":\"split.1\",\"to\":\"m.1\"},"  // 3: inputs have no port names
                        + "{\"from\":\"split\",\"to\":\"k\"},{\"from\":\"split.0\",\"to\":\"k\"}," // 5: same port twice
                        + "{\"from\":\"g.0\",\"to\":\"m\"},"     // 6: even port 0 is refused on a single output
                        + "{\"from\":\"split.999999999\",\"to\":\"h\"}"))); // 7: past any node's ports (no huge table)
        List<String[]> ps = problems(e);
        has(ps, "/connections/0/from", "\"g.1\"", "single audio output", "connect \"g\"");
        has(ps, "/connections/1/from", "\"split.x\"", "must be a number", "\"split.0\"");
        has(ps, "/connections/2/from", "unknown node \"nope\"", "nodes: g, h, k, m, split");
        has(ps, "/connections/3/to", "\"m.1\"", "connection order");
        has(ps, "/connections/5", "duplicate connection", "/connections/4", "port 0");
        has(ps, "/connections/6/from", "\"g.0\"", "single audio output");
        has(ps, "/connections/7/from", "output port 999999999 is out of range", "at most 64", "\"split.63\"");
    }

    @Test
    void aPortBeyondTheNodesPortsIsAValidationErrorBeforeAnythingRuns() throws Exception {
        CompiledPlan plan = engine.compileJson(manifest(
                "{\"id\":\"split\",\"node_type\":\"ChannelSplit\"},{\"id\":\"g\",\"node_type\":\"Gain\"},"
                        + "{\"id\":\"h\",\"node_type\":\"Gain\"}",
                "{\"from\":\"split.1\",\"to\":\"g\"},{\"from\":\"split.2\",\"to\":\"h\"}"));
        AudioInput stereo = Audio.input(SampleFormat.F32, 16000, 2, 1000, i -> 0.1);
        PipelineException e = assertThrows(PipelineException.class,
                () -> engine.execute(plan, Map.of("split", stereo), null, null, null));
        has(problems(e), "/connections/1/from", "\"split.2\"", "ChannelSplit \"split\"", "has 2 output ports",
                "16000 Hz, 2 channels, f32", "valid: \"split.0\", \"split.1\"");
        assertEquals(0, pool.inUseBytes());
        // three channels: the same plan runs
        AudioInput three = Audio.input(SampleFormat.F32, 16000, 3, 1000, i -> i % 3 * 0.25);
        try (ExecutionResult r = engine.execute(plan, Map.of("split", three), null, null, null)) {
            assertEquals(0.25, Audio.decode(r.audioOutputs().get("g"))[0], 0.0);
            assertEquals(0.5, Audio.decode(r.audioOutputs().get("h"))[0], 0.0);
        }
        // streaming: the node is created at the first chunk, which is refused; the session is over
        try (StreamingSession s = engine.openSession(plan, null, null)) {
            PipelineException se = assertThrows(PipelineException.class, () -> s.push("split", stereo, null));
            has(problems(se), "/connections/1/from", "valid: \"split.0\", \"split.1\"");
            assertFalse(s.isOpen());
        }
        // a mono stream has one port
        AudioInput mono = Audio.input(SampleFormat.F32, 16000, 1, 100, i -> 0.1);
        PipelineException m = assertThrows(PipelineException.class,
                () -> engine.execute(plan, Map.of("split", mono), null, null, null));
        has(problems(m), "/connections/0/from", "has 1 output port ", "valid: \"split.0\"");
        has(problems(m), "/connections/1/from", "\"split.2\"");
        assertNotNull(m.error().contextJson());
        assertTrue(m.getMessage().contains("split.1"), m.getMessage());
    }
}
