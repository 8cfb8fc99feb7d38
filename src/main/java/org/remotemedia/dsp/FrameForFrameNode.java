package org.remotemedia.dsp;

/**
 * A node that writes frame for frame: its output audio has one spec, fixed at creation, and a
 * block never gives more output frames than it had input frames (as many, or fewer for a node
 * that drops some, like Trim). This class answers {@link #outputSpec()} and
 * {@link #maxOutputFrames} from that, so the subclass holds only its processing. Most nodes are
 * of this kind (Gain, Mixer, the filters, the channel and format nodes); one that writes more
 * than it reads (a resampler, Pad, a gate releasing held audio) extends {@link Node} itself.
 *
 * <p>Threads: as {@link Node}.
 */
public abstract class FrameForFrameNode extends Node {
    private final AudioSpec outputSpec;

    /** {@code outputSpec}: the audio written, or null for a node that writes none. */
    protected FrameForFrameNode(AudioSpec outputSpec) {
        this.outputSpec = outputSpec;
    }

    @Override
    public final AudioSpec outputSpec() {
        return outputSpec;
    }

    /** {@code inputFrames}: never more out than in. */
    @Override
    public final int maxOutputFrames(int inputFrames) {
        return inputFrames;
    }
}
