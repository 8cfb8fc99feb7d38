package org.remotemedia.dsp;

import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;

/**
 * One running instance of a node type, for one execution or one streaming session: it holds
 * the state carried from chunk to chunk. Created by {@link NodeType#create} for fixed input
 * streams; its output stream is fixed from then on.
 *
 * <p>Contract (checked for every registered type by the equivalence tests):
 * <ul>
 * <li>{@link #process} is called with blocks of any size (1 frame, 10 ms, the whole signal),
 *     then {@link #flush} once at the end of the stream. The concatenated output of any
 *     chunking equals that of one {@code process(all)} + {@code flush()} within 1e-6
 *     (bit-exact where the algorithm allows).</li>
 * <li>Kernels read the input bytes in place in whatever {@link org.remotemedia.buffer.SampleFormat}
 *     they come in (decode fused into the first loop) and write interleaved little-endian
 *     samples of {@link #outputSpec()} into the output buffer.</li>
 * <li>No allocation, logging, locks or exceptions in process / flush in steady state. A node
 *     that cannot go on throws {@link NodeException}; the pipeline reports it with the node's
 *     id, type, inputs and params.</li>
 * </ul>
 *
 * <p>Not thread-safe: owned by the one thread that runs its execution or session (an event
 * loop or a DSP worker); successive calls may come from different threads only with a
 * happens-before edge between them (a queue hand-off).
 */
public abstract class Node {

    /** The audio this node writes, or null if it writes no audio. */
    public abstract AudioSpec outputSpec();

    /** The most frames {@link #process} may write for a block of {@code inputFrames}. */
    public abstract int maxOutputFrames(int inputFrames);

    /**
     * Processes one block. All inputs have the same number of frames (the runner aligns
     * multi-input nodes); {@code inputs.length} is the number of audio inputs.
     *
     * @return frames written at {@code out[outOffset..]} (at most {@link #maxOutputFrames})
     */
    public abstract int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset);

    /**
     * Audio outputs (ports) of this instance: 1 for most nodes; more for a type whose
     * {@link Ports#multiAudioOutput()} is set (ChannelSplit: one per channel). Port k is named
     * {@code "k"}; a manifest connection takes it as {@code "from": "<node id>.<k>"}, and a plain
     * {@code "from": "<node id>"} means port 0.
     */
    public int outputPorts() {
        return 1;
    }

    /** The audio of output port {@code port} (port 0 is {@link #outputSpec()}). */
    public AudioSpec outputSpec(int port) {
        return port == 0 ? outputSpec() : null;
    }

    /**
     * Processes one block for every output port: port k is written at {@code outs[k]} from
     * {@code outOffsets[k]}, each with room for {@link #maxOutputFrames} frames of its spec. All
     * ports get the same number of frames, which is returned. The default serves one-port nodes.
     */
    public int process(AudioBlock[] inputs, MutableDirectBuffer[] outs, int[] outOffsets) {
        return process(inputs, outs[0], outOffsets[0]);
    }

    /** End of stream for every output port (see {@link #process(AudioBlock[], MutableDirectBuffer[], int[])}). */
    public int flush(MutableDirectBuffer[] outs, int[] outOffsets) {
        return flush(outs[0], outOffsets[0]);
    }

    /**
     * The most frames {@link #flush} may write now. May depend on what the node holds (whole-stream
     * Normalize: everything so far); the runner asks right before calling flush.
     */
    public int maxFlushFrames() {
        return 0;
    }

    /** End of stream: writes whatever is still held (a filter's tail, delayed audio). */
    public int flush(MutableDirectBuffer out, int outOffset) {
        return 0;
    }

    /**
     * How long after an input instant its output appears in streaming use, in seconds of
     * stream time (0 for sample-by-sample nodes). One-shot output has no net delay.
     * {@link Double#POSITIVE_INFINITY} for a node that must see the whole stream before it
     * can write anything (whole-stream Normalize): its output comes from {@link #flush}.
     */
    public double latencySeconds() {
        return 0.0;
    }

    /**
     * For a node that drops or adds frames (Trim): how many output frames the first
     * {@code inputFrames} input frames account for with no delay. -1 (the default) means the
     * output covers the same duration as the input at the output rate. Used to check
     * {@link #latencySeconds()}: after n input frames, at least
     * {@code outputFramesFor(n - latency * inputRate)} frames must have come out.
     */
    public long outputFramesFor(long inputFrames) {
        return -1;
    }

    /** Back to the freshly created state. */
    public abstract void reset();

    /**
     * Bytes of state this node holds beyond pooled buffers (filter histories, FIFOs, held audio).
     * May grow while it runs; the runner re-reads it after every call and charges the difference
     * to the execution's memory limit.
     */
    public long stateBytes() {
        return 0;
    }

    /** A data input (JSON) given to a source node whose type accepts data. */
    public void dataInput(CharSequence json) {
        throw new NodeException("this node takes no data input");
    }

    /**
     * Appends the JSON data produced since the previous call (a streaming chunk's data), or
     * nothing when there is none. Only for types whose ports declare a data output.
     */
    public void appendDataDelta(StringBuilder out) {
    }

    /** Appends the JSON data for the whole stream so far (the one-shot data output). */
    public void appendDataSummary(StringBuilder out) {
    }

    /** Appends a JSON object of node-specific counters (e.g. clipped samples), or nothing. */
    public void appendCustomMetrics(StringBuilder out) {
    }
}
