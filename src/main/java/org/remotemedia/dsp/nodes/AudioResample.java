package org.remotemedia.dsp.nodes;

import java.util.List;
import java.util.Map;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AliasNodeType;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.resample.ResampleQuality;
import org.remotemedia.dsp.resample.Resampler;

/**
 * AudioResample (alias RustResampleNode): sample-rate conversion by {@link Resampler}
 * (linear phase, zero net delay one-shot, output length round(n * fo / fi)); reads any
 * sample format in place, writes F32. Latency: the resampler's look-ahead.
 */
public final class AudioResample extends NodeType {
    public static final String NAME = "AudioResample";
    static final List<String> QUALITIES = List.of("low", "medium", "high", "very_high");

    public AudioResample() {
        super(NAME, "Converts the sample rate (any ratio; linear phase, zero net delay); writes f32.",
                ParamSchema.of(
                        ParamSpec.integer("target_sample_rate", 1000, 768_000, null, "output sample rate in Hz")
                                .required(),
                        ParamSpec.choice("quality", "high", QUALITIES,
                                "filter preset: low, medium, high (default), very_high (docs/resampler.md)")),
                Ports.filter());
    }

    @Override
    public String latencyDoc() {
        return "the filter's look-ahead: at most 25 ms at high while the lower of the two rates is >= ~1.7 kHz"
                + " (53 ms at 1 kHz; docs/resampler.md lists each preset)";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("44.1k -> 16k mono f32", Map.of("target_sample_rate", 16000),
                        List.of(new AudioSpec(44100, 1, SampleFormat.F32))),
                new NodeExample("16k -> 48k stereo i16", Map.of("target_sample_rate", 48000, "quality", "medium"),
                        List.of(new AudioSpec(16000, 2, SampleFormat.I16))),
                new NodeExample("48k -> 44.1k low", Map.of("target_sample_rate", 44100, "quality", "low"),
                        List.of(new AudioSpec(48000, 1, SampleFormat.I32))),
                new NodeExample("8k -> 16k very_high", Map.of("target_sample_rate", 16000, "quality", "very_high"),
                        List.of(new AudioSpec(8000, 1, SampleFormat.F32))),
                new NodeExample("same rate", Map.of("target_sample_rate", 16000),
                        List.of(new AudioSpec(16000, 1, SampleFormat.I16))));
    }

    /** The resampler's own warm-up: every kernel, compiled before the first request ({@link Resampler#warmUp()}). */
    @Override
    public long warmUp() {
        return Resampler.warmUp();
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        int target = p.intValue("target_sample_rate");
        Resampler r = Resampler.create(in.sampleRate(), target, in.channels(), ResampleQuality.parse(p.string("quality")));
        return new Instance(r, new AudioSpec(target, in.channels(), SampleFormat.F32));
    }

    /** RustResampleNode: {@code source_rate} / {@code target_rate} / {@code channels}, checked against the audio. */
    public static NodeType rustAlias(NodeType target) {
        ParamSchema schema = ParamSchema.of(
                ParamSpec.integer("target_rate", 1000, 768_000, null, "output sample rate in Hz").required(),
                ParamSpec.integer("source_rate", 1000, 768_000, null,
                        "input sample rate in Hz; must match the audio's rate when given"),
                ParamSpec.integer("channels", 1, 64, null, "input channels; must match the audio when given"),
                ParamSpec.choice("quality", "high", QUALITIES, "filter preset, as AudioResample"));
        AliasNodeType.Translator t = (p, inputs, problems) -> {
            AudioSpec in = inputs.get(0);
            if (p.has("source_rate") && p.integer("source_rate") != in.sampleRate()) {
                problems.add("/params/source_rate", "source_rate = " + p.integer("source_rate")
                        + " Hz does not match the input audio's " + in.sampleRate() + " Hz: fix it or leave it out"
                        + " (the rate is read from the audio)");
            }
            if (p.has("channels") && p.integer("channels") != in.channels()) {
                problems.add("/params/channels", "channels = " + p.integer("channels") + " does not match the input"
                        + " audio's " + in.channels() + ": fix it or leave it out");
            }
            return Params.of(Map.of("target_sample_rate", p.integer("target_rate"), "quality", p.string("quality")));
        };
        return NodeType.alias("RustResampleNode", target, schema, t, List.of(
                new NodeExample("48k -> 16k declared", Map.of("source_rate", 48000, "target_rate", 16000, "channels", 1),
                        List.of(new AudioSpec(48000, 1, SampleFormat.F32))),
                new NodeExample("22.05k -> 16k stereo", Map.of("target_rate", 16000),
                        List.of(new AudioSpec(22050, 2, SampleFormat.I16)))));
    }

    static final class Instance extends Node {
        private final Resampler r;
        private final AudioSpec out;

        Instance(Resampler r, AudioSpec out) {
            this.r = r;
            this.out = out;
        }

        @Override
        public AudioSpec outputSpec() {
            return out;
        }

        @Override
        public int maxOutputFrames(int inputFrames) {
            return r.maxOutputFrames(inputFrames);
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer dst, int outOffset) {
            AudioBlock in = inputs[0];
            return r.process(in.buffer(), in.offset(), in.format(), in.frames(), dst, outOffset);
        }

        @Override
        public int maxFlushFrames() {
            return r.maxFlushFrames();
        }

        @Override
        public int flush(MutableDirectBuffer dst, int outOffset) {
            return r.flush(dst, outOffset);
        }

        @Override
        public double latencySeconds() {
            return r.latencySeconds();
        }

        @Override
        public void reset() {
            r.reset();
        }

        @Override
        public long stateBytes() {
            return r.memoryBytes(); // history and filter bank
        }
    }
}
