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
 * A node with several output ports (ChannelSplit) gets one step buffer per port, each released
 * after that port's last reader (a port nothing reads: right after the node ran). Sinks append
 * to one buffer per port per run (the whole execution, or one streaming push), handed to the
 * caller as {@link AudioOutput}s keyed by {@link CompiledPlan.PlanNode#outputKey}. Multi-input nodes get aligned blocks through {@link FrameQueue}s. Nodes are
 * created ("bound") once their input streams are known: at the start for one-shot, at the
 * first chunk of their sources for streaming. Cancellation, the deadline and the time limit
 * are checked before every node call; the memory limit on every buffer acquired.
 *
 * <p>Not thread-safe: owned by one thread at a time (the caller of execute / push).
 */
final class GraphRun {
    static final int SLICE_FRAMES = 16384;

    private final CompiledPlan plan;
    /** The plan's nodes in topological order, and its sinks, as arrays: a for-each over them allocates nothing. */
    private final CompiledPlan.PlanNode[] nodes;
    private final CompiledPlan.PlanNode[] sinks;
    private final BufferPool pool;
    private final MemoryAccount account;
    private final EngineLimits limits;
    private final int n;

    private final Node[] inst;
    /** Port 0's audio (null: no audio output); {@code outSpecs[i][k]} for every port. */
    private final AudioSpec[] outSpec;
    private final AudioSpec[][] outSpecs;
    /** Output ports of each bound node: 0 for a node without audio. */
    private final int[] ports;
    private final AudioSpec[][] inSpecs;
    private final boolean[] bound;
    private final AudioSpec[] sourceSpec;
    private final Map<String, String> dataInputs;

    private final PooledBuffer[][] stepBuf;
    private final int[] stepFrames;
    private final PooledBuffer[][] acc;
    private final int[] accFrames;
    private final AudioOutput[][] slots;
    /** Per node, reused for every call: the port buffers and their write offsets. */
    private final MutableDirectBuffer[][] outBufs;
    private final int[][] outOffsets;
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
    /** State bytes of each node charged to the account (a node's stateBytes() may grow as it holds audio). */
    private final long[] stateCharged;
    private int failedNode = -1;

    private ExecutionControl control = ExecutionControl.none();
    private long timeLimitAt;

    GraphRun(CompiledPlan plan, BufferPool pool, MemoryAccount account, EngineLimits limits,
             Map<String, String> dataInputs) {
        this.plan = plan;
        this.nodes = plan.nodes().toArray(new CompiledPlan.PlanNode[0]);
        this.sinks = plan.sinks().toArray(new CompiledPlan.PlanNode[0]);
        this.pool = pool;
        this.account = account;
        this.limits = limits;
        this.n = this.nodes.length;
        this.dataInputs = dataInputs;
        inst = new Node[n];
        outSpec = new AudioSpec[n];
        outSpecs = new AudioSpec[n][];
        ports = new int[n];
        inSpecs = new AudioSpec[n][];
        bound = new boolean[n];
        sourceSpec = new AudioSpec[n];
        stepBuf = new PooledBuffer[n][];
        stepFrames = new int[n];
        acc = new PooledBuffer[n][];
        accFrames = new int[n];
        slots = new AudioOutput[n][];
        outBufs = new MutableDirectBuffer[n][];
        outOffsets = new int[n][];
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
        stateCharged = new long[n];
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
        create(nodes[i], spec == null ? List.of() : List.of(spec), problems);
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
        AudioSpec first = node.outputSpec();
        int k = first == null ? 0 : p.multiOutput() ? node.outputPorts() : 1;
        AudioSpec[] specs = new AudioSpec[k];
        for (int port = 0; port < k; port++) {
            specs[port] = port == 0 ? first : node.outputSpec(port);
            if (specs[port] == null) {
                throw nodeFailure(i, new IllegalStateException("declares " + k + " output ports but port " + port
                        + " has no audio spec"), "could not be created");
            }
        }
        inst[i] = node;
        inSpecs[i] = inputs.toArray(new AudioSpec[0]);
        outSpec[i] = first;
        outSpecs[i] = specs;
        ports[i] = k;
        stepBuf[i] = new PooledBuffer[k];
        acc[i] = new PooledBuffer[k];
        outBufs[i] = new MutableDirectBuffer[Math.max(1, k)];
        outOffsets[i] = new int[Math.max(1, k)];
        if (p.isSink()) {
            slots[i] = new AudioOutput[k];
            for (int port = 0; port < k; port++) {
                slots[i][port] = new AudioOutput(p.outputKey(port));
            }
        }
        bound[i] = true;
        String data = dataInputs.get(p.id());
        if (data != null) {
            try {
                node.dataInput(data);
            } catch (RuntimeException e) {
                throw nodeFailure(i, e, "rejected its data input");
            }
        }
        chargeState(i);
        return true;
    }

    /**
     * Brings node {@code i}'s state charge up to its current {@link Node#stateBytes()}: a node
     * that holds audio (whole-stream Normalize) grows while it runs, and that memory counts
     * toward {@code max_memory_bytes} like pooled buffers do. No allocation.
     */
    private void chargeState(int i) throws PipelineException {
        long now = inst[i].stateBytes();
        long delta = now - stateCharged[i];
        if (delta == 0) {
            return;
        }
        if (delta > 0 && !account.fits(delta)) {
            String id = nodes[i].id();
            throw PipelineError.resourceLimit("max_memory_bytes", account.limitBytes(), account.inUseBytes() + delta,
                    "bytes", "node \"" + id + "\" holds " + now + " bytes of state (audio it must keep) while "
                            + account.inUseBytes() + " were in use: raise ResourceLimits.max_memory_bytes (server maximum "
                            + limits.maxMemoryBytes() + "), send shorter audio, or configure the node to hold less",
                    id).toException();
        }
        if (delta > 0) {
            account.chargeExternal(delta);
        } else {
            account.creditExternal(-delta);
        }
        stateCharged[i] = now;
        held[i] += delta;
        peak[i] = Math.max(peak[i], held[i]);
    }

    /** Binds a non-source node whose producers are all bound; false if they are not (yet). */
    private boolean tryBind(int i, Problems problems) throws PipelineException {
        CompiledPlan.PlanNode p = nodes[i];
        List<AudioSpec> ins = new ArrayList<>(p.inputs().length);
        for (int j = 0; j < p.inputs().length; j++) {
            int q = p.inputs()[j];
            if (!bound[q]) {
                return false;
            }
            CompiledPlan.PlanNode src = nodes[q];
            if (outSpec[q] == null) {
                problems.add(p.path(), "input " + j + " comes from \"" + src.id() + "\" ("
                        + src.type().name() + "), which has no audio output here (a source given only a data input):"
                        + " give \"" + src.id() + "\" an audio input or remove the connection");
                return false;
            }
            int port = p.inputPorts()[j];
            if (port >= ports[q]) {
                problems.add("/connections/" + p.inputConnections()[j] + "/from", "connection.from \"" + src.id() + "."
                        + port + "\" names output port " + port + " of " + src.type().name() + " \"" + src.id()
                        + "\", which has " + ports[q] + (ports[q] == 1 ? " output port" : " output ports") + " for its input ("
                        + describeInputs(q) + "); valid: " + validPorts(src, ports[q]));
                return false;
            }
            ins.add(outSpecs[q][port]);
        }
        return create(p, ins, problems);
    }

    private String describeInputs(int q) {
        AudioSpec[] in = inSpecs[q];
        List<String> s = new ArrayList<>(in.length);
        for (AudioSpec a : in) {
            s.add(a.toString());
        }
        return String.join("; ", s);
    }

    private static String validPorts(CompiledPlan.PlanNode p, int count) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < count; k++) {
            sb.append(k == 0 ? "" : ", ").append('"').append(p.id()).append('.').append(k).append('"');
        }
        return sb.toString();
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
            int[] inPorts = p.inputPorts();
            stepFrames[i] = 0;
            if (queues[i] != null) {
                for (int j = 0; j < in.length; j++) {
                    int q = in[j];
                    if (stepFrames[q] > 0) {
                        queues[i][j].append(outSpecs[q][inPorts[j]], stepBuf[q][inPorts[j]].buffer(), 0, stepFrames[q]);
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
            for (int j = 0; j < in.length; j++) {
                int q = in[j];
                int port = inPorts[j];
                if (nodes[q].lastReader(port) == i && stepBuf[q] != null && stepBuf[q][port] != null) {
                    release(stepBuf[q][port], q);
                    stepBuf[q][port] = null;
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
            int port = p.inputPorts()[0];
            frames = stepFrames[q];
            if (frames > 0) {
                AudioSpec s = outSpecs[q][port];
                in[0].wrap(stepBuf[q][port].buffer(), 0, frames, s.channels(), s.sampleRate(), s.format());
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
        int k = ports[i];
        int cap = (frames > 0 ? node.maxOutputFrames(frames) : 0) + (last ? node.maxFlushFrames() : 0);
        MutableDirectBuffer[] outs = outBufs[i];
        int[] offs = outOffsets[i];
        for (int port = 0; port < outs.length; port++) { // never a buffer of an earlier call
            outs[port] = null;
            offs[port] = 0;
        }
        if (k > 0 && cap > 0) {
            room(p, 0, cap);
        }
        int written = 0;
        checkpoint(i);
        long t0 = System.nanoTime();
        try {
            if (frames > 0) {
                written = k > 1 ? node.process(in, outs, offs) : node.process(in, outs[0], offs[0]);
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
                // what the node holds may have grown in this process() call (whole-stream Normalize)
                int flushMax = node.maxFlushFrames();
                if (k > 0 && written + flushMax > cap) {
                    room(p, written, written + flushMax);
                }
                for (int port = 0; port < k; port++) {
                    offs[port] += written * outSpecs[i][port].frameBytes();
                }
                int f = k > 1 ? node.flush(outs, offs) : node.flush(outs[0], offs[0]);
                if (f < 0 || f > flushMax) {
                    throw new IllegalStateException("flush() wrote " + f + " frames, more than the " + flushMax
                            + " it declared");
                }
                written += f;
            }
        } catch (RuntimeException e) {
            throw nodeFailure(i, e, "failed");
        } finally {
            nanos[i] += System.nanoTime() - t0;
        }
        ran[i] = true;
        if (node.stateBytes() != stateCharged[i]) { // grows only in nodes that hold audio
            chargeState(i);
        }
        if (queues[i] != null && frames > 0) {
            for (FrameQueue fq : queues[i]) {
                fq.consume(frames);
            }
        }
        if (p.isSink()) {
            accFrames[i] += written;
        } else {
            stepFrames[i] = written;
            for (int port = 0; port < k; port++) {
                // nothing written, or a port no connection reads: back to the pool now
                if (stepBuf[i][port] != null && (written == 0 || p.lastReader(port) < 0)) {
                    release(stepBuf[i][port], i);
                    stepBuf[i][port] = null;
                }
            }
        }
    }

    /**
     * Gives every output port of node {@code p} room for {@code frames} frames of this call, of
     * which the first {@code keep} are already written (kept when a buffer is replaced by a
     * larger one), and points {@code outBufs} / {@code outOffsets} at where this call writes.
     */
    private void room(CompiledPlan.PlanNode p, int keep, int frames) throws PipelineException {
        int i = p.index();
        for (int port = 0; port < ports[i]; port++) {
            int fb = outSpecs[i][port].frameBytes();
            if (p.isSink()) {
                ensureAcc(i, port, accFrames[i] + frames, accFrames[i] + keep);
                outBufs[i][port] = acc[i][port].buffer();
                outOffsets[i][port] = accFrames[i] * fb;
            } else {
                PooledBuffer cur = stepBuf[i][port];
                if (cur == null || (long) frames * fb > cur.capacity()) {
                    PooledBuffer next = acquire((long) frames * fb, i);
                    if (cur != null) {
                        next.buffer().putBytes(0, cur.buffer(), 0, keep * fb);
                        release(cur, i);
                    }
                    stepBuf[i][port] = next;
                }
                outBufs[i][port] = stepBuf[i][port].buffer();
                outOffsets[i][port] = 0;
            }
        }
    }

    private void ensureAcc(int i, int port, int needFrames, int keepFrames) throws PipelineException {
        int fb = outSpecs[i][port].frameBytes();
        long need = (long) needFrames * fb;
        PooledBuffer cur = acc[i][port];
        if (cur != null && need <= cur.capacity()) {
            return;
        }
        if (need > BufferPool.MAX_CAPACITY) {
            throw PipelineError.resourceLimit("output size", BufferPool.MAX_CAPACITY, need, "bytes",
                    "the output of one node in one call may be at most 1 GiB: send shorter audio or stream it",
                    nodes[i].id()).toException();
        }
        long want = cur == null ? Math.max(need, estimate[i] * fb) : Math.max(need, 2L * cur.capacity());
        PooledBuffer next = acquire(Math.min(want, BufferPool.MAX_CAPACITY), i);
        if (cur != null) {
            next.buffer().putBytes(0, cur.buffer(), 0, keepFrames * fb);
            release(cur, i);
        }
        acc[i][port] = next;
    }

    /**
     * Hands each sink port's audio of this run to {@code out} (ownership moves), keyed by
     * {@link CompiledPlan.PlanNode#outputKey}; sinks that wrote nothing are skipped.
     */
    void takeOutputs(List<AudioOutput> out) {
        for (CompiledPlan.PlanNode p : sinks) {
            int i = p.index();
            for (int port = 0; bound[i] && port < ports[i]; port++) {
                PooledBuffer b = acc[i][port];
                if (b == null) {
                    continue;
                }
                acc[i][port] = null;
                if (accFrames[i] == 0) {
                    release(b, i);
                    continue;
                }
                AudioOutput o = slots[i][port];
                held[i] -= b.capacity(); // the caller holds it now
                o.set(b, outSpecs[i][port], accFrames[i]);
                out.add(o);
            }
        }
    }

    /** Bytes the sinks' audio will need for the frames {@link #estimate} expects (the memory check before a run). */
    long sinkBytesEstimate() {
        long bytes = 0;
        for (CompiledPlan.PlanNode p : sinks) {
            int i = p.index();
            for (int port = 0; bound[i] && port < ports[i]; port++) {
                bytes += estimate[i] * outSpecs[i][port].frameBytes();
            }
        }
        return bytes;
    }

    // ---- data ----

    void appendData(int i, StringBuilder sb, boolean summary) {
        if (!bound[i] || !nodes[i].type().ports().dataOutput()) {
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
                    "bytes", "node \"" + nodes[owner].id() + "\" needed " + cap + " more bytes while "
                            + account.inUseBytes() + " were in use: raise ResourceLimits.max_memory_bytes (server "
                            + "maximum " + limits.maxMemoryBytes() + "), send shorter audio, or stream it",
                    nodes[owner].id()).toException();
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
            for (int port = 0; port < ports[i]; port++) {
                if (stepBuf[i][port] != null) {
                    release(stepBuf[i][port], i);
                    stepBuf[i][port] = null;
                }
                if (acc[i][port] != null) {
                    release(acc[i][port], i);
                    acc[i][port] = null;
                }
            }
            if (queues[i] != null) {
                for (FrameQueue q : queues[i]) {
                    q.release();
                }
            }
            if (stateCharged[i] != 0) {
                account.creditExternal(stateCharged[i]);
                held[i] -= stateCharged[i];
                stateCharged[i] = 0;
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
                    + nodes[i].id() + "\" could run", nodes[i].id(), "{}", null).toException();
        }
        if (now - timeLimitAt >= 0) {
            long limit = limits.maxTimeoutMs();
            throw PipelineError.resourceLimit("max_timeout_ms", limit, limit + (now - timeLimitAt) / 1_000_000L, "ms",
                    "the pipeline ran longer than allowed (stopped before node \"" + nodes[i].id()
                            + "\"): raise ResourceLimits.max_timeout_ms, send shorter audio, or stream it",
                    nodes[i].id()).toException();
        }
    }

    private PipelineException nodeFailure(int i, RuntimeException e, String what) {
        failedNode = i;
        CompiledPlan.PlanNode p = nodes[i];
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
            double lat = nodeLatency(i);
            boolean unbounded = lat == Double.POSITIVE_INFINITY;
            out.add(new NodeMetrics(p.id(), p.type().name(), nanos[i] / 1e6, peak[i], samplesIn[i],
                    custom.isEmpty() ? "{}" : custom.toString(), unbounded ? 0 : lat * 1000.0, st, unbounded));
        }
        return out;
    }

    /**
     * Node {@code i}'s streaming latency in seconds: 0 until it is created; +inf for a node that
     * writes only at the end of the stream; NaN or a negative value (a node bug) counts as 0, so
     * no figure derived from it is NaN.
     */
    private double nodeLatency(int i) {
        if (inst[i] == null) {
            return 0;
        }
        double l = inst[i].latencySeconds();
        return l >= 0 ? l : 0; // false for NaN
    }

    /**
     * Latency of every sink: the largest sum of node latencies along a path into it, +inf when a
     * path crosses a whole-stream node (its audio comes only at the end). Nodes not created yet count 0.
     */
    private double[] sinkPathLatencies() {
        double[] at = new double[n];
        for (CompiledPlan.PlanNode p : nodes) {
            int i = p.index();
            double in = 0;
            for (int q : p.inputs()) {
                in = Math.max(in, at[q]);
            }
            at[i] = in + nodeLatency(i);
        }
        return at;
    }

    /**
     * Streaming latency of the graph, always finite: the largest path latency over the sinks
     * whose audio streams (a sink behind a whole-stream node is left out: see {@link #latencyUnbounded()}).
     */
    double latencySeconds() {
        double[] at = sinkPathLatencies();
        double worst = 0;
        for (CompiledPlan.PlanNode p : sinks) {
            if (at[p.index()] != Double.POSITIVE_INFINITY) {
                worst = Math.max(worst, at[p.index()]);
            }
        }
        return worst;
    }

    /** Whether some sink's audio comes only when the stream ends (a whole-stream node on its path). */
    boolean latencyUnbounded() {
        double[] at = sinkPathLatencies();
        for (CompiledPlan.PlanNode p : sinks) {
            if (at[p.index()] == Double.POSITIVE_INFINITY) {
                return true;
            }
        }
        return false;
    }

    /** Whether every node has been created (streaming: every source has sent audio), so latencies are final. */
    boolean allBound() {
        for (boolean b : bound) {
            if (!b) {
                return false;
            }
        }
        return true;
    }

    CompiledPlan plan() {
        return plan;
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
