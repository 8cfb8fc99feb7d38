package org.remotemedia.service.stream;

import java.util.ArrayList;
import java.util.List;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.BuiltinNodes;
import org.remotemedia.dsp.Kernels;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;

/**
 * A test node that passes audio through as f32 until it has seen {@code fail_after} samples, then
 * throws {@link NodeException} (a node failing while a stream runs: STREAM_ERROR_EXECUTION).
 */
final class FailingNode extends NodeType {
    static final String NAME = "FailAfter";

    FailingNode() {
        super(NAME, "test node: fails once fail_after samples have passed", ParamSchema.of(
                ParamSpec.integer("fail_after", 0, Long.MAX_VALUE, Long.MAX_VALUE, "fail once this many samples passed")),
                Ports.filter());
    }

    /** The built-in nodes plus this one. */
    static NodeRegistry registry() {
        List<NodeType> types = new ArrayList<>(BuiltinNodes.all());
        types.add(new FailingNode());
        return new NodeRegistry(types);
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of();
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        long failAfter = p.integer("fail_after");
        AudioSpec out = inputs.get(0).withFormat(SampleFormat.F32);
        return new Node() {
            long seen;

            @Override
            public AudioSpec outputSpec() {
                return out;
            }

            @Override
            public int maxOutputFrames(int inputFrames) {
                return inputFrames;
            }

            @Override
            public int process(AudioBlock[] in, MutableDirectBuffer dst, int off) {
                seen += in[0].samples();
                if (seen > failAfter) {
                    throw new NodeException("sample budget of " + failAfter + " exhausted at sample " + seen);
                }
                Kernels.scaleToF32(in[0].buffer(), in[0].offset(), in[0].format(), in[0].samples(), 1f, dst, off);
                return in[0].frames();
            }

            @Override
            public void reset() {
                seen = 0;
            }
        };
    }
}
