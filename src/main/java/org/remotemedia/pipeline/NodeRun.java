package org.remotemedia.pipeline;

import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.PooledBuffer;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;

/**
 * One node's part of a {@link GraphRun}: the node once created ("bound") and its specs, where its
 * inputs arrive, its buffers of the current step and (a sink) of the current run, and its metrics.
 * Plain fields that {@link GraphRun} reads and writes on the hot path; what belongs to one node
 * stays together instead of in one array per field indexed by node.
 *
 * <p>Not thread-safe: owned, like its GraphRun, by one thread at a time.
 */
final class NodeRun {
    final CompiledPlan.PlanNode plan;
    /** The producer of each input, in connection order (empty for a source). */
    final NodeRun[] from;
    /** What the node reads this call: one block per input (one for a source); reused. */
    final AudioBlock[] blocks;
    /** A multi-input node's inputs, waiting until every one has frames; null for other nodes. */
    final FrameQueue[] queues;
    /** A source's audio of this step as fed (null for other nodes), and whether it was fed. */
    final AudioBlock sourceBlock;
    boolean fed;

    // ---- set once, when the node is created ----
    Node node;
    AudioSpec sourceSpec;
    AudioSpec[] inSpecs;
    /** Port 0's audio (null: no audio output); {@code outSpecs[k]} for every port. */
    AudioSpec outSpec;
    AudioSpec[] outSpecs;
    /** Output ports: 0 for a node without audio (or not bound yet). */
    int ports;
    /** A sink's outputs, one per port, reused for every run. */
    AudioOutput[] outputs;
    /** Reused for every call: the port buffers and their write offsets. */
    MutableDirectBuffer[] outBufs;
    int[] outOffsets;

    // ---- buffers: of this step (a non-sink), of this run (a sink's audio) ----
    PooledBuffer[] stepBuf;
    int stepFrames;
    PooledBuffer[] acc;
    int accFrames;
    /** Expected output frames of this run (sizing a sink's buffers). */
    long estimate;

    // ---- metrics ----
    long nanos;
    long samplesIn;
    /** Pooled bytes and state bytes the node holds now, and the most it held. */
    long held;
    long peak;
    boolean ran;
    /** State bytes charged to the account (a node's stateBytes() may grow as it holds audio). */
    long stateCharged;

    NodeRun(CompiledPlan.PlanNode plan, NodeRun[] earlier, GraphRun run) {
        this.plan = plan;
        int[] in = plan.inputs();
        from = new NodeRun[in.length];
        for (int j = 0; j < in.length; j++) {
            from[j] = earlier[in[j]]; // topological order: producers come first
        }
        blocks = new AudioBlock[Math.max(1, in.length)];
        for (int j = 0; j < blocks.length; j++) {
            blocks[j] = new AudioBlock();
        }
        if (in.length > 1) {
            queues = new FrameQueue[in.length];
            for (int j = 0; j < in.length; j++) {
                queues[j] = new FrameQueue(run, plan.index());
            }
        } else {
            queues = null;
        }
        sourceBlock = plan.isSource() ? new AudioBlock() : null;
    }

    boolean bound() {
        return node != null;
    }

    /** Records the created node, its inputs' and ports' audio, and sizes the per-port state. */
    void bind(Node created, AudioSpec[] ins, AudioSpec first, AudioSpec[] specs) {
        int k = specs.length;
        inSpecs = ins;
        outSpec = first;
        outSpecs = specs;
        ports = k;
        stepBuf = new PooledBuffer[k];
        acc = new PooledBuffer[k];
        outBufs = new MutableDirectBuffer[Math.max(1, k)];
        outOffsets = new int[Math.max(1, k)];
        if (plan.isSink()) {
            outputs = new AudioOutput[k];
            for (int port = 0; port < k; port++) {
                outputs[port] = new AudioOutput(plan.outputKey(port));
            }
        }
        node = created;
    }

    /** Counts {@code bytes} more (or, negative, fewer) held by this node. */
    void hold(long bytes) {
        held += bytes;
        peak = Math.max(peak, held);
    }

    /**
     * Streaming latency in seconds: 0 until the node is created; +inf for a node that writes only
     * at the end of the stream; NaN or a negative value (a node bug) counts as 0, so no figure
     * derived from it is NaN.
     */
    double latencySeconds() {
        if (node == null) {
            return 0;
        }
        double l = node.latencySeconds();
        return l >= 0 ? l : 0; // false for NaN
    }
}
