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
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.Problems;
import org.remotemedia.json.Json;

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
 * are checked before every node call; the memory limit on every buffer acquired. Each node's
 * state in the run (its instance, buffers, queues, metrics) is one {@link NodeRun}.
 *
 * <p>Not thread-safe: owned by one thread at a time (the caller of execute / push).
 */
final class GraphRun {
    static final int SLICE_FRAMES = 16384;

    private final CompiledPlan plan;
    /** Every node's run state, in topological order (index = {@link CompiledPlan.PlanNode#index}); an array: a for-each allocates nothing. */
    private final NodeRun[] runs;
    /** The sinks' run states, in the plan's sink order. */
    private final NodeRun[] sinks;
    private final BufferPool pool;
    private final MemoryAccount account;
    private final EngineLimits limits;
    private final Map<String, String> dataInputs;
    /** The node whose failure ended the run (its metrics say FAILED), or null. */
    private NodeRun failed;

    private ExecutionControl control = ExecutionControl.none();
    private long timeLimitAt;

    GraphRun(CompiledPlan plan, BufferPool pool, MemoryAccount account, EngineLimits limits,
             Map<String, String> dataInputs) {
        this.plan = plan;
        this.pool = pool;
        this.account = account;
        this.limits = limits;
        this.dataInputs = dataInputs;
        runs = new NodeRun[plan.size()];
        for (CompiledPlan.PlanNode p : plan.nodes()) {
            runs[p.index()] = new NodeRun(p, runs, this);
        }
        List<CompiledPlan.PlanNode> s = plan.sinks();
        sinks = new NodeRun[s.size()];
        for (int j = 0; j < sinks.length; j++) {
            sinks[j] = runs[s.get(j).index()];
        }
    }

    // ---- binding ----

    boolean isBound(int i) {
        return runs[i].bound();
    }

    AudioSpec sourceSpec(int i) {
        return runs[i].sourceSpec;
    }

    /** Creates source node {@code i} for audio of {@code spec} (null: a data-only source). */
    void bindSource(int i, AudioSpec spec) throws PipelineException {
        Problems problems = new Problems();
        bindSource(i, spec, problems);
        if (!problems.isEmpty()) {
            throw PipelineError.validation(problems).toException();
        }
    }

    /** As {@link #bindSource(int, AudioSpec)}, collecting problems instead of throwing them. */
    void bindSource(int i, AudioSpec spec, Problems problems) throws PipelineException {
        runs[i].sourceSpec = spec;
        create(runs[i], spec == null ? List.of() : List.of(spec), problems);
    }

    /**
     * Binds every node whose inputs are known, in topological order, reporting every problem
     * (a node whose producer failed to bind is skipped): one-shot validation before any run.
     */
    void bindAll(Problems problems) throws PipelineException {
        for (NodeRun r : runs) {
            if (!r.bound() && !r.plan.isSource()) {
                tryBind(r, problems);
            }
        }
    }

    private boolean create(NodeRun r, List<AudioSpec> inputs, Problems problems) throws PipelineException {
        CompiledPlan.PlanNode p = r.plan;
        int before = problems.size();
        Node node = plan.spares().take(p.index(), inputs); // same plan, same inputs: created the same way before
        if (node == null) {
            try {
                node = p.type().create(p.params(), inputs, problems.at(p.path()));
            } catch (RuntimeException e) {
                throw nodeFailure(r, e, "could not be created");
            }
        }
        if (node == null || problems.size() > before) {
            if (problems.size() == before) {
                problems.add(p.path(), p.type().name() + " cannot take inputs " + inputs);
            }
            return false;
        }
        AudioSpec first = node.outputSpec();
        int k = first == null ? 0 : p.multiOutput() ? node.outputPorts() : 1;
        AudioSpec[] specs = new AudioSpec[k];
        for (int port = 0; port < k; port++) {
            specs[port] = port == 0 ? first : node.outputSpec(port);
            if (specs[port] == null) {
                throw nodeFailure(r, new IllegalStateException("declares " + k + " output ports but port " + port
                        + " has no audio spec"), "could not be created");
            }
        }
        r.bind(node, inputs.toArray(new AudioSpec[0]), first, specs);
        String data = dataInputs.get(p.id());
        if (data != null) {
            try {
                node.dataInput(data);
            } catch (RuntimeException e) {
                throw nodeFailure(r, e, "rejected its data input");
            }
        }
        chargeState(r);
        return true;
    }

    /**
     * Brings node {@code r}'s state charge up to its current {@link Node#stateBytes()}: a node
     * that holds audio (whole-stream Normalize) grows while it runs, and that memory counts
     * toward {@code max_memory_bytes} like pooled buffers do. No allocation.
     */
    private void chargeState(NodeRun r) throws PipelineException {
        long now = r.node.stateBytes();
        long delta = now - r.stateCharged;
        if (delta == 0) {
            return;
        }
        if (delta > 0 && !account.fits(delta)) {
            String id = r.plan.id();
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
        r.stateCharged = now;
        r.hold(delta);
    }

    /** Binds a non-source node whose producers are all bound; false if they are not (yet). */
    private boolean tryBind(NodeRun r, Problems problems) throws PipelineException {
        CompiledPlan.PlanNode p = r.plan;
        List<AudioSpec> ins = new ArrayList<>(r.from.length);
        for (int j = 0; j < r.from.length; j++) {
            NodeRun q = r.from[j];
            if (!q.bound()) {
                return false;
            }
            CompiledPlan.PlanNode src = q.plan;
            if (q.outSpec == null) {
                problems.add(p.path(), "input " + j + " comes from \"" + src.id() + "\" ("
                        + src.type().name() + "), which has no audio output here (a source given only a data input):"
                        + " give \"" + src.id() + "\" an audio input or remove the connection");
                return false;
            }
            int port = p.inputPorts()[j];
            if (port >= q.ports) {
                problems.add("/connections/" + p.inputConnections()[j] + "/from", "connection.from \"" + src.id() + "."
                        + port + "\" names output port " + port + " of " + src.type().name() + " \"" + src.id()
                        + "\", which has " + q.ports + (q.ports == 1 ? " output port" : " output ports") + " for its input ("
                        + describeInputs(q) + "); valid: " + validPorts(src, q.ports));
                return false;
            }
            ins.add(q.outSpecs[port]);
        }
        return create(r, ins, problems);
    }

    private static String describeInputs(NodeRun q) {
        AudioSpec[] in = q.inSpecs;
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
        for (NodeRun r : runs) {
            r.accFrames = 0;
        }
    }

    /** Expected output frames of each bound node for {@code sourceFrames} input frames per source (sizing sinks). */
    void estimate(long[] sourceFrames, boolean last) {
        for (NodeRun r : runs) {
            CompiledPlan.PlanNode p = r.plan;
            if (!r.bound() || r.outSpec == null) {
                r.estimate = 0;
                continue;
            }
            long in = 0;
            int inRate = 0;
            if (p.isSource()) {
                in = sourceFrames[p.index()];
                inRate = r.sourceSpec == null ? 0 : r.sourceSpec.sampleRate();
            } else {
                for (int j = 0; j < r.from.length; j++) {
                    in = Math.max(in, r.from[j].estimate + (r.queues == null ? 0 : r.queues[j].frames()));
                }
                inRate = r.inSpecs[0].sampleRate();
            }
            long out = inRate == 0 ? 0 : (long) Math.ceil(in * (double) r.outSpec.sampleRate() / inRate);
            r.estimate = out + (last ? r.node.maxFlushFrames() : 0) + 16;
        }
    }

    void feed(int i, org.agrona.DirectBuffer buf, int offset, int frames) {
        NodeRun r = runs[i];
        AudioSpec s = r.sourceSpec;
        r.sourceBlock.wrap(buf, offset, frames, s.channels(), s.sampleRate(), s.format());
        r.fed = true;
    }

    /** One step through every node: process what arrived; on {@code last}, pad, process and flush. */
    void step(boolean last) throws PipelineException {
        for (NodeRun r : runs) {
            r.stepFrames = 0;
            if (r.queues != null) {
                enqueueInputs(r);
            }
            if (!r.bound() && !r.plan.isSource()) {
                bindOrThrow(r);
            }
            if (r.bound()) {
                runNode(r, last);
            }
            releaseReadInputs(r);
            r.fed = false; // a source's feed is for one step
        }
    }

    /** Appends the producers' output of this step to a multi-input node's queues. */
    private static void enqueueInputs(NodeRun r) throws PipelineException {
        int[] inPorts = r.plan.inputPorts();
        for (int j = 0; j < r.from.length; j++) {
            NodeRun q = r.from[j];
            if (q.stepFrames > 0) {
                r.queues[j].append(q.outSpecs[inPorts[j]], q.stepBuf[inPorts[j]].buffer(), 0, q.stepFrames);
            }
        }
    }

    /** Creates a node once its producers exist (streaming: after their first audio); fails the run if their audio does not fit it. */
    private void bindOrThrow(NodeRun r) throws PipelineException {
        Problems problems = new Problems();
        if (!tryBind(r, problems) && !problems.isEmpty()) {
            throw PipelineError.validation(problems).toException();
        }
    }

    /** Returns the producers' step buffers this node was the last to read. */
    private static void releaseReadInputs(NodeRun r) {
        int[] inPorts = r.plan.inputPorts();
        int self = r.plan.index();
        for (int j = 0; j < r.from.length; j++) {
            NodeRun q = r.from[j];
            int port = inPorts[j];
            if (q.plan.lastReader(port) == self && q.stepBuf != null && q.stepBuf[port] != null) {
                release(q.stepBuf[port], q);
                q.stepBuf[port] = null;
            }
        }
    }

    /** One call of a bound node: its inputs, room for its outputs, the call, then where the output goes. */
    private void runNode(NodeRun r, boolean last) throws PipelineException {
        int frames = gatherInputs(r, last);
        if (frames == 0 && !last) {
            return;
        }
        int cap = prepareOutputs(r, frames, last);
        checkpoint(r);
        int written = call(r, frames, cap, last);
        r.ran = true;
        if (r.node.stateBytes() != r.stateCharged) { // grows only in nodes that hold audio
            chargeState(r);
        }
        consumeInputs(r, frames);
        routeOutputs(r, written);
    }

    /**
     * Points the node's input blocks at this call's audio: a source's feed, its producer's step
     * buffer, or equal lengths of its queues (the shortest; on {@code last} the longest, the rest
     * padded with silence). Returns the frames per input.
     */
    private static int gatherInputs(NodeRun r, boolean last) throws PipelineException {
        AudioBlock[] in = r.blocks;
        if (r.plan.isSource()) {
            if (!r.fed) {
                return 0;
            }
            AudioBlock s = r.sourceBlock;
            in[0].wrap(s.buffer(), s.offset(), s.frames(), s.channels(), s.sampleRate(), s.format());
            return s.frames();
        }
        if (r.queues == null) {
            NodeRun q = r.from[0];
            int port = r.plan.inputPorts()[0];
            int frames = q.stepFrames;
            if (frames > 0) {
                AudioSpec s = q.outSpecs[port];
                in[0].wrap(q.stepBuf[port].buffer(), 0, frames, s.channels(), s.sampleRate(), s.format());
            }
            return frames;
        }
        FrameQueue[] qs = r.queues;
        int min = Integer.MAX_VALUE;
        int max = 0;
        for (FrameQueue fq : qs) {
            min = Math.min(min, fq.frames());
            max = Math.max(max, fq.frames());
        }
        int frames = last ? max : min;
        if (frames > 0) {
            for (int j = 0; j < qs.length; j++) {
                qs[j].view(in[j], frames);
            }
        }
        return frames;
    }

    /**
     * Clears the output pointers (never a buffer of an earlier call) and gives every port room for
     * all this call may write: process() of {@code frames}, and flush() on {@code last}. Returns
     * that room in frames.
     */
    private int prepareOutputs(NodeRun r, int frames, boolean last) throws PipelineException {
        Node node = r.node;
        int cap = (frames > 0 ? node.maxOutputFrames(frames) : 0) + (last ? node.maxFlushFrames() : 0);
        MutableDirectBuffer[] outs = r.outBufs;
        int[] offs = r.outOffsets;
        for (int port = 0; port < outs.length; port++) {
            outs[port] = null;
            offs[port] = 0;
        }
        if (r.ports > 0 && cap > 0) {
            room(r, 0, cap);
        }
        return cap;
    }

    /**
     * The node's process() (when frames arrived) and, on {@code last}, flush(), timed; an
     * exception from the node, or more frames written than it declared, fails the run as
     * NODE_EXECUTION naming the node. Returns the frames written.
     */
    private int call(NodeRun r, int frames, int cap, boolean last) throws PipelineException {
        int written = 0;
        long t0 = System.nanoTime();
        try {
            if (frames > 0) {
                written = process(r, frames);
            }
            if (last) {
                written += flush(r, written, cap);
            }
        } catch (RuntimeException e) {
            throw nodeFailure(r, e, "failed");
        } finally {
            r.nanos += System.nanoTime() - t0;
        }
        return written;
    }

    private static int process(NodeRun r, int frames) {
        Node node = r.node;
        AudioBlock[] in = r.blocks;
        MutableDirectBuffer[] outs = r.outBufs;
        int[] offs = r.outOffsets;
        int written = r.ports > 1 ? node.process(in, outs, offs) : node.process(in, outs[0], offs[0]);
        int max = node.maxOutputFrames(frames);
        if (written < 0 || written > max) {
            throw new IllegalStateException("process() wrote " + written + " frames, more than the "
                    + max + " it declared");
        }
        for (int j = 0; j < in.length && j < r.inSpecs.length; j++) {
            r.samplesIn += in[j].samples();
        }
        return written;
    }

    /** The node's flush() after the {@code written} frames of this call's process(); returns the frames it wrote. */
    private int flush(NodeRun r, int written, int cap) throws PipelineException {
        Node node = r.node;
        int k = r.ports;
        MutableDirectBuffer[] outs = r.outBufs;
        int[] offs = r.outOffsets;
        // what the node holds may have grown in this process() call (whole-stream Normalize)
        int flushMax = node.maxFlushFrames();
        if (k > 0 && written + flushMax > cap) {
            room(r, written, written + flushMax);
        }
        for (int port = 0; port < k; port++) {
            offs[port] += written * r.outSpecs[port].frameBytes();
        }
        int f = k > 1 ? node.flush(outs, offs) : node.flush(outs[0], offs[0]);
        if (f < 0 || f > flushMax) {
            throw new IllegalStateException("flush() wrote " + f + " frames, more than the " + flushMax
                    + " it declared");
        }
        return f;
    }

    /** Drops the frames the node took from its queues (single inputs need nothing: step buffers live one step). */
    private static void consumeInputs(NodeRun r, int frames) {
        if (r.queues != null && frames > 0) {
            for (FrameQueue fq : r.queues) {
                fq.consume(frames);
            }
        }
    }

    /**
     * A sink's frames stay in its run buffers; another node's become this step's output, and a
     * port buffer nothing will read (nothing written, or no connection takes the port) goes back
     * to the pool now.
     */
    private static void routeOutputs(NodeRun r, int written) {
        if (r.plan.isSink()) {
            r.accFrames += written;
            return;
        }
        r.stepFrames = written;
        for (int port = 0; port < r.ports; port++) {
            if (r.stepBuf[port] != null && (written == 0 || r.plan.lastReader(port) < 0)) {
                release(r.stepBuf[port], r);
                r.stepBuf[port] = null;
            }
        }
    }

    /**
     * Gives every output port of node {@code r} room for {@code frames} frames of this call, of
     * which the first {@code keep} are already written (kept when a buffer is replaced by a
     * larger one), and points {@code outBufs} / {@code outOffsets} at where this call writes.
     */
    private void room(NodeRun r, int keep, int frames) throws PipelineException {
        for (int port = 0; port < r.ports; port++) {
            int fb = r.outSpecs[port].frameBytes();
            if (r.plan.isSink()) {
                ensureAcc(r, port, r.accFrames + frames, r.accFrames + keep);
                r.outBufs[port] = r.acc[port].buffer();
                r.outOffsets[port] = r.accFrames * fb;
            } else {
                PooledBuffer cur = r.stepBuf[port];
                if (cur == null || (long) frames * fb > cur.capacity()) {
                    PooledBuffer next = acquire((long) frames * fb, r);
                    if (cur != null) {
                        next.buffer().putBytes(0, cur.buffer(), 0, keep * fb);
                        release(cur, r);
                    }
                    r.stepBuf[port] = next;
                }
                r.outBufs[port] = r.stepBuf[port].buffer();
                r.outOffsets[port] = 0;
            }
        }
    }

    private void ensureAcc(NodeRun r, int port, int needFrames, int keepFrames) throws PipelineException {
        int fb = r.outSpecs[port].frameBytes();
        long need = (long) needFrames * fb;
        PooledBuffer cur = r.acc[port];
        if (cur != null && need <= cur.capacity()) {
            return;
        }
        if (need > BufferPool.MAX_CAPACITY) {
            throw PipelineError.resourceLimit("output size", BufferPool.MAX_CAPACITY, need, "bytes",
                    "the output of one node in one call may be at most 1 GiB: send shorter audio or stream it",
                    r.plan.id()).toException();
        }
        long want = cur == null ? Math.max(need, r.estimate * fb) : Math.max(need, 2L * cur.capacity());
        PooledBuffer next = acquire(Math.min(want, BufferPool.MAX_CAPACITY), r);
        if (cur != null) {
            next.buffer().putBytes(0, cur.buffer(), 0, keepFrames * fb);
            release(cur, r);
        }
        r.acc[port] = next;
    }

    /**
     * Hands each sink port's audio of this run to {@code out} (ownership moves), keyed by
     * {@link CompiledPlan.PlanNode#outputKey}; sinks that wrote nothing are skipped.
     */
    void takeOutputs(List<AudioOutput> out) {
        for (NodeRun r : sinks) {
            for (int port = 0; r.bound() && port < r.ports; port++) {
                PooledBuffer b = r.acc[port];
                if (b == null) {
                    continue;
                }
                r.acc[port] = null;
                if (r.accFrames == 0) {
                    release(b, r);
                    continue;
                }
                AudioOutput o = r.outputs[port];
                r.held -= b.capacity(); // the caller holds it now
                o.set(b, r.outSpecs[port], r.accFrames);
                out.add(o);
            }
        }
    }

    /** Bytes the sinks' audio will need for the frames {@link #estimate} expects (the memory check before a run). */
    long sinkBytesEstimate() {
        long bytes = 0;
        for (NodeRun r : sinks) {
            for (int port = 0; r.bound() && port < r.ports; port++) {
                bytes += r.estimate * r.outSpecs[port].frameBytes();
            }
        }
        return bytes;
    }

    // ---- data ----

    /** Whether node {@code i} is bound and of a type that gives data (it may still have none to give). */
    boolean hasData(int i) {
        NodeRun r = runs[i];
        return r.bound() && r.plan.type().ports().dataOutput();
    }

    void appendData(int i, StringBuilder sb, boolean summary) {
        NodeRun r = runs[i];
        if (!r.bound() || !r.plan.type().ports().dataOutput()) {
            return;
        }
        if (summary) {
            r.node.appendDataSummary(sb);
        } else {
            r.node.appendDataDelta(sb);
        }
    }

    // ---- memory ----

    /** A buffer charged to node {@code owner} (for {@link FrameQueue}, which knows its node by index). */
    PooledBuffer acquire(long bytes, int owner) throws PipelineException {
        return acquire(bytes, runs[owner]);
    }

    void release(PooledBuffer b, int owner) {
        release(b, runs[owner]);
    }

    private PooledBuffer acquire(long bytes, NodeRun owner) throws PipelineException {
        int cap = BufferPool.capacityFor(bytes);
        if (!account.fits(cap)) {
            String id = owner.plan.id();
            throw PipelineError.resourceLimit("max_memory_bytes", account.limitBytes(), account.inUseBytes() + cap,
                    "bytes", "node \"" + id + "\" needed " + cap + " more bytes while "
                            + account.inUseBytes() + " were in use: raise ResourceLimits.max_memory_bytes (server "
                            + "maximum " + limits.maxMemoryBytes() + "), send shorter audio, or stream it",
                    id).toException();
        }
        PooledBuffer b = pool.acquire(bytes, account);
        owner.hold(b.capacity());
        return b;
    }

    private static void release(PooledBuffer b, NodeRun owner) {
        owner.held -= b.capacity();
        b.release();
    }

    /**
     * After a run that ended normally (nothing failed, nothing cancelled): every node that took
     * no data input goes back to its fresh state and is offered to the plan's spares. A node whose
     * reset fails is simply not kept.
     */
    void recycleNodes() {
        for (NodeRun r : runs) {
            if (r.node == null || r.plan.type().ports().acceptsData()) {
                continue;
            }
            try {
                r.node.reset();
            } catch (RuntimeException e) {
                continue;
            }
            plan.spares().giveBack(r.plan.index(), r.inSpecs, r.node);
            r.node = null; // this run no longer owns it
        }
    }

    /** Returns every buffer this run holds (step buffers, queues, unsent sink audio) and node state charges. */
    void releaseAll() {
        for (NodeRun r : runs) {
            for (int port = 0; port < r.ports; port++) {
                if (r.stepBuf[port] != null) {
                    release(r.stepBuf[port], r);
                    r.stepBuf[port] = null;
                }
                if (r.acc[port] != null) {
                    release(r.acc[port], r);
                    r.acc[port] = null;
                }
            }
            if (r.queues != null) {
                for (FrameQueue q : r.queues) {
                    q.release();
                }
            }
            if (r.stateCharged != 0) {
                account.creditExternal(r.stateCharged);
                r.held -= r.stateCharged;
                r.stateCharged = 0;
            }
        }
    }

    // ---- checks and errors ----

    private void checkpoint(NodeRun r) throws PipelineException {
        if (control.cancelled()) {
            throw new PipelineError(ErrorType.CANCELLED, "execution cancelled by the caller", "", "{}", null)
                    .toException();
        }
        long now = System.nanoTime();
        if (control.deadlineNanos() != Long.MAX_VALUE && now - control.deadlineNanos() >= 0) {
            throw new PipelineError(ErrorType.DEADLINE_EXCEEDED, "deadline exceeded before node \""
                    + r.plan.id() + "\" could run", r.plan.id(), "{}", null).toException();
        }
        if (now - timeLimitAt >= 0) {
            long limit = limits.maxTimeoutMs();
            throw PipelineError.resourceLimit("max_timeout_ms", limit, limit + (now - timeLimitAt) / 1_000_000L, "ms",
                    "the pipeline ran longer than allowed (stopped before node \"" + r.plan.id()
                            + "\"): raise ResourceLimits.max_timeout_ms, send shorter audio, or stream it",
                    r.plan.id()).toException();
        }
    }

    private PipelineException nodeFailure(NodeRun r, RuntimeException e, String what) {
        failed = r;
        CompiledPlan.PlanNode p = r.plan;
        StringBuilder ctx = new StringBuilder("{\"node_id\":");
        Json.string(ctx, p.id());
        ctx.append(",\"node_type\":");
        Json.string(ctx, p.type().name());
        ctx.append(",\"inputs\":[");
        AudioSpec[] ins = r.inSpecs == null ? new AudioSpec[0] : r.inSpecs;
        for (int j = 0; j < ins.length; j++) {
            if (j > 0) {
                ctx.append(',');
            }
            ins[j].appendJson(ctx);
        }
        ctx.append("],\"params\":");
        p.params().appendJson(ctx);
        ctx.append(",\"samples_processed\":").append(r.samplesIn).append(",\"exception\":");
        Json.string(ctx, e.getClass().getSimpleName());
        ctx.append('}');
        String msg = "node \"" + p.id() + "\" (" + p.type().name() + ") " + what + ": "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        return new PipelineError(ErrorType.NODE_EXECUTION, msg, p.id(), ctx.toString(), e).toException();
    }

    // ---- metrics ----

    List<NodeMetrics> nodeMetrics() {
        List<NodeMetrics> out = new ArrayList<>(runs.length);
        StringBuilder custom = new StringBuilder();
        for (NodeRun r : runs) {
            CompiledPlan.PlanNode p = r.plan;
            custom.setLength(0);
            if (r.node != null) {
                r.node.appendCustomMetrics(custom);
            }
            NodeMetrics.NodeStatus st = r == failed ? NodeMetrics.NodeStatus.FAILED
                    : r.ran ? NodeMetrics.NodeStatus.SUCCESS : NodeMetrics.NodeStatus.SKIPPED;
            double lat = r.latencySeconds();
            boolean unbounded = lat == Double.POSITIVE_INFINITY;
            out.add(new NodeMetrics(p.id(), p.type().name(), r.nanos / 1e6, r.peak, r.samplesIn,
                    custom.isEmpty() ? "{}" : custom.toString(), unbounded ? 0 : lat * 1000.0, st, unbounded));
        }
        return out;
    }

    /**
     * Latency of every sink: the largest sum of node latencies along a path into it, +inf when a
     * path crosses a whole-stream node (its audio comes only at the end). Nodes not created yet count 0.
     */
    private double[] sinkPathLatencies() {
        double[] at = new double[runs.length];
        for (NodeRun r : runs) {
            double in = 0;
            for (int q : r.plan.inputs()) {
                in = Math.max(in, at[q]);
            }
            at[r.plan.index()] = in + r.latencySeconds();
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
        for (NodeRun r : sinks) {
            double l = at[r.plan.index()];
            if (l != Double.POSITIVE_INFINITY) {
                worst = Math.max(worst, l);
            }
        }
        return worst;
    }

    /** Whether some sink's audio comes only when the stream ends (a whole-stream node on its path). */
    boolean latencyUnbounded() {
        double[] at = sinkPathLatencies();
        for (NodeRun r : sinks) {
            if (at[r.plan.index()] == Double.POSITIVE_INFINITY) {
                return true;
            }
        }
        return false;
    }

    /** Whether every node has been created (streaming: every source has sent audio), so latencies are final. */
    boolean allBound() {
        for (NodeRun r : runs) {
            if (!r.bound()) {
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
        for (NodeRun r : runs) {
            if (r.queues != null) {
                for (FrameQueue q : r.queues) {
                    if (q.spec() != null) {
                        s += (long) q.frames() * q.spec().channels();
                    }
                }
            }
        }
        return s;
    }
}
