package org.remotemedia.service.stream;

import java.util.ArrayList;
import java.util.List;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.dsp.BuiltinNodes;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.testkit.F32TestNodeType;

/**
 * A test node that passes audio through as f32 until it has seen {@code fail_after} samples, then
 * throws {@link NodeException} (a node failing while a stream runs: STREAM_ERROR_EXECUTION).
 */
final class FailingNode extends F32TestNodeType {
    static final String NAME = "FailAfter";

    FailingNode() {
        super(NAME, "test node: fails once fail_after samples have passed", ParamSchema.of(
                ParamSpec.integer("fail_after", 0, Long.MAX_VALUE, Long.MAX_VALUE, "fail once this many samples passed")));
    }

    /** The built-in nodes plus this one. */
    static NodeRegistry registry() {
        List<NodeType> types = new ArrayList<>(BuiltinNodes.all());
        types.add(new FailingNode());
        return new NodeRegistry(types);
    }

    @Override
    protected Hook hook(Params p) {
        long failAfter = p.integer("fail_after");
        return new Hook() {
            long seen;

            @Override
            public void before(AudioBlock in) {
                seen += in.samples();
                if (seen > failAfter) {
                    throw new NodeException("sample budget of " + failAfter + " exhausted at sample " + seen);
                }
            }

            @Override
            public void reset() {
                seen = 0;
            }
        };
    }
}
