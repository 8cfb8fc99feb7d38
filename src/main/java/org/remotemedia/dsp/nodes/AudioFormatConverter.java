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
 * AudioFormatConverter (alias RustFormatConverterNode): converts samples to f32 / i16 / i32.
 * Widening is exact; to integers it rounds to nearest and clips at full scale, counting the
 * clipped samples (custom metric {@code clipped_samples}). With {@code dither: "tpdf"}, a
 * word-length reduction (f32 or i32 to i16) adds triangular noise of +-1 LSB before rounding.
 * The noise is a hash of the sample's position in the stream and the seed, so it is the
 * same however the stream is chunked. Latency 0.
 */
public final class AudioFormatConverter extends NodeType {
    public static final String NAME = "AudioFormatConverter";

    public AudioFormatConverter() {
        super(NAME, "Converts samples to f32 / i16 / i32 (round to nearest, clip, optional TPDF dither).",
                ParamSchema.of(
                        ParamSpec.choice("target_format", null, List.of("f32", "i16", "i32"), "output sample format")
                                .required(),
                        ParamSpec.choice("dither", "none", List.of("none", "tpdf"),
                                "tpdf: triangular dither of +-1 LSB on reduction to i16 (from f32 or i32)"),
                        ParamSpec.integer("dither_seed", 0, Integer.MAX_VALUE, 1L,
                                "seed of the dither noise (same seed, same noise)")),
                Ports.filter());
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("f32 -> i16", Map.of("target_format", "i16"), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("f32 -> i16 tpdf", Map.of("target_format", "i16", "dither", "tpdf"),
                        List.of(new AudioSpec(48000, 2, SampleFormat.F32))),
                new NodeExample("i32 -> i16 tpdf", Map.of("target_format", "i16", "dither", "tpdf", "dither_seed", 7),
                        List.of(new AudioSpec(44100, 1, SampleFormat.I32))),
                new NodeExample("i16 -> f32", Map.of("target_format", "f32"), List.of(new AudioSpec(16000, 2, SampleFormat.I16))),
                new NodeExample("f32 -> i32", Map.of("target_format", "i32"), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("i16 -> i32", Map.of("target_format", "i32"), List.of(new AudioSpec(8000, 1, SampleFormat.I16))));
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        SampleFormat target = SampleFormat.parse(p.string("target_format"));
        AudioSpec in = inputs.get(0);
        boolean dither = p.string("dither").equals("tpdf") && target == SampleFormat.I16 && in.format() != SampleFormat.I16;
        return new Instance(in.withFormat(target), dither, (int) p.integer("dither_seed"));
    }

    static final class Instance extends FrameForFrameNode {
        private final boolean dither;
        private final int seed;
        private long position;
        private long clipped;

        Instance(AudioSpec out, boolean dither, int seed) {
            super(out);
            this.dither = dither;
            this.seed = seed;
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer dst, int outOffset) {
            AudioBlock in = inputs[0];
            int n = in.samples();
            if (dither) {
                clipped += in.format() == SampleFormat.F32
                        ? SampleKernels.ditherF32ToI16(in.buffer(), in.offset(), n, dst, outOffset, position, seed)
                        : SampleKernels.ditherI32ToI16(in.buffer(), in.offset(), n, dst, outOffset, position, seed);
            } else {
                clipped += SampleKernels.convert(in.buffer(), in.offset(), in.format(), n, dst, outOffset,
                        outputSpec().format());
            }
            position += n;
            return in.frames();
        }

        @Override
        public void reset() {
            position = 0;
            clipped = 0;
        }

        @Override
        public void appendCustomMetrics(StringBuilder sb) {
            sb.append("{\"clipped_samples\":").append(clipped).append(",\"dither\":\"")
                    .append(dither ? "tpdf" : "none").append("\"}");
        }

        long clipped() {
            return clipped;
        }
    }

}
