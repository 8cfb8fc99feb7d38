package org.remotemedia.dsp.nodes;

import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.FrameForFrameNode;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.filter.BiquadCascade;

/**
 * A running IIR filter node (Biquad, DCBlock): a {@link BiquadCascade} over the input's
 * channels, F32 out, zero latency, as many frames out as in. Owned by the thread running its
 * execution or session.
 */
final class FilterInstance extends FrameForFrameNode {
    private final BiquadCascade cascade;

    FilterInstance(AudioSpec out, double[][] sections) {
        super(out);
        this.cascade = new BiquadCascade(sections, out.channels());
    }

    @Override
    public int process(AudioBlock[] inputs, MutableDirectBuffer dst, int outOffset) {
        AudioBlock in = inputs[0];
        return cascade.process(in.buffer(), in.offset(), in.format(), in.frames(), dst, outOffset);
    }

    @Override
    public void reset() {
        cascade.reset();
    }

    @Override
    public long stateBytes() {
        return cascade.stateBytes();
    }
}
