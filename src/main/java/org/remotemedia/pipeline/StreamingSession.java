package org.remotemedia.pipeline;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.MemoryAccount;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Problems;

/**
 * A streaming execution of a plan: every node keeps its state from chunk to chunk, so the
 * concatenated output equals a one-shot execution of the concatenated input (with the tail
 * that {@link #finish} flushes). Chunks are pushed per source node; a source's first chunk
 * fixes its rate, channels and format, and creates the nodes it feeds. Output appears with
 * the graph's latency ({@link #latencySeconds()}; audio behind a whole-stream node only at
 * {@link #finish}: {@link #latencyUnbounded()}). A sink with several output ports
 * (ChannelSplit) gives one {@link AudioOutput} per port, keyed {@code "<id>.<k>"}.
 *
 * <p>Not thread-safe: owned by one thread at a time (the stream's event loop or a DSP
 * worker; hand-offs through a queue give the needed happens-before). The returned
 * {@link ChunkResult} is reused by the next call.
 */
public final class StreamingSession implements AutoCloseable {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private enum State { OPEN, FINISHED, FAILED, CANCELLED }

    private final CompiledPlan plan;
    private final EngineLimits serverLimits;
    private final EngineLimits limits;
    private final Map<String, String> dataInputs;
    private final MemoryAccount account;
    private final GraphRun run;
    private final ChunkResult result = new ChunkResult();
    private final long[] frames;
    private final StringBuilder sb = new StringBuilder();
    /** Nodes whose type declares a data output, in topological order. */
    private final CompiledPlan.PlanNode[] dataNodes;
    private State state = State.OPEN;

    private long chunks;
    private long totalSamples;
    private long totalNanos;
    private long cpuNanos;
    private long sequence;

    StreamingSession(CompiledPlan plan, BufferPool pool, EngineLimits serverLimits, EngineLimits limits,
                     Map<String, String> dataInputs) throws PipelineException {
        this.plan = plan;
        this.serverLimits = serverLimits;
        this.limits = limits;
        this.dataInputs = dataInputs;
        this.account = new MemoryAccount(limits.maxMemoryBytes());
        this.run = new GraphRun(plan, pool, account, limits, dataInputs);
        this.frames = new long[plan.size()];
        this.dataNodes = plan.nodes().stream().filter(p -> p.type().ports().dataOutput())
                .toArray(CompiledPlan.PlanNode[]::new);
        boolean ok = false;
        try {
            Problems problems = new Problems();
            for (CompiledPlan.PlanNode s : plan.sources()) {
                if (dataInputs.containsKey(s.id())) {
                    run.bindSource(s.index(), null, problems); // data-only source: ready now
                }
            }
            if (!problems.isEmpty()) {
                throw PipelineError.validation(problems).toException();
            }
            ok = true;
        } finally {
            if (!ok) {
                run.releaseAll();
            }
        }
    }

    /**
     * Processes one chunk for source node {@code nodeId}. The chunk is read in place during
     * this call only.
     *
     * @return this push's outputs (reused by the next call)
     */
    public ChunkResult push(String nodeId, AudioInput chunk, ExecutionControl control) throws PipelineException {
        result.reset();
        if (state != State.OPEN) {
            throw closedError();
        }
        CompiledPlan.PlanNode src = plan.node(nodeId);
        if (src == null || !src.isSource()) {
            throw PipelineError.validation("/node_id", src == null
                    ? "chunk for unknown node \"" + nodeId + "\"; source nodes: " + sourceIds()
                    : "chunk for \"" + nodeId + "\", which is not a source node; source nodes: " + sourceIds()).toException();
        }
        int i = src.index();
        if (run.isBound(i) && run.sourceSpec(i) == null) {
            throw PipelineError.validation("/node_id", "source \"" + nodeId + "\" was given a data input at init and"
                    + " takes no audio").toException();
        }
        if (!chunk.isValid()) { // messages are built only for a bad chunk
            Problems problems = new Problems();
            chunk.validate(problems.at("/buffer"));
            throw PipelineError.validation(problems).toException();
        }
        if (run.isBound(i) && !chunk.matches(run.sourceSpec(i))) {
            throw PipelineError.validation("/buffer", "chunk for \"" + nodeId + "\" is " + chunk.spec()
                    + " but earlier chunks were " + run.sourceSpec(i) + ": a stream's rate, channels and format cannot"
                    + " change").toException();
        }
        if (totalSamples + chunk.numSamples() > limits.maxAudioSamples()) {
            fail();
            throw PipelineError.resourceLimit("max_audio_samples", limits.maxAudioSamples(),
                    totalSamples + chunk.numSamples(), "samples", "the stream sent more audio than allowed: open a new"
                            + " stream, or raise ResourceLimits.max_audio_samples (server maximum "
                            + serverLimits.maxAudioSamples() + ")", "").toException();
        }
        long start = System.nanoTime();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        try {
            if (!run.isBound(i)) {
                run.bindSource(i, chunk.spec());
            }
            run.begin(control == null ? ExecutionControl.none() : control, start);
            java.util.Arrays.fill(frames, 0);
            frames[i] = chunk.frames();
            run.estimate(frames, false);
            int fb = chunk.channels() * chunk.format().bytesPerSample();
            for (int at = 0; at < chunk.frames(); at += GraphRun.SLICE_FRAMES) {
                int n = Math.min(GraphRun.SLICE_FRAMES, chunk.frames() - at);
                run.feed(i, chunk.buffer(), chunk.offset() + at * fb, n);
                run.step(false);
            }
            collect(false);
        } catch (PipelineException | RuntimeException e) {
            fail();
            throw e;
        }
        totalSamples += chunk.numSamples();
        chunks++;
        long took = System.nanoTime() - start;
        totalNanos += took;
        cpuNanos += THREADS.getCurrentThreadCpuTime() - cpu0;
        result.processingTimeMs = took / 1e6;
        result.totalSamplesProcessed = totalSamples;
        result.sequence = sequence++;
        return result;
    }

    /** End of stream (COMMAND_CLOSE): flushes every node's tail and returns the last outputs. */
    public ChunkResult finish(ExecutionControl control) throws PipelineException {
        result.reset();
        if (state != State.OPEN) {
            throw closedError();
        }
        List<String> silent = new ArrayList<>();
        for (CompiledPlan.PlanNode s : plan.sources()) {
            if (!run.isBound(s.index())) {
                silent.add(s.id());
            }
        }
        if (!silent.isEmpty()) {
            fail();
            throw PipelineError.validation("/audio_inputs", "the stream ended without any audio for source node(s) "
                    + String.join(", ", silent) + ": send at least one chunk for each source").toException();
        }
        long start = System.nanoTime();
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        try {
            run.begin(control == null ? ExecutionControl.none() : control, start);
            java.util.Arrays.fill(frames, 0);
            run.estimate(frames, true);
            run.step(true);
            collect(true);
        } catch (PipelineException | RuntimeException e) {
            fail();
            throw e;
        }
        long took = System.nanoTime() - start;
        totalNanos += took;
        cpuNanos += THREADS.getCurrentThreadCpuTime() - cpu0;
        result.processingTimeMs = took / 1e6;
        result.totalSamplesProcessed = totalSamples;
        result.sequence = sequence++;
        state = State.FINISHED;
        run.releaseAll(); // outputs already handed to the result
        return result;
    }

    private void collect(boolean last) {
        run.takeOutputs(result.audio);
        for (CompiledPlan.PlanNode p : dataNodes) { // an array: no iterator per push
            sb.setLength(0);
            run.appendData(p.index(), sb, false);
            if (!sb.isEmpty()) {
                result.data.add(new DataOutput(p.id(), sb.toString()));
            }
        }
    }

    /** COMMAND_CANCEL or a dropped stream: releases everything; the session is over. */
    public void cancel() {
        if (state == State.OPEN) {
            state = State.CANCELLED;
            result.reset();
            run.releaseAll();
        }
    }

    /** Cancels if still open; releases the last result's audio. */
    @Override
    public void close() {
        cancel();
        result.reset();
    }

    private void fail() {
        state = State.FAILED;
        result.reset();
        run.releaseAll();
    }

    private PipelineException closedError() {
        return new PipelineError(ErrorType.VALIDATION, "the stream is " + state.name().toLowerCase(java.util.Locale.ROOT)
                + ": no more chunks are accepted", "", "{\"state\":\"" + state.name().toLowerCase(java.util.Locale.ROOT)
                + "\"}", null).toException();
    }

    private String sourceIds() {
        return String.join(", ", plan.sources().stream().map(CompiledPlan.PlanNode::id).toList());
    }

    /**
     * Streaming latency of the graph in seconds, always finite (never NaN or infinite): the
     * largest sum of node latencies along a path to a sink whose audio streams. Nodes not yet
     * created (fed by a source that has sent no chunk) count 0, so the figure is final once
     * {@link #latencyFinal()}. A sink behind a whole-stream node (whole-stream Normalize) gets all
     * its audio from {@link #finish}: it is left out here and {@link #latencyUnbounded()} is set.
     */
    public double latencySeconds() {
        return run.latencySeconds();
    }

    /** Whether some sink's audio comes only at the end of the stream (a whole-stream node feeds it). */
    public boolean latencyUnbounded() {
        return run.latencyUnbounded();
    }

    /** Whether every node has been created (every source has sent a chunk), so the latency figures are final. */
    public boolean latencyFinal() {
        return run.allBound();
    }

    /**
     * {@link #latencySeconds()} in whole milliseconds, rounded up, in the shape of
     * {@code StreamReady.max_buffer_latency_ms} (uint64); 0 when {@link #latencyUnbounded()} (no
     * bound exists), so a consumer that must tell "unbounded" from "no delay" reads the flag.
     * StreamReady itself carries the configured {@code streaming.max_buffer_latency_ms}: it is sent
     * before the first chunk, when the nodes (and so this figure) do not exist yet.
     */
    public long maxBufferLatencyMs() {
        return latencyUnbounded() ? 0 : (long) Math.ceil(latencySeconds() * 1000.0 - 1e-9);
    }

    /**
     * Appends {@code {"latency_ms": <finite>, "unbounded": <bool>, "final": <bool>}}: the three
     * figures above as JSON (latency_ms as a number, never null).
     */
    public StringBuilder appendLatencyJson(StringBuilder sb) {
        sb.append("{\"latency_ms\":");
        org.remotemedia.json.Json.number(sb, latencySeconds() * 1000.0);
        return sb.append(",\"unbounded\":").append(latencyUnbounded()).append(",\"final\":").append(latencyFinal())
                .append('}');
    }

    public long chunksProcessed() {
        return chunks;
    }

    public long totalSamples() {
        return totalSamples;
    }

    public double averageLatencyMs() {
        return chunks == 0 ? 0 : totalNanos / 1e6 / chunks;
    }

    public long peakMemoryBytes() {
        return account.peakBytes();
    }

    public long bufferedSamples() {
        return run.bufferedSamples();
    }

    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** Metrics of the session so far (StreamClosed.final_metrics). */
    public ExecutionMetrics metrics() {
        return new ExecutionMetrics(totalNanos / 1e6, cpuNanos / 1e6, account.peakBytes(), run.nodeMetrics());
    }

    public CompiledPlan plan() {
        return plan;
    }
}
