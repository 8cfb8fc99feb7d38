package org.remotemedia.dsp.nodes;

import java.util.ArrayList;
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
import org.remotemedia.dsp.filter.BiquadDesign.Shape;

/**
 * Biquad: the Audio EQ Cookbook filters (lowpass, highpass, bandpass, notch, peaking,
 * lowshelf, highshelf), per channel, in double precision; writes F32. Low- and high-pass
 * take an {@code order} (Butterworth, as cascaded sections); any filter may be cascaded
 * {@code stages} times (e.g. order 2 x 2 stages = Linkwitz-Riley 4). Latency 0.
 */
public final class Biquad extends NodeType {
    public static final String NAME = "Biquad";
    static final int MAX_ORDER = 16;
    static final int MAX_STAGES = 8;

    public Biquad() {
        super(NAME, "Audio EQ Cookbook biquad (lowpass, highpass, bandpass, notch, peaking, lowshelf, highshelf);"
                        + " Butterworth orders and cascades; writes f32.",
                ParamSchema.of(
                        ParamSpec.choice("type", null, shapes(),
                                "filter shape (RBJ Audio EQ Cookbook); bandpass has 0 dB gain at frequency").required(),
                        ParamSpec.number("frequency", 1, 384_000, null,
                                "centre / corner frequency f0 in Hz; must be below half the sample rate").required(),
                        ParamSpec.number("q", 0.05, 50, 0.7071067811865476,
                                "quality factor of the section (shelves: 0.7071 = slope 1); not with order other than 2"),
                        ParamSpec.number("gain_db", -48, 48, 0.0, "gain at f0 (peaking) or of the shelf; only for peaking,"
                                + " lowshelf, highshelf"),
                        ParamSpec.integer("order", 1, MAX_ORDER, 2L,
                                "lowpass / highpass only: Butterworth order (sections with Butterworth Qs; 2 = one section"
                                        + " with q)"),
                        ParamSpec.integer("stages", 1, MAX_STAGES, 1L,
                                "cascade the whole filter this many times (order 2 x 2 = Linkwitz-Riley 4)")),
                Ports.filter());
    }

    private static List<String> shapes() {
        List<String> l = new ArrayList<>();
        for (Shape s : Shape.values()) {
            l.add(s.label());
        }
        return l;
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("lowpass 1 kHz f32 mono", Map.of("type", "lowpass", "frequency", 1000.0),
                        List.of(new AudioSpec(48000, 1, SampleFormat.F32))),
                new NodeExample("highpass order 5 i16 stereo", Map.of("type", "highpass", "frequency", 300.0, "order", 5),
                        List.of(new AudioSpec(44100, 2, SampleFormat.I16))),
                new NodeExample("peaking +6 dB i32 mono", Map.of("type", "peaking", "frequency", 2500.0, "q", 2.0,
                        "gain_db", 6.0), List.of(new AudioSpec(16000, 1, SampleFormat.I32))),
                new NodeExample("lowshelf 6 ch (scalar)", Map.of("type", "lowshelf", "frequency", 200.0,
                        "gain_db", -9.0), List.of(new AudioSpec(48000, 6, SampleFormat.F32))),
                new NodeExample("bandpass x2 4 ch", Map.of("type", "bandpass", "frequency", 1500.0, "q", 4.0,
                        "stages", 2), List.of(new AudioSpec(32000, 4, SampleFormat.F32))),
                new NodeExample("notch 8 ch", Map.of("type", "notch", "frequency", 60.0, "q", 10.0),
                        List.of(new AudioSpec(8000, 8, SampleFormat.I16))),
                new NodeExample("highshelf +4.5 dB f32 96 kHz", Map.of("type", "highshelf", "frequency", 5000.0,
                        "gain_db", 4.5, "q", 0.9), List.of(new AudioSpec(96000, 1, SampleFormat.F32))),
                new NodeExample("lowpass LR4 (order 2 x 2) 3 ch", Map.of("type", "lowpass", "frequency", 2000.0,
                        "stages", 2), List.of(new AudioSpec(48000, 3, SampleFormat.F32))));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        Shape shape = Shape.parse(p.string("type"));
        if (p.given("gain_db") && !shape.usesGain()) {
            problems.add("/params/gain_db", "gain_db applies only to type peaking, lowshelf or highshelf, not "
                    + shape.label() + ": remove it");
        }
        if (p.given("order") && !shape.isButterworthCapable() && p.integer("order") != 2) {
            problems.add("/params/order", "order applies only to type lowpass or highpass (Butterworth); for "
                    + shape.label() + " use stages to cascade sections");
        }
        if (p.given("q") && p.integer("order") != 2) {
            problems.add("/params/q", "q sets a single section; a Butterworth of order " + p.integer("order")
                    + " has fixed Qs: remove q or use order 2");
        }
    }

    /** The sections these params mean at this rate (before the frequency check). */
    static double[][] sections(Params p, int sampleRate) {
        Shape shape = Shape.parse(p.string("type"));
        double f0 = p.number("frequency");
        int order = p.intValue("order");
        double[][] one = shape.isButterworthCapable() && order != 2
                ? BiquadDesign.butterworth(shape == Shape.HIGHPASS, order, sampleRate, f0)
                : new double[][] {BiquadDesign.rbj(shape, sampleRate, f0, p.number("q"), p.number("gain_db"))};
        int stages = p.intValue("stages");
        double[][] all = new double[one.length * stages][];
        for (int s = 0; s < stages; s++) {
            for (int k = 0; k < one.length; k++) {
                all[s * one.length + k] = one[k];
            }
        }
        return all;
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        double f0 = p.number("frequency");
        if (f0 >= in.sampleRate() / 2.0) {
            problems.add("/params/frequency", "frequency = " + f0 + " Hz must be below half the input's sample rate ("
                    + in.sampleRate() / 2.0 + " Hz at " + in.sampleRate() + " Hz): lower it or resample first");
            return null;
        }
        return new FilterInstance(in.withFormat(SampleFormat.F32), sections(p, in.sampleRate()));
    }
}
