package org.remotemedia.dsp.nodes;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.agrona.DirectBuffer;
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
 * ChannelSplit: one mono output port per input channel (port k = channel k, named "k"; a
 * connection takes it as {@code "from": "<id>.<k>"}, see docs/node-spi.md), samples copied
 * unchanged in the input's format. Through the single-output API (a plain {@code "<id>"})
 * it writes port 0. Latency 0.
 */
public final class ChannelSplit extends NodeType {
    public static final String NAME = "ChannelSplit";

    public ChannelSplit() {
        super(NAME, "Splits a stream into one mono output per channel (ports \"0\", \"1\", ...: connect \"<id>.<k>\");"
                + " samples copied unchanged.", ParamSchema.of(), new Ports(1, 1, false, true, false, true));
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("stereo i16", Map.of(), List.of(new AudioSpec(48000, 2, SampleFormat.I16))),
                new NodeExample("6 ch f32", Map.of(), List.of(new AudioSpec(16000, 6, SampleFormat.F32))),
                new NodeExample("mono i32", Map.of(), List.of(new AudioSpec(8000, 1, SampleFormat.I32))));
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        return new Instance(inputs.get(0));
    }

    /** One split stream. Owned by the thread running its execution or session. */
    static final class Instance extends FrameForFrameNode {
        private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
        private final AudioSpec in;

        Instance(AudioSpec in) {
            super(in.withChannels(1));
            this.in = in;
        }

        @Override
        public int outputPorts() {
            return in.channels();
        }

        @Override
        public AudioSpec outputSpec(int port) {
            return port >= 0 && port < in.channels() ? outputSpec() : null;
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset) {
            AudioBlock b = inputs[0];
            copyChannel(b, 0, out, outOffset);
            return b.frames();
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer[] outs, int[] outOffsets) {
            AudioBlock b = inputs[0];
            for (int k = 0; k < outs.length; k++) {
                copyChannel(b, k, outs[k], outOffsets[k]);
            }
            return b.frames();
        }

        private static void copyChannel(AudioBlock b, int k, MutableDirectBuffer out, int outOffset) {
            int n = b.frames();
            int c = b.channels();
            DirectBuffer src = b.buffer();
            if (c == 1) {
                out.putBytes(outOffset, src, b.offset(), b.lengthBytes());
                return;
            }
            if (b.format() == SampleFormat.I16) {
                int stride = 2 * c;
                for (int i = 0, at = b.offset() + 2 * k; i < n; i++, at += stride) {
                    out.putShort(outOffset + 2 * i, src.getShort(at, LE), LE);
                }
            } else {
                int stride = 4 * c;
                for (int i = 0, at = b.offset() + 4 * k; i < n; i++, at += stride) {
                    out.putInt(outOffset + 4 * i, src.getInt(at, LE), LE);
                }
            }
        }

        @Override
        public void reset() {
        }
    }
}
