package org.remotemedia.dsp.nodes;

import java.util.List;
import java.util.Map;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.FrameForFrameNode;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.SampleKernels;

/**
 * Mixer: sums 2..64 inputs of equal rate and channel count, each with its gain; output F32.
 * The runner aligns the inputs frame by frame and pads one that ends early with silence.
 * Latency 0.
 */
public final class Mixer extends NodeType {
    public static final String NAME = "Mixer";
    static final int MAX_INPUTS = 64;

    public Mixer() {
        super(NAME, "Sums its inputs (same rate and channels), each scaled by its gain; writes f32, unclipped.",
                ParamSchema.of(
                        ParamSpec.numberList("gains", 2, MAX_INPUTS, -1000, 1000,
                                "linear gain per input, in connection order; default 1 each"),
                        ParamSpec.numberList("gains_db", 2, MAX_INPUTS, -120, 60,
                                "gain per input in dB, in connection order (instead of gains)")),
                new Ports(2, MAX_INPUTS, false, true, false));
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        AudioSpec a = new AudioSpec(16000, 1, SampleFormat.F32);
        AudioSpec b = new AudioSpec(16000, 1, SampleFormat.I16);
        AudioSpec s = new AudioSpec(48000, 2, SampleFormat.F32);
        return List.of(
                new NodeExample("2 mono, unity", Map.of(), List.of(a, b)),
                new NodeExample("3 stereo, gains", Map.of("gains", List.of(0.5, -0.25, 1.5)), List.of(s, s, s)),
                new NodeExample("2 mono, gains_db", Map.of("gains_db", List.of(-6.0, 3.0)), List.of(b, a)));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        if (p.given("gains") && p.given("gains_db")) {
            problems.add("/params/gains", "give either gains (linear) or gains_db, not both");
        }
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        int n = inputs.size();
        float[] gains = new float[n];
        java.util.Arrays.fill(gains, 1f);
        String given = p.has("gains") ? "gains" : p.has("gains_db") ? "gains_db" : null;
        if (given != null) {
            double[] g = p.numbers(given);
            if (g.length != n) {
                problems.add("/params/" + given, given + " has " + g.length + " entries but the node has " + n
                        + " inputs: give one gain per input, in connection order");
                return null;
            }
            for (int i = 0; i < n; i++) {
                gains[i] = (float) (given.equals("gains") ? g[i] : Math.pow(10.0, g[i] / 20.0));
            }
        }
        AudioSpec first = inputs.get(0);
        for (int i = 1; i < n; i++) {
            AudioSpec s = inputs.get(i);
            if (s.sampleRate() != first.sampleRate() || s.channels() != first.channels()) {
                problems.add("", "Mixer inputs must share rate and channels: input 0 is " + first.sampleRate()
                        + " Hz x " + first.channels() + " ch, input " + i + " is " + s.sampleRate() + " Hz x "
                        + s.channels() + " ch; put an AudioResample or a channel node before the Mixer");
                return null;
            }
        }
        return new Instance(first.withFormat(SampleFormat.F32), gains);
    }

    static final class Instance extends FrameForFrameNode {
        private final float[] gains;

        Instance(AudioSpec out, float[] gains) {
            super(out);
            this.gains = gains;
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer dst, int outOffset) {
            AudioBlock first = inputs[0];
            int n = first.samples();
            SampleKernels.scaleToF32(first.buffer(), first.offset(), first.format(), n, gains[0], dst, outOffset);
            for (int i = 1; i < inputs.length; i++) {
                AudioBlock in = inputs[i];
                SampleKernels.accumulateF32(in.buffer(), in.offset(), in.format(), n, gains[i], dst, outOffset);
            }
            return first.frames();
        }

        @Override
        public void reset() {
        }

        @Override
        public long stateBytes() {
            return 4L * gains.length;
        }
    }
}
