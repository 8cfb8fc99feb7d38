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

/**
 * PassThrough (aliases PassThroughNode, Echo): audio out = audio in, same format, bytes
 * copied; a data input given to a source PassThrough comes back as its data output. Latency 0.
 */
public final class PassThrough extends NodeType {
    public static final String NAME = "PassThrough";

    public PassThrough() {
        super(NAME, "Copies its audio input unchanged (same format) and echoes a data input.",
                ParamSchema.of(), new Ports(0, 1, true, true, true));
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("f32 mono", Map.of(), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("i16 stereo", Map.of(), List.of(new AudioSpec(48000, 2, SampleFormat.I16))));
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        return new Instance(inputs.isEmpty() ? null : inputs.get(0));
    }

    static final class Instance extends FrameForFrameNode {
        private String data;
        private boolean dataSent;

        Instance(AudioSpec spec) {
            super(spec);
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset) {
            AudioBlock in = inputs[0];
            out.putBytes(outOffset, in.buffer(), in.offset(), in.lengthBytes());
            return in.frames();
        }

        @Override
        public void reset() {
            dataSent = false;
        }

        @Override
        public void dataInput(CharSequence json) {
            data = json.toString();
        }

        @Override
        public void appendDataDelta(StringBuilder out) {
            if (data != null && !dataSent) {
                out.append(data);
                dataSent = true;
            }
        }

        @Override
        public void appendDataSummary(StringBuilder out) {
            if (data != null) {
                out.append(data);
            }
        }
    }
}
