package org.remotemedia.pipeline;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.MemoryAccount;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.Problems;

/**
 * The audio engine's entry point, for the service and for embedded use: compile a manifest
 * once into a {@link CompiledPlan}, then {@link #execute} it on a request's inputs, or
 * {@link #openSession} a streaming session. Executions run entirely on the calling thread
 * (an event loop or a DSP worker): the engine starts no threads.
 *
 * <p>Thread-safe: one engine serves every thread; each execution / session is independent
 * (its own buffers, memory account, node instances), so a failing or cancelled one leaves
 * the others alone.
 */
public final class PipelineEngine {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final NodeRegistry registry;
    private final BufferPool pool;
    private final EngineLimits limits;
    private final PlanCompiler compiler;

    public PipelineEngine(NodeRegistry registry, BufferPool pool, EngineLimits limits) {
        this.registry = registry;
        this.pool = pool;
        this.limits = limits;
        this.compiler = new PlanCompiler(registry);
    }

    /** The built-in nodes, a fresh pool, the default limits: for embedded use and tests. */
    public static PipelineEngine standard() {
        return new PipelineEngine(NodeRegistry.builtin(), new BufferPool(), EngineLimits.defaults());
    }

    public NodeRegistry registry() {
        return registry;
    }

    public BufferPool pool() {
        return pool;
    }

    public EngineLimits limits() {
        return limits;
    }

    /** Validates and compiles a manifest (the protobuf form, converted by the service). */
    public CompiledPlan compile(Manifest manifest) throws PipelineException {
        return compiler.compile(manifest);
    }

    /** Validates and compiles the JSON form; syntax errors carry line and column. */
    public CompiledPlan compileJson(String json) throws PipelineException {
        return compiler.compileJson(json);
    }

    /**
     * Runs a plan once on complete inputs (audio and data by source node id). Inputs are
     * read in place and must stay valid until this returns. Validates everything (inputs,
     * node bindings, limits) before running any node.
     *
     * @return the outputs, owned by the caller: release each {@link AudioOutput} (or close the result)
     */
    public ExecutionResult execute(CompiledPlan plan, Map<String, AudioInput> audioInputs, Map<String, String> dataInputs,
                                   ResourceLimits requestLimits, ExecutionControl control) throws PipelineException {
        long start = System.nanoTime();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        Map<String, AudioInput> audio = audioInputs == null ? Map.of() : audioInputs;
        Map<String, String> data = dataInputs == null ? Map.of() : dataInputs;
        EngineLimits eff = limits.apply(requestLimits);

        Problems problems = new Problems();
        checkInputKeys(plan, audio, data, problems);
        long totalSamples = 0;
        for (Map.Entry<String, AudioInput> e : audio.entrySet()) {
            if (e.getValue() == null) {
                problems.add("/audio_inputs/" + Problems.token(e.getKey()), "audio input is null");
                continue;
            }
            if (!e.getValue().isValid()) { // the path is worded only for an input that has problems
                e.getValue().validate(problems.at("/audio_inputs/" + Problems.token(e.getKey())));
            }
            totalSamples += Math.max(0, e.getValue().numSamples());
        }
        for (CompiledPlan.PlanNode s : plan.sources()) {
            if (!audio.containsKey(s.id()) && !(data.containsKey(s.id()) && s.type().ports().acceptsData())) {
                problems.add("/audio_inputs/" + Problems.token(s.id()), "missing input for source node \"" + s.id()
                        + "\" (" + s.type().name() + "): a node without incoming connections takes its audio from"
                        + " audio_inputs[\"" + s.id() + "\"]" + (s.type().ports().acceptsData()
                        ? " or its data from data_inputs[\"" + s.id() + "\"]" : ""));
            }
        }
        if (!problems.isEmpty()) {
            throw PipelineError.validation(problems).toException();
        }
        if (totalSamples > eff.maxAudioSamples()) {
            throw PipelineError.resourceLimit("max_audio_samples", eff.maxAudioSamples(), totalSamples, "samples",
                    "send less audio per request (or stream it), or raise ResourceLimits.max_audio_samples (server"
                            + " maximum " + limits.maxAudioSamples() + ")", "").toException();
        }

        MemoryAccount account = new MemoryAccount(eff.maxMemoryBytes());
        GraphRun run = new GraphRun(plan, pool, account, eff, data);
        List<AudioOutput> outs = new ArrayList<>();
        boolean ok = false;
        try {
            long[] frames = new long[plan.size()];
            for (CompiledPlan.PlanNode s : plan.sources()) {
                AudioInput in = audio.get(s.id());
                run.bindSource(s.index(), in == null ? null : in.spec(), problems);
                frames[s.index()] = in == null ? 0 : in.frames();
            }
            run.bindAll(problems);
            if (!problems.isEmpty()) {
                throw PipelineError.validation(problems).toException();
            }
            run.estimate(frames, true);
            long outBytes = run.sinkBytesEstimate();
            if (outBytes > eff.maxMemoryBytes()) {
                throw PipelineError.resourceLimit("max_memory_bytes", eff.maxMemoryBytes(), outBytes, "bytes",
                        "the outputs alone would need about " + outBytes + " bytes: send shorter audio (or stream it),"
                                + " or raise ResourceLimits.max_memory_bytes (server maximum " + limits.maxMemoryBytes()
                                + ")", "").toException();
            }
            run.begin(control == null ? ExecutionControl.none() : control, start);
            long maxFrames = 0;
            for (long f : frames) {
                maxFrames = Math.max(maxFrames, f);
            }
            for (long at = 0; at < maxFrames; at += GraphRun.SLICE_FRAMES) {
                for (CompiledPlan.PlanNode s : plan.sources()) {
                    AudioInput in = audio.get(s.id());
                    if (in != null && at < in.frames()) {
                        int n = (int) Math.min(GraphRun.SLICE_FRAMES, in.frames() - at);
                        run.feed(s.index(), in.buffer(), in.offset() + (int) at * in.spec().frameBytes(), n);
                    }
                }
                run.step(false);
            }
            run.step(true);

            run.takeOutputs(outs);
            Map<String, AudioOutput> audioOut = new LinkedHashMap<>();
            for (AudioOutput o : outs) {
                audioOut.put(o.key(), o);
            }
            Map<String, String> dataOut = Map.of(); // most pipelines give no data: no map, no builder
            StringBuilder sb = null;
            for (CompiledPlan.PlanNode p : plan.nodes()) {
                if (!run.hasData(p.index())) {
                    continue;
                }
                if (sb == null) {
                    sb = new StringBuilder();
                    dataOut = new LinkedHashMap<>();
                }
                sb.setLength(0);
                run.appendData(p.index(), sb, true);
                if (!sb.isEmpty()) {
                    dataOut.put(p.id(), sb.toString());
                }
            }
            List<NodeMetrics> nm = run.nodeMetrics();
            ExecutionMetrics metrics = new ExecutionMetrics((System.nanoTime() - start) / 1e6,
                    (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6, account.peakBytes(), nm);
            ok = true;
            return new ExecutionResult(audioOut, outs, dataOut, metrics);
        } finally {
            run.releaseAll();
            if (ok) {
                run.recycleNodes();
            } else {
                for (AudioOutput o : outs) { // taken from the run before the failure: not handed out either
                    o.release();
                }
                // nothing handed out: releaseAll returned every buffer
                assert account.inUseBytes() == 0 : "leak: " + account.inUseBytes();
            }
        }
    }

    /**
     * Opens a streaming session on a plan: push chunks per source node, finish to flush.
     * Data inputs (StreamInit.data_inputs) are given here.
     */
    public StreamingSession openSession(CompiledPlan plan, Map<String, String> dataInputs, ResourceLimits requestLimits)
            throws PipelineException {
        Map<String, String> data = dataInputs == null ? Map.of() : dataInputs;
        Problems problems = new Problems();
        checkInputKeys(plan, Map.of(), data, problems);
        if (!problems.isEmpty()) {
            throw PipelineError.validation(problems).toException();
        }
        return new StreamingSession(plan, pool, limits, limits.apply(requestLimits), data);
    }

    /** Input keys must name source nodes; data only for types that take data; data must be JSON. */
    static void checkInputKeys(CompiledPlan plan, Map<String, AudioInput> audio, Map<String, String> data,
                               Problems problems) {
        for (String id : audio.keySet()) {
            checkSource(plan, id, "/audio_inputs/", "audio_inputs", problems);
        }
        for (Map.Entry<String, String> e : data.entrySet()) {
            String at = "/data_inputs/" + Problems.token(e.getKey());
            CompiledPlan.PlanNode p = checkSource(plan, e.getKey(), "/data_inputs/", "data_inputs", problems);
            if (p != null && !p.type().ports().acceptsData()) {
                problems.add(at, "node \"" + p.id() + "\" (" + p.type().name() + ") takes no data input");
            }
            if (e.getValue() == null) {
                problems.add(at, "data input is null: give JSON text");
                continue;
            }
            try {
                ManifestJson.value(e.getValue());
            } catch (PipelineException ex) {
                problems.add(at, ex.getMessage());
            }
        }
    }

    private static CompiledPlan.PlanNode checkSource(CompiledPlan plan, String id, String base, String field,
                                                     Problems problems) {
        CompiledPlan.PlanNode p = plan.node(id);
        if (p == null) {
            String at = base + Problems.token(id);
            List<String> sources = plan.sources().stream().map(CompiledPlan.PlanNode::id).toList();
            problems.add(at, field + " names unknown node \"" + id + "\"; source nodes: " + String.join(", ", sources));
            return null;
        }
        if (!p.isSource()) {
            problems.add(base + Problems.token(id), field + " names \"" + id + "\", which is not a source node (it has incoming connections"
                    + " and takes its input from them); only nodes without incoming connections take request inputs");
            return null;
        }
        return p;
    }

    /**
     * Runs every registered node type's own warm-up ({@link org.remotemedia.dsp.NodeType#warmUp()}:
     * AudioResample's kernels until they run at compiled speed), then every registered node
     * type's examples on 4096-frame blocks for about {@code millis} ms (nodes reset every 64
     * blocks; a node that refuses the input drops out), so the JIT compiles the Vector API
     * kernels before the first request (until C2 has them, vector code runs boxed, hundreds of
     * times slower). Call once at start-up, on the thread(s) that will run pipelines or any
     * other: compiled code is shared.
     *
     * @return process() calls made (a type's own warm-up counts as one), and the examples that
     *     dropped out
     */
    public WarmUp warmUp(long millis) {
        return warmUp(millis, 1);
    }

    /** As {@link #warmUp(long)}, running at least {@code minRounds} rounds however long they take (tests). */
    WarmUp warmUp(long millis, int minRounds) {
        long calls = 0;
        for (org.remotemedia.dsp.NodeType t : registry.types()) {
            if (t.warmUp() > 0) {
                calls++;
            }
        }
        long end = System.nanoTime() + millis * 1_000_000L;
        List<org.remotemedia.dsp.Node> nodes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        List<org.remotemedia.buffer.AudioBlock[]> inputs = new ArrayList<>();
        List<org.remotemedia.buffer.PooledBuffer> held = new ArrayList<>();
        int frames = 4096;
        try {
            for (org.remotemedia.dsp.NodeType t : registry.types()) {
                for (org.remotemedia.dsp.NodeExample ex : t.examples()) {
                    Problems problems = new Problems();
                    org.remotemedia.dsp.Params p = t.params().validate(ex.params(), problems);
                    org.remotemedia.dsp.Node node = p == null ? null : t.create(p, ex.inputs(), problems);
                    if (node == null || ex.inputs().isEmpty()) {
                        continue;
                    }
                    org.remotemedia.buffer.AudioBlock[] in = new org.remotemedia.buffer.AudioBlock[ex.inputs().size()];
                    for (int k = 0; k < in.length; k++) {
                        org.remotemedia.dsp.AudioSpec s = ex.inputs().get(k);
                        org.remotemedia.buffer.PooledBuffer b = pool.acquire((long) frames * s.frameBytes(), null);
                        held.add(b);
                        b.buffer().setMemory(0, frames * s.frameBytes(), (byte) 0);
                        in[k] = new org.remotemedia.buffer.AudioBlock().wrap(b.buffer(), 0, frames, s.channels(),
                                s.sampleRate(), s.format());
                    }
                    nodes.add(node);
                    names.add(t.name() + " (" + ex.label() + ")");
                    inputs.add(in);
                }
            }
            long outBytes = 4096;
            for (org.remotemedia.dsp.Node node : nodes) {
                if (node.outputSpec() != null) {
                    outBytes = Math.max(outBytes, (long) node.maxOutputFrames(frames) * node.outputSpec().frameBytes());
                }
            }
            org.remotemedia.buffer.PooledBuffer out = pool.acquire(outBytes, null);
            held.add(out);
            // nodes with several ports run their multi-port path (every port written over the same scratch buffer)
            org.agrona.MutableDirectBuffer[][] portOuts = new org.agrona.MutableDirectBuffer[nodes.size()][];
            int[][] portOffsets = new int[nodes.size()][];
            for (int k = 0; k < nodes.size(); k++) {
                int ports = nodes.get(k).outputPorts();
                if (nodes.get(k).outputSpec() != null && ports > 1) {
                    portOuts[k] = new org.agrona.MutableDirectBuffer[ports];
                    java.util.Arrays.fill(portOuts[k], out.buffer());
                    portOffsets[k] = new int[ports];
                }
            }
            int rounds = 0;
            do { // at least one round, however long creating the nodes took
                boolean reset = ++rounds % 64 == 0; // whole-stream nodes (Normalize) must not outgrow their caps
                for (int k = 0; k < nodes.size(); k++) {
                    org.remotemedia.dsp.Node node = nodes.get(k);
                    if (node == null) {
                        continue;
                    }
                    try {
                        if (portOuts[k] != null) {
                            node.process(inputs.get(k), portOuts[k], portOffsets[k]);
                        } else {
                            node.process(inputs.get(k), out.buffer(), 0);
                        }
                        if (reset) {
                            node.reset();
                        }
                    } catch (org.remotemedia.dsp.NodeException e) {
                        nodes.set(k, null); // a node refusing the warm-up input is simply not warmed further
                        dropped.add(names.get(k) + ": " + e.getMessage());
                    }
                    calls++;
                }
            } while (rounds < minRounds || System.nanoTime() - end < 0);
        } finally {
            held.forEach(org.remotemedia.buffer.PooledBuffer::release);
        }
        return new WarmUp(calls, List.copyOf(dropped));
    }

    /** What {@link #warmUp} did: process() calls, and the examples that refused their input (with why). */
    public record WarmUp(long processCalls, List<String> dropped) {
    }
}
