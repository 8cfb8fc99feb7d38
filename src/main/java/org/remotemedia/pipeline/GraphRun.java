package org.remotemedia.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.MemoryAccount;
import org.remotemedia.buffer.PooledBuffer;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Json;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.Problems;

/**
 * Runs a {@link CompiledPlan} on audio, for one execution or one streaming session. Input is
 * cut into slices of at most {@link #SLICE_FRAMES} frames; each slice is a step through
 * every node in topological order. A node's step output lives in a pooled buffer released
 * as soon as its last reader has run (the plan's buffer lifetimes), so intermediate memory
 * is a few slices whatever the signal length, and the data stays in cache from node to node.
 * Sinks append to one buffer per run (the whole execution, or one streaming push), handed to
 * the caller. Multi-input nodes get aligned blocks through {@link FrameQueue}s. Nodes are
 * created ("bound") once their input streams are known: at the start for one-shot, at the
 * first chunk of their sources for streaming. Cancellation, the deadline and the time limit
 * are checked before every node call; the memory limit on every buffer acquired.
 *
 * <p>Not thread-safe: owned by one thread at a time (the caller of execute / push).
 */
final class GraphRun {
    static final int SLICE_FRAMES = 16384;

    private final CompiledPlan plan;
    private final List<CompiledPlan.PlanNode> nodes;
    private final BufferPool pool;
    private final MemoryAccount account;
    private final EngineLimits limits;
    private final int n;

    private final Node[] inst;
    private final AudioSpec[] outSpec;
    private final AudioSpec[][] inSpecs;
    private final boolean[] bound;
    private final AudioSpec[] sourceSpec;
    private final Map<String, String> dataInputs;

    private final PooledBuffer[] stepBuf;
    private final int[] stepFrames;
    private final PooledBuffer[] acc;
    private final int[] accFrames;
    private final long[] estimate;
    private final FrameQueue[][] queues;
    private final AudioBlock[][] blocks;
    private final AudioBlock[] sourceBlock;
    private final boolean[] fed;

    private final long[] nanos;
    private final long[] samplesIn;
    private final long[] held;
    private final long[] peak;
    private final boolean[] ran;
    private final boolean[] stateReleased;
    private int failedNode = -1;

    private ExecutionControl control = ExecutionControl.none();
    private long timeLimitAt;

    GraphRun(CompiledPlan plan, BufferPool pool, MemoryAccount account, EngineLimits limits,
             Map<String, String> dataInputs) {
        this.plan = plan;
        this.nodes = plan.nodes();
        this.pool = pool;
        this.account = account;
        this.limits = limits;
        this.n = nodes.size();
        this.dataInputs = dataInputs;
        inst = new Node[n];
        outSpec = new AudioSpec[n];
        inSpecs = new AudioSpec[n][];
        bound = new boolean[n];
        sourceSpec = new AudioSpec[n];
        stepBuf = new PooledBuffer[n];
        stepFrames = new int[n];
        acc = new PooledBuffer[n];
        accFrames = new int[n];
        estimate = new long[n];
        queues = new FrameQueue[n][];
        blocks = new AudioBlock[n][];
        sourceBlock = new AudioBlock[n];
        fed = new boolean[n];
        nanos = new long[n];
        samplesIn = new long[n];
        held = new long[n];
        peak = new long[n];
        ran = new boolean[n];
        stateReleased = new boolean[n];
        for (CompiledPlan.PlanNode p : nodes) {
            int i = p.index();
            int k = Math.max(1, p.inputs().length);
            blocks[i] = new AudioBlock[k];
            for (int j = 0; j < k; j++) {
                blocks[i][j] = new AudioBlock();
            }
            if (p.inputs().length > 1) {
                queues[i] = new FrameQueue[p.inputs().length];
                for (int j = 0; j < p.inputs().length; j++) {
                    queues[i][j] = new FrameQueue(this, i);
                }
            }
            if (p.isSource()) {
                sourceBlock[i] = new AudioBlock();
            }
        }
    }

    // ---- binding ----

    boolean isBound(int i) {
        return bound[i];
    }

    AudioSpec sourceSpec(int i) {
        return sourceSpec[i];
    }

    /** Creates source node {@code i} for audio of {@code spec} (null: a data-only source). */
    void bindSource(int i, AudioSpec spec) throws PipelineException {
        Problems problems = new Problems();
        bindSource(i, spec, problems);
        if (!problems.isEmpty()) {
            throw PipelineError.validation(problems.list()).toException();
        }
    }

    /** As {@link #bindSource(int, AudioSpec)}, collecting problems instead of throwing them. */
    void bindSource(int i, AudioSpec spec, Problems problems) throws PipelineException {
        sourceSpec[i] = spec;
        create(nodes.get(i), spec == null ? List.of() : List.of(spec), problems);
    }

    /**
     * Binds every node whose inputs are known, in topological order, reporting every problem
     * (a node whose producer failed to bind is skipped): one-shot validation before any run.
     */
    void bindAll(Problems problems) throws PipelineException {
        for (CompiledPlan.PlanNode p : nodes) {
            if (!bound[p.index()] && !p.isSource()) {
                tryBind(p.index(), problems);
            }
        }
    }

    private boolean create(CompiledPlan.PlanNode p, List<AudioSpec> inputs, Problems problems) throws PipelineException {
        int before = problems.size();
        Node node;
        try {
            node = p.type().create(p.params(), inputs, problems.at(p.path()));
        } catch (RuntimeException e) {
            throw nodeFailure(p.index(), e, "could not be created");
        }
        if (node == null || problems.size() > before) {
            if (problems.size() == before) {
                problems.add(p.path(), p.type().name() + " cannot take inputs " + inputs);
            }
            return false;
        }
        int i = p.index();
        inst[i] = node;
        inSpecs[i] = inputs.toArray(new AudioSpec[0]);
        outSpec[i] = node.outputSpec();
        bound[i] = true;
        String data = dataInputs.get(p.id());
        if (data != null) {
            try {
                node.dataInput(data);
            } catch (RuntimeException e) {
                throw nodeFailure(i, e, "rejected its data input");
            }
        }
        long state = node.stateBytes();
        held[i] += state;
        peak[i] = Math.max(peak[i], held[i]);
        account.chargeExternal(state);
        return true;
    }

    /** Binds a non-source node whose producers are all bound; false if they are not (yet). */
    private boolean tryBind(int i, Problems problems) throws PipelineException {
        CompiledPlan.PlanNode p = nodes.get(i);
        List<AudioSpec> ins = new ArrayList<>(p.inputs().length);
        for (int j = 0; j < p.inputs().length; j++) {
            int q = p.inputs()[j];
            if (!bound[q]) {
                return false;
            }
            if (outSpec[q] == null) {
                CompiledPlan.PlanNode src = nodes.get(q);
                problems.add(p.path(), "input " + j + " comes from \"" + src.id() + "\" ("
                        + src.type().name() + "), which has no audio output here (a source given only a data input):"
                        + " give \"" + src.id() + "\" an audio input or remove the connection");
                return false;
            }
            ins.add(outSpec[q]);
        }
        return create(p, ins, problems);
    }

    // ---- one run (a whole execution, or one streaming push) ----

    void begin(ExecutionControl control, long startNanos) {
        this.control = control;
        this.timeLimitAt = startNanos + Math.min(limits.maxTimeoutMs(), Long.MAX_VALUE / 2_000_000L) * 1_000_000L;
        java.util.Arrays.fill(accFrames, 0);
    }

    /** Expected output frames of each bound node for {@code sourceFrames} input frames per source (sizing sinks). */
    void estimate(long[] sourceFrames, boolean last) {
        for (CompiledPlan.PlanNode p : nodes) {
            int i = p.index();
            if (!bound[i] || outSpec[i] == null) {
                estimate[i] = 0;
                continue;
            }
            long in = 0;
            int inRate = 0;
            if (p.isSource()) {
                in = sourceFrames[i];
                inRate = sourceSpec[i] == null ? 0 : sourceSpec[i].sampleRate();
            } else {
                for (int j = 0; j < p.inputs().length; j++) {
                    in = Math.max(in, estimate[p.inputs()[j]] + (queues[i] == null ? 0 : queues[i][j].frames()));
                }
                inRate = inSpecs[i][0].sampleRate();
            }
            long out = inRate == 0 ? 0 : (long) Math.ceil(in * (double) outSpec[i].sampleRate() / inRate);
            estimate[i] = out + (last ? inst[i].maxFlushFrames() : 0) + 16;
        }
    }

    void feed(int i, org.agrona.DirectBuffer buf, int offset, int frames) {
        AudioSpec s = sourceSpec[i];
        sourceBlock[i].wrap(buf, offset, frames, s.channels(), s.sampleRate(), s.format());
        fed[i] = true;
    }

    /** One step through every node: process what arrived; on {@code last}, pad, process and flush. */
    void step(boolean last) throws PipelineException {
        for (CompiledPlan.PlanNode p : nodes) {
            int i = p.index();
            int[] in = p.inputs();
            stepFrames[i] = 0;
            if (queues[i] != null) {
                for (int j = 0; j < in.length; j++) {
                    int q = in[j];
                    if (stepFrames[q] > 0) {
                        queues[i][j].append(outSpec[q], stepBuf[q].buffer(), 0, stepFrames[q]);
                    }
                }
            }
            if (!bound[i] && !p.isSource()) {
                Problems problems = new Problems();
                if (!tryBind(i, problems) && !problems.isEmpty()) {
                    throw PipelineError.validation(problems.list()).toException();
                }
            }
            if (bound[i]) {
                runNode(p, last);
            }
            for (int q : in) {
                if (nodes.get(q).lastReader() == i && stepBuf[q] != null) {
                    release(stepBuf[q], q);
                    stepBuf[q] = null;
                }
            }
            if (p.isSource()) {
                fed[i] = false;
            }
        }
    }

    private void runNode(CompiledPlan.PlanNode p, boolean last) throws PipelineException {
        int i = p.index();
        Node node = inst[i];
        AudioBlock[] in = blocks[i];
        int frames = 0;
        if (p.isSource()) {
            if (fed[i]) {
                frames = sourceBlock[i].frames();
                in[0].wrap(sourceBlock[i].buffer(), sourceBlock[i].offset(), frames, sourceBlock[i].channels(),
                        sourceBlock[i].sampleRate(), sourceBlock[i].format());
            }
        } else if (queues[i] == null) {
            int q = p.inputs()[0];
            frames = stepFrames[q];
            if (frames > 0) {
                AudioSpec s = outSpec[q];
                in[0].wrap(stepBuf[q].buffer(), 0, frames, s.channels(), s.sampleRate(), s.format());
            }
        } else {
            FrameQueue[] qs = queues[i];
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (FrameQueue fq : qs) {
                min = Math.min(min, fq.frames());
                max = Math.max(max, fq.frames());
            }
            frames = last ? max : min;
            if (frames > 0) {
                for (int j = 0; j < qs.length; j++) {
                    qs[j].view(in[j], frames);
                }
            }
        }
        if (frames == 0 && !last) {
            return;
        }
        AudioSpec os = outSpec[i];
        int cap = (frames > 0 ? node.maxOutputFrames(frames) : 0) + (last ? node.maxFlushFrames() : 0);
        MutableDirectBuffer out = null;
        int base = 0;
        if (os != null && cap > 0) {
            if (p.isSink()) {
                ensureAcc(i, accFrames[i] + cap);
                out = acc[i].buffer();
                base = accFrames[i] * os.frameBytes();
            } else {
                stepBuf[i] = acquire((long) cap * os.frameBytes(), i);
                out = stepBuf[i].buffer();
            }
        }
        int written = 0;
        checkpoint(i);
        long t0 = System.nanoTime();
        try {
            if (frames > 0) {
                written = node.process(in, out, base);
                int max = node.maxOutputFrames(frames);
                if (written < 0 || written > max) {
                    throw new IllegalStateException("process() wrote " + written + " frames, more than the "
                            + max + " it declared");
                }
                for (int j = 0; j < in.length && j < inSpecs[i].length; j++) {
                    samplesIn[i] += in[j].samples();
                }
            }
            if (last) {
                int f = node.flush(out, base + written * (os == null ? 0 : os.frameBytes()));
                if (f < 0 || f > node.maxFlushFrames()) {
                    throw new IllegalStateException("flush() wrote " + f + " frames, more than the "
                            + node.maxFlushFrames() + " it declared");
                }
                written += f;
            }
        } catch (RuntimeException e) {
            throw nodeFailure(i, e, "failed");
        } finally {
            nanos[i] += System.nanoTime() - t0;
        }
        ran[i] = true;
        if (queues[i] != null && frames > 0) {
            for (FrameQueue fq : queues[i]) {
                fq.consume(frames);
            }
        }
        if (p.isSink()) {
            accFrames[i] += written;
        } else {
            stepFrames[i] = written;
            if (written == 0 && stepBuf[i] != null) {
                release(stepBuf[i], i);
                stepBuf[i] = null;
            }
        }
    }

    private void ensureAcc(int i, int needFrames) throws PipelineException {
        int fb = outSpec[i].frameBytes();
        long need = (long) needFrames * fb;
        if (acc[i] != null && need <= acc[i].capacity()) {
            return;
        }
        if (need > BufferPool.MAX_CAPACITY) {
            throw PipelineError.resourceLimit("output size", BufferPool.MAX_CAPACITY, need, "bytes",
                    "the output of one node in one call may be at most 1 GiB: send shorter audio or stream it",
                    nodes.get(i).id()).toException();
        }
        long want = acc[i] == null ? Math.max(need, estimate[i] * fb) : Math.max(need, 2L * acc[i].capacity());
        PooledBuffer next = acquire(Math.min(want, BufferPool.MAX_CAPACITY), i);
        if (acc[i] != null) {
            next.buffer().putBytes(0, acc[i].buffer(), 0, accFrames[i] * fb);
            release(acc[i], i);
        }
        acc[i] = next;
    }

    /** Hands each sink's audio of this run to {@code out} (ownership moves); sinks that wrote nothing are skipped. */
    void takeOutputs(List<AudioOutput> out, AudioOutput[] slots) {
        for (CompiledPlan.PlanNode p : plan.sinks()) {
            int i = p.index();
            if (acc[i] == null) {
                continue;
            }
            if (accFrames[i] == 0) {
                release(acc[i], i);
                acc[i] = null;
                continue;
            }
            AudioOutput o = slots[i];
            held[i] -= acc[i].capacity(); // the caller holds it now
            o.set(acc[i], outSpec[i], accFrames[i]);
            acc[i] = null;
            out.add(o);
        }
    }

    // ---- data ----

    void appendData(int i, StringBuilder sb, boolean summary) {
        if (!bound[i] || !nodes.get(i).type().ports().dataOutput()) {
            return;
        }
        if (summary) {
            inst[i].appendDataSummary(sb);
        } else {
            inst[i].appendDataDelta(sb);
        }
    }

    // ---- memory ----

    PooledBuffer acquire(long bytes, int owner) throws PipelineException {
        int cap = BufferPool.capacityFor(bytes);
        if (!account.fits(cap)) {
            throw PipelineError.resourceLimit("max_memory_bytes", account.limitBytes(), account.inUseBytes() + cap,
                    "bytes", "node \"" + nodes.get(owner).id() + "\" needed " + cap + " more bytes while "
                            + account.inUseBytes() + " were in use: raise ResourceLimits.max_memory_bytes (server "
                            + "maximum " + limits.maxMemoryBytes() + "), send shorter audio, or stream it",
                    nodes.get(owner).id()).toException();
        }
        PooledBuffer b = pool.acquire(bytes, account);
        held[owner] += b.capacity();
        peak[owner] = Math.max(peak[owner], held[owner]);
        return b;
    }

    void release(PooledBuffer b, int owner) {
        held[owner] -= b.capacity();
        b.release();
    }

    /** Returns every buffer this run holds (step buffers, queues, unsent sink audio) and node state charges. */
    void releaseAll() {
        for (int i = 0; i < n; i++) {
            if (stepBuf[i] != null) {
                release(stepBuf[i], i);
                stepBuf[i] = null;
            }
            if (acc[i] != null) {
                release(acc[i], i);
                acc[i] = null;
            }
            if (queues[i] != null) {
                for (FrameQueue q : queues[i]) {
                    q.release();
                }
            }
            if (inst[i] != null && !stateReleased[i]) {
                long state = inst[i].stateBytes();
                account.creditExternal(state);
                held[i] -= state;
                stateReleased[i] = true;
            }
        }
    }

    // ---- checks and errors ----

    private void checkpoint(int i) throws PipelineException {
        if (control.cancelled()) {
            throw new PipelineError(ErrorType.CANCELLED, "execution cancelled by the caller", "", "{}", null)
                    .toException();
        }
        long now = System.nanoTime();
        if (control.deadlineNanos() != Long.MAX_VALUE && now - control.deadlineNanos() >= 0) {
            throw new PipelineError(ErrorType.DEADLINE_EXCEEDED, "deadline exceeded before node \""
                    + nodes.get(i).id() + "\" could run", nodes.get(i).id(), "{}", null).toException();
        }
        if (now - timeLimitAt >= 0) {
            long limit = limits.maxTimeoutMs();
            throw PipelineError.resourceLimit("max_timeout_ms", limit, limit + (now - timeLimitAt) / 1_000_000L, "ms",
                    "the pipeline ran longer than allowed (stopped before node \"" + nodes.get(i).id()
                            + "\"): raise ResourceLimits.max_timeout_ms, send shorter audio, or stream it",
                    nodes.get(i).id()).toException();
        }
    }

    private PipelineException nodeFailure(int i, RuntimeException e, String what) {
        failedNode = i;
        CompiledPlan.PlanNode p = nodes.get(i);
        StringBuilder ctx = new StringBuilder("{\"node_id\":");
        Json.string(ctx, p.id());
        ctx.append(",\"node_type\":");
        Json.string(ctx, p.type().name());
        ctx.append(",\"inputs\":[");
        AudioSpec[] ins = inSpecs[i] == null ? new AudioSpec[0] : inSpecs[i];
        for (int j = 0; j < ins.length; j++) {
            if (j > 0) {
                ctx.append(',');
            }
            ins[j].appendJson(ctx);
        }
        ctx.append("],\"params\":");
        p.params().appendJson(ctx);
        ctx.append(",\"samples_processed\":").append(samplesIn[i]).append(",\"exception\":");
        Json.string(ctx, e.getClass().getSimpleName());
        ctx.append('}');
        String msg = "node \"" + p.id() + "\" (" + p.type().name() + ") " + what + ": "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        return new PipelineError(ErrorType.NODE_EXECUTION, msg, p.id(), ctx.toString(), e).toException();
    }

    // ---- metrics ----

    List<NodeMetrics> nodeMetrics() {
        List<NodeMetrics> out = new ArrayList<>(n);
        for (CompiledPlan.PlanNode p : nodes) {
            int i = p.index();
            StringBuilder custom = new StringBuilder();
            if (inst[i] != null) {
                inst[i].appendCustomMetrics(custom);
            }
            NodeMetrics.NodeStatus st = i == failedNode ? NodeMetrics.NodeStatus.FAILED
                    : ran[i] ? NodeMetrics.NodeStatus.SUCCESS : NodeMetrics.NodeStatus.SKIPPED;
            double lat = inst[i] == null ? 0 : inst[i].latencySeconds() * 1000.0;
            out.add(new NodeMetrics(p.id(), p.type().name(), nanos[i] / 1e6, peak[i], samplesIn[i],
                    custom.isEmpty() ? "{}" : custom.toString(), lat, st));
        }
        return out;
    }

    /** Streaming latency of the whole graph: the largest sum of node latencies along any path to a sink (bound nodes). */
    double latencySeconds() {
        double[] at = new double[n];
        double worst = 0;
        for (CompiledPlan.PlanNode p : nodes) {
            int i = p.index();
            double in = 0;
            for (int q : p.inputs()) {
                in = Math.max(in, at[q]);
            }
            at[i] = in + (inst[i] == null ? 0 : inst[i].latencySeconds());
            if (p.isSink()) {
                worst = Math.max(worst, at[i]);
            }
        }
        return worst;
    }

    CompiledPlan plan() {
        return plan;
    }

    AudioSpec outputSpec(int i) {
        return outSpec[i];
    }

    long estimateFrames(int i) {
        return estimate[i];
    }

    /** Samples waiting in multi-input queues (StreamMetrics.buffer_samples). */
    long bufferedSamples() {
        long s = 0;
        for (FrameQueue[] qs : queues) {
            if (qs != null) {
                for (FrameQueue q : qs) {
                    if (q.spec() != null) {
                        s += (long) q.frames() * q.spec().channels();
                    }
                }
            }
        }
        return s;
    }
}
