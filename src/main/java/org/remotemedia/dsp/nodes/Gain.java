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

/** Gain: multiplies every sample by a gain given in dB or linear; output F32 (no clipping). Latency 0. */
public final class Gain extends NodeType {
    public static final String NAME = "Gain";

    public Gain() {
        super(NAME, "Multiplies every sample by a fixed gain (dB or linear); writes f32, unclipped.",
                ParamSchema.of(
                        ParamSpec.number("gain_db", -120, 60, null,
                                "gain in dB (20 log10 of the factor); give this or gain"),
                        ParamSpec.number("gain", -1000, 1000, null,
                                "linear factor (negative inverts polarity); give this or gain_db; neither = 1")),
                Ports.filter());
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("-6 dB f32 mono", Map.of("gain_db", -6.0), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("x0.3 i16 stereo", Map.of("gain", 0.3), List.of(new AudioSpec(44100, 2, SampleFormat.I16))),
                new NodeExample("+3 dB i32 mono", Map.of("gain_db", 3.0), List.of(new AudioSpec(48000, 1, SampleFormat.I32))));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        if (p.given("gain_db") && p.given("gain")) {
            problems.add("/params/gain", "give either gain (linear) or gain_db, not both");
        }
    }

    /** The linear factor these params mean. */
    static float factor(Params p) {
        if (p.has("gain")) {
            return (float) p.number("gain");
        }
        if (p.has("gain_db")) {
            return (float) Math.pow(10.0, p.number("gain_db") / 20.0);
        }
        return 1f;
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        return new Instance(inputs.get(0).withFormat(SampleFormat.F32), factor(p));
    }

    static final class Instance extends FrameForFrameNode {
        private final float gain;

        Instance(AudioSpec out, float gain) {
            super(out);
            this.gain = gain;
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer dst, int outOffset) {
            AudioBlock in = inputs[0];
            SampleKernels.scaleToF32(in.buffer(), in.offset(), in.format(), in.samples(), gain, dst, outOffset);
            return in.frames();
        }

        @Override
        public void reset() {
        }
    }
}
