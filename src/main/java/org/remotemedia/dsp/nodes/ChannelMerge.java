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
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.SampleArrays;

/**
 * ChannelMerge: interleaves 2..64 inputs of the same rate into one stream whose channels are
 * the inputs' channels in connection order (two mono inputs make a stereo stream: the first
 * connection is the left). Inputs may differ in format; writes F32. The runner aligns the
 * inputs frame by frame and pads one that ends early with silence. Latency 0.
 */
public final class ChannelMerge extends NodeType {
    public static final String NAME = "ChannelMerge";
    static final int MAX_CHANNELS = 64;
    static final int BLOCK = 512;

    public ChannelMerge() {
        super(NAME, "Interleaves its inputs (same rate) into one stream, channels in connection order; writes f32.",
                ParamSchema.of(), new Ports(2, MAX_CHANNELS, false, true, false));
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        AudioSpec m16 = new AudioSpec(16000, 1, SampleFormat.I16);
        AudioSpec mf = new AudioSpec(16000, 1, SampleFormat.F32);
        AudioSpec s32 = new AudioSpec(16000, 2, SampleFormat.I32);
        return List.of(
                new NodeExample("2 mono -> stereo", Map.of(), List.of(mf, m16)),
                new NodeExample("stereo + mono + stereo -> 5 ch", Map.of(), List.of(s32, mf, s32)));
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec first = inputs.get(0);
        int total = 0;
        int[] ch = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            AudioSpec s = inputs.get(i);
            if (s.sampleRate() != first.sampleRate()) {
                problems.add("", "ChannelMerge inputs must share the sample rate: input 0 is " + first.sampleRate()
                        + " Hz, input " + i + " is " + s.sampleRate() + " Hz; put an AudioResample before it");
                return null;
            }
            ch[i] = s.channels();
            total += s.channels();
        }
        if (total > MAX_CHANNELS) {
            problems.add("", "ChannelMerge would make " + total + " channels; at most " + MAX_CHANNELS
                    + " are accepted: merge fewer inputs");
            return null;
        }
        return new Instance(new AudioSpec(first.sampleRate(), total, SampleFormat.F32), ch);
    }

    /** One merged stream. Owned by the thread running its execution or session. */
    static final class Instance extends FrameForFrameNode {
        private final int[] ch;
        private final float[] x;
        private final float[] y;

        Instance(AudioSpec out, int[] ch) {
            super(out);
            this.ch = ch;
            int widest = 0;
            for (int c : ch) {
                widest = Math.max(widest, c);
            }
            x = new float[BLOCK * widest];
            y = new float[BLOCK * out.channels()];
        }

        @Override
        public long stateBytes() {
            return 4L * (x.length + y.length);
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer dst, int outOffset) {
            int n = inputs[0].frames();
            int co = outputSpec().channels();
            for (int done = 0; done < n; ) {
                int f = Math.min(BLOCK, n - done);
                int at = 0;
                for (int j = 0; j < inputs.length; j++) {
                    AudioBlock in = inputs[j];
                    int c = ch[j];
                    SampleArrays.toFloats(in.buffer(), in.offset() + done * in.frameBytes(), in.format(), f * c, x, 0);
                    scatter(x, c, f, at, co);
                    at += c;
                }
                SampleArrays.toF32(y, 0, f * co, dst, outOffset + done * co * 4);
                done += f;
            }
            return n;
        }

        private void scatter(float[] xs, int c, int frames, int at, int co) {
            float[] ys = y;
            if (c == 1) {
                for (int fr = 0; fr < frames; fr++) {
                    ys[fr * co + at] = xs[fr];
                }
                return;
            }
            for (int fr = 0; fr < frames; fr++) {
                System.arraycopy(xs, fr * c, ys, fr * co + at, c);
            }
        }

        @Override
        public void reset() {
        }
    }
}
