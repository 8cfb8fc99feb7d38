package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.testkit.FaultyNodeType;

/**
 * Node instances kept between executions of a cached plan: the output of a reused node equals a
 * freshly created one's, a spare serves only the input specs it was made for, and nothing is kept
 * after a failed run, beyond the budget, for a plan outside a cache, or after the plan is dropped.
 */
class NodeSparesTest {
    private static final long BUDGET = 64L << 20;

    private final BufferPool pool = new BufferPool();
    private final PipelineEngine engine = new PipelineEngine(FaultyNodeType.registry(), pool, EngineLimits.defaults());

    @AfterEach
    void noLeaks() {
        assertEquals(0, pool.inUseBytes(), "pooled bytes still in use");
    }

    /** Resampler (a filter bank and histories), VAD (data output) and Gain: three stateful kinds. */
    private CompiledPlan chain() throws PipelineException {
        return engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"in\",\"node_type\":\"AudioResample\",\"params\":{\"target_sample_rate\":16000}},"
                        + "{\"id\":\"vad\",\"node_type\":\"VAD\"},"
                        + "{\"id\":\"out\",\"node_type\":\"Gain\",\"params\":{\"gain_db\":-3}}",
                "{\"from\":\"in\",\"to\":\"vad\"},{\"from\":\"vad\",\"to\":\"out\"}"));
    }

    private static AudioInput speechLike(int rate, int frames, int seed) {
        return Audio.input(SampleFormat.F32, rate, 1, frames,
                i -> 0.4 * Math.sin(2 * Math.PI * (220 + 40 * seed) * i / rate) * (((i / (rate / 4)) + seed) % 2));
    }

    private record Output(double[] audio, String data) {
    }

    private Output run(CompiledPlan plan, AudioInput in) throws PipelineException {
        try (ExecutionResult r = engine.execute(plan, Map.of("in", in), Map.of(), ResourceLimits.DEFAULTS,
                ExecutionControl.none())) {
            return new Output(Audio.decode(r.audioOutputs().get("out")), r.dataOutputs().get("vad"));
        }
    }

    @Test
    void reusedNodesGiveExactlyTheOutputOfFreshOnes() throws Exception {
        AudioInput a = speechLike(44100, 44100, 1);
        AudioInput b = speechLike(44100, 30000, 2);
        CompiledPlan fresh = chain(); // never keeps spares: every run creates its nodes
        Output refA = run(fresh, a);
        Output refB = run(fresh, b);
        assertEquals(0, fresh.spares().held());

        CompiledPlan cached = chain();
        cached.keepSpareNodes(new NodeSpares.Budget(BUDGET));
        for (AudioInput in : new AudioInput[] {a, b, a, a, b}) {
            Output got = run(cached, in);
            Output ref = in == a ? refA : refB;
            assertArrayEquals(ref.audio, got.audio, 0.0);
            assertEquals(ref.data, got.data);
            // one spare per node, taken and given back each run: created once, not once per run
            assertEquals(3, cached.spares().held());
        }
    }

    @Test
    void aSpareServesOnlyTheInputSpecsItWasMadeFor() throws Exception {
        AudioInput at44 = speechLike(44100, 20000, 1);
        AudioInput at48 = speechLike(48000, 20000, 1);
        Output ref48 = run(chain(), at48);
        CompiledPlan cached = chain();
        cached.keepSpareNodes(new NodeSpares.Budget(BUDGET));
        run(cached, at44);
        Output got48 = run(cached, at48); // the 44.1 kHz resampler must not be used
        assertArrayEquals(ref48.audio, got48.audio, 0.0);
        // the resampler exists once per input rate; VAD and Gain see 16 kHz either way
        assertEquals(4, cached.spares().held());
    }

    @Test
    void aResetNodeStartsFromNothing() throws Exception {
        // Faulty fails once it has seen more than fail_after samples in its life since reset:
        // a reused instance that kept its count would fail on the second run
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"in\",\"node_type\":\"Faulty\",\"params\":{\"fail_after\":30000}},"
                        + "{\"id\":\"out\",\"node_type\":\"Gain\",\"params\":{\"gain\":1}}",
                "{\"from\":\"in\",\"to\":\"out\"}"));
        plan.keepSpareNodes(new NodeSpares.Budget(BUDGET));
        AudioInput in = speechLike(16000, 20000, 3);
        for (int i = 0; i < 3; i++) {
            run(plan, in);
        }
        assertEquals(2, plan.spares().held());
    }

    @Test
    void aFailedRunKeepsNothing() throws Exception {
        CompiledPlan plan = engine.compileJson(ExecutionTest.manifest(
                "{\"id\":\"in\",\"node_type\":\"Faulty\",\"params\":{\"fail_after\":1000}},"
                        + "{\"id\":\"out\",\"node_type\":\"Gain\",\"params\":{\"gain\":1}}",
                "{\"from\":\"in\",\"to\":\"out\"}"));
        NodeSpares.Budget budget = new NodeSpares.Budget(BUDGET);
        plan.keepSpareNodes(budget);
        assertThrows(PipelineException.class, () -> run(plan, speechLike(16000, 20000, 3)));
        assertEquals(0, plan.spares().held());
        assertEquals(0, budget.usedBytes());
    }

    @Test
    void theBudgetBoundsWhatIsKeptAndDroppingGivesItBack() throws Exception {
        AudioInput in = speechLike(44100, 10000, 1);
        CompiledPlan tight = chain();
        NodeSpares.Budget tiny = new NodeSpares.Budget(NodeSpares.MIN_CHARGE); // room for one small node
        tight.keepSpareNodes(tiny);
        run(tight, in);
        assertEquals(1, tight.spares().held());
        assertEquals(NodeSpares.MIN_CHARGE, tiny.usedBytes());

        CompiledPlan plan = chain();
        NodeSpares.Budget budget = new NodeSpares.Budget(BUDGET);
        plan.keepSpareNodes(budget);
        run(plan, in);
        long held = budget.usedBytes();
        assertEquals(3, plan.spares().held());
        assertEquals(true, held >= 3 * NodeSpares.MIN_CHARGE, "charged " + held);
        plan.dropSpareNodes();
        assertEquals(0, plan.spares().held());
        assertEquals(0, budget.usedBytes());
        run(plan, in); // dropped: runs as before, keeps nothing
        assertEquals(0, plan.spares().held());
        assertEquals(0, budget.usedBytes());
    }
}
