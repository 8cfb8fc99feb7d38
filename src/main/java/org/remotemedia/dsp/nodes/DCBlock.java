package org.remotemedia.dsp.nodes;

import java.util.List;
import java.util.Map;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.filter.BiquadDesign;

/**
 * DCBlock: removes DC offset with a first-order high-pass (bilinear transform, exact zero at
 * DC, -3.01 dB at {@code cutoff_hz}), per channel; writes F32. Latency 0.
 */
public final class DCBlock extends NodeType {
    public static final String NAME = "DCBlock";

    public DCBlock() {
        super(NAME, "Removes DC offset: one-pole high-pass per channel (-3 dB at cutoff_hz, zero gain at DC); writes f32.",
                ParamSchema.of(ParamSpec.number("cutoff_hz", 0.1, 1000, 10.0,
                        "-3 dB frequency of the high-pass in Hz; must be below half the sample rate")),
                Ports.filter());
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("10 Hz f32 mono", Map.of(), List.of(new AudioSpec(48000, 1, SampleFormat.F32))),
                new NodeExample("40 Hz i16 stereo", Map.of("cutoff_hz", 40.0), List.of(new AudioSpec(16000, 2, SampleFormat.I16))),
                new NodeExample("5 Hz i32 3 ch (scalar path)", Map.of("cutoff_hz", 5.0),
                        List.of(new AudioSpec(44100, 3, SampleFormat.I32))));
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        double fc = p.number("cutoff_hz");
        if (fc >= in.sampleRate() / 2.0) {
            problems.add("/params/cutoff_hz", "cutoff_hz = " + fc + " Hz must be below half the input's sample rate ("
                    + in.sampleRate() / 2.0 + " Hz at " + in.sampleRate() + " Hz): lower it");
            return null;
        }
        return new FilterInstance(in.withFormat(SampleFormat.F32),
                new double[][] {BiquadDesign.firstOrder(true, in.sampleRate(), fc)});
    }
}
