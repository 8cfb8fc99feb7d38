package org.remotemedia.dsp.nodes;

import java.util.List;
import java.util.Map;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;

/**
 * Pad: digital silence before the stream (written with the first block) and after it
 * (written at the end of the stream); audio copied unchanged in the input's format. Latency 0.
 */
public final class Pad extends NodeType {
    public static final String NAME = "Pad";
    /** Most silence one side may add, in frames (bounded so the flush buffer stays bounded). */
    static final long MAX_PAD_FRAMES = 1L << 26;

    public Pad() {
        super(NAME, "Adds leading and / or trailing silence (ms or samples); audio copied unchanged.",
                ParamSchema.of(
                        Durations.ms("leading", "silence before the audio"),
                        Durations.samples("leading", "silence before the audio"),
                        Durations.ms("trailing", "silence after the audio"),
                        Durations.samples("trailing", "silence after the audio")),
                Ports.filter());
    }

    @Override
    public String latencyDoc() {
        return "0 (the leading silence comes out with the first block, the trailing at the end)";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("100 ms both f32 mono", Map.of("leading_ms", 100.0, "trailing_ms", 100.0),
                        List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("leading samples i16 stereo", Map.of("leading_samples", 333),
                        List.of(new AudioSpec(48000, 2, SampleFormat.I16))),
                new NodeExample("trailing i32 6 ch", Map.of("trailing_ms", 12.5), List.of(new AudioSpec(8000, 6, SampleFormat.I32))));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        Durations.checkOneOf(p, "leading", problems);
        Durations.checkOneOf(p, "trailing", problems);
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        long lead = Durations.frames(p, "leading", in.sampleRate(), 0);
        long trail = Durations.frames(p, "trailing", in.sampleRate(), 0);
        for (String side : new String[] {"leading", "trailing"}) {
            long f = side.equals("leading") ? lead : trail;
            if (f * in.frameBytes() > MAX_PAD_FRAMES * 4) {
                problems.add(Durations.path(p, side), side + " silence of " + f + " samples x " + in.channels()
                        + " channels is more than this node adds (" + MAX_PAD_FRAMES * 4 + " bytes): shorten it");
                return null;
            }
        }
        return new Instance(in, (int) lead, (int) trail);
    }

    /** One padded stream. Owned by the thread running its execution or session. */
    static final class Instance extends Node {
        private final AudioSpec spec;
        private final int lead;
        private final int trail;
        private boolean leadDone;

        Instance(AudioSpec spec, int lead, int trail) {
            this.spec = spec;
            this.lead = lead;
            this.trail = trail;
        }

        @Override
        public AudioSpec outputSpec() {
            return spec;
        }

        @Override
        public int maxOutputFrames(int inputFrames) {
            long m = (long) inputFrames + lead;
            if (m > Integer.MAX_VALUE / Math.max(1, spec.frameBytes())) {
                throw new NodeException("Pad: " + m + " frames do not fit one block");
            }
            return (int) m;
        }

        @Override
        public int maxFlushFrames() {
            return lead + trail;
        }

        private int leading(MutableDirectBuffer out, int outOffset) {
            if (leadDone) {
                return 0;
            }
            leadDone = true;
            out.setMemory(outOffset, lead * spec.frameBytes(), (byte) 0);
            return lead;
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset) {
            AudioBlock in = inputs[0];
            int w = leading(out, outOffset);
            out.putBytes(outOffset + w * spec.frameBytes(), in.buffer(), in.offset(), in.lengthBytes());
            return w + in.frames();
        }

        @Override
        public int flush(MutableDirectBuffer out, int outOffset) {
            int w = leading(out, outOffset); // an empty stream still gets its leading silence
            out.setMemory(outOffset + w * spec.frameBytes(), trail * spec.frameBytes(), (byte) 0);
            return w + trail;
        }

        @Override
        public void reset() {
            leadDone = false;
        }
    }
}
