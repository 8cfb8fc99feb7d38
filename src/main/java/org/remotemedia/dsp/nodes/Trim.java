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
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;

/**
 * Trim: keeps the frames in [start, end) of the stream (times from its first sample), bytes
 * copied unchanged in the input's format. Latency 0: nothing is held back.
 */
public final class Trim extends NodeType {
    public static final String NAME = "Trim";

    public Trim() {
        super(NAME, "Keeps the part of the stream between start and end (ms or samples); audio copied unchanged.",
                ParamSchema.of(
                        Durations.ms("start", "first kept instant (default 0)"),
                        Durations.samples("start", "first kept sample"),
                        Durations.ms("end", "end of the kept part, exclusive, from the stream start (default: the"
                                + " stream's end)"),
                        Durations.samples("end", "end of the kept part, exclusive")),
                Ports.filter());
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("start 50 ms f32 mono", Map.of("start_ms", 50.0), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("window i16 stereo", Map.of("start_samples", 1001, "end_ms", 250.0),
                        List.of(new AudioSpec(44100, 2, SampleFormat.I16))),
                new NodeExample("end only i32", Map.of("end_samples", 777), List.of(new AudioSpec(8000, 1, SampleFormat.I32))));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        Durations.checkOneOf(p, "start", problems);
        Durations.checkOneOf(p, "end", problems);
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        long start = Durations.frames(p, "start", in.sampleRate(), 0);
        long end = Durations.frames(p, "end", in.sampleRate(), Long.MAX_VALUE);
        if (end <= start) {
            problems.add(Durations.path(p, "end"), "end (" + end + " samples at " + in.sampleRate()
                    + " Hz) must come after start (" + start + " samples): nothing would be kept");
            return null;
        }
        return new Instance(in, start, end);
    }

    /** One trimmed stream. Owned by the thread running its execution or session. */
    static final class Instance extends FrameForFrameNode {
        private final long start;
        private final long end;
        private long pos;

        Instance(AudioSpec spec, long start, long end) {
            super(spec);
            this.start = start;
            this.end = end;
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset) {
            AudioBlock in = inputs[0];
            int n = in.frames();
            long from = Math.max(pos, start);
            long to = Math.min(pos + n, end);
            int kept = 0;
            if (to > from) {
                kept = (int) (to - from);
                int fb = in.frameBytes();
                out.putBytes(outOffset, in.buffer(), in.offset() + (int) (from - pos) * fb, kept * fb);
            }
            pos += n;
            return kept;
        }

        @Override
        public long outputFramesFor(long inputFrames) {
            return Math.max(0, Math.min(inputFrames, end) - start);
        }

        @Override
        public void reset() {
            pos = 0;
        }
    }
}
