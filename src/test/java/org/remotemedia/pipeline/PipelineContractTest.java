package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeHarness;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.json.Json;
import org.remotemedia.testkit.TestModels;

/**
 * The node contract again, through the real runner: every registered type and example as a
 * node of a manifest (fed by PassThrough sources when it takes several inputs), executed
 * one-shot over several slices and streamed in 1-frame, random, 10 ms and 100 ms pushes. The
 * streamed outputs (every output key, a multi-output sink's ports included) equal one-shot
 * within 1e-6, no pooled byte stays in use, latency figures are finite. NodeContractTest
 * checks the nodes alone; this checks what the runner adds (slicing, step buffers, queues,
 * ports, flush capacity, state charges).
 */
class PipelineContractTest {
    private static final int FRAMES = 20_000; // more than one 16,384-frame slice

    @TestFactory
    Stream<DynamicTest> everyNodeThroughThePipelineStreamsLikeOneShot() {
        List<DynamicTest> tests = new ArrayList<>();
        for (NodeType type : TestModels.registry().types()) {
            for (NodeExample ex : type.examples()) {
                if (!ex.inputs().isEmpty()) {
                    tests.add(DynamicTest.dynamicTest(type.name() + " / " + ex.label(), () -> check(type, ex)));
                }
            }
        }
        return tests.stream();
    }

    private static void check(NodeType type, NodeExample ex) throws Exception {
        BufferPool pool = new BufferPool();
        PipelineEngine engine = new PipelineEngine(TestModels.registry(), pool, EngineLimits.defaults());
        int k = ex.inputs().size();
        StringBuilder nodes = new StringBuilder("{\"id\":\"n\",\"node_type\":");
        Json.string(nodes, type.name()).append(",\"params\":");
        Json.value(nodes, ex.params()).append('}');
        StringBuilder conns = new StringBuilder();
        List<String> sources = new ArrayList<>();
        if (k == 1) {
            sources.add("n");
        } else {
            for (int j = 0; j < k; j++) {
                nodes.append(",{\"id\":\"s").append(j).append("\",\"node_type\":\"PassThrough\"}");
                conns.append(j == 0 ? "" : ",").append("{\"from\":\"s").append(j).append("\",\"to\":\"n\"}");
                sources.add("s" + j);
            }
        }
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(nodes.toString(), conns.toString()));
        String where = type.name() + " / " + ex.label();

        Map<String, AudioInput> inputs = inputs(ex, sources, FRAMES);
        Map<String, double[]> one = oneShot(engine, plan, inputs, where);
        assertEquals(0, pool.inUseBytes(), where + ": one-shot left pooled bytes in use");
        int rate = ex.inputs().get(0).sampleRate();
        for (Map.Entry<String, IntSupplier> c : NodeHarness.chunkings(rate, 5).entrySet()) {
            boolean single = c.getKey().equals("1 frame");
            Map<String, AudioInput> in = single ? inputs(ex, sources, 1500) : inputs;
            Map<String, double[]> expected = single ? oneShot(engine, plan, in, where) : one;
            Map<String, double[]> got = streamed(engine, plan, in, c.getValue(), where);
            assertEquals(expected.keySet(), got.keySet(), where + " " + c.getKey() + ": output keys");
            for (String key : expected.keySet()) {
                double[] e = expected.get(key);
                double[] a = got.get(key);
                assertEquals(e.length, a.length, where + " " + c.getKey() + " " + key + ": samples");
                for (int i = 0; i < e.length; i++) {
                    if (Math.abs(e[i] - a[i]) > NodeHarness.TOLERANCE) {
                        throw new AssertionError(where + " " + c.getKey() + " " + key + ": sample " + i + " streamed "
                                + a[i] + ", one-shot " + e[i]);
                    }
                }
            }
            assertEquals(0, pool.inUseBytes(), where + " " + c.getKey() + ": pooled bytes still in use");
        }
    }

    private static Map<String, AudioInput> inputs(NodeExample ex, List<String> sources, int frames) {
        Map<String, AudioInput> in = new LinkedHashMap<>();
        for (int j = 0; j < sources.size(); j++) {
            AudioSpec s = ex.inputs().get(j);
            NodeHarness.Signal sig = NodeHarness.testSignal(s, frames, 17 + j);
            in.put(sources.get(j), AudioInput.of(sig.buffer(), 0, frames * s.frameBytes(), (long) frames * s.channels(),
                    s.channels(), s.sampleRate(), s.format()));
        }
        return in;
    }

    private static Map<String, double[]> oneShot(PipelineEngine engine, CompiledPlan plan, Map<String, AudioInput> in,
                                                 String where) throws Exception {
        Map<String, double[]> out = new TreeMap<>();
        try (ExecutionResult r = engine.execute(plan, in, null, null, null)) {
            r.audioOutputs().forEach((key, o) -> out.put(key, Audio.decode(o)));
            for (NodeMetrics m : r.nodeMetrics()) {
                assertTrue(Double.isFinite(m.latencyMs()) && m.latencyMs() >= 0, where + " latency " + m.latencyMs());
            }
        }
        return out;
    }

    private static Map<String, double[]> streamed(PipelineEngine engine, CompiledPlan plan, Map<String, AudioInput> in,
                                                  IntSupplier sizes, String where) throws Exception {
        Map<String, List<double[]>> parts = new TreeMap<>();
        try (StreamingSession s = engine.openSession(plan, null, null)) {
            Map<String, Integer> at = new LinkedHashMap<>();
            in.keySet().forEach(key -> at.put(key, 0));
            for (boolean more = true; more; ) {
                more = false;
                for (Map.Entry<String, AudioInput> e : in.entrySet()) {
                    int pos = at.get(e.getKey());
                    int left = e.getValue().frames() - pos;
                    if (left > 0) {
                        more = true;
                        int n = Math.min(left, sizes.getAsInt());
                        collect(s.push(e.getKey(), Audio.slice(e.getValue(), pos, n), null), parts);
                        at.put(e.getKey(), pos + n);
                    }
                }
            }
            String latency = s.appendLatencyJson(new StringBuilder()).toString();
            assertFalse(latency.contains("null"), where + " " + latency);
            assertTrue(s.latencyFinal(), where);
            collect(s.finish(null), parts);
        }
        Map<String, double[]> out = new TreeMap<>();
        parts.forEach((key, list) -> {
            int n = list.stream().mapToInt(a -> a.length).sum();
            double[] all = new double[n];
            int p = 0;
            for (double[] a : list) {
                System.arraycopy(a, 0, all, p, a.length);
                p += a.length;
            }
            out.put(key, all);
        });
        return out;
    }

    private static void collect(ChunkResult r, Map<String, List<double[]>> parts) {
        for (AudioOutput o : r.audio()) {
            parts.computeIfAbsent(o.key(), x -> new ArrayList<>()).add(Audio.decode(o));
        }
        r.release();
    }
}
