package org.remotemedia.testkit;

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

/**
 * {@code Faulty}, a test node that copies its input to f32 until it has seen {@code fail_after}
 * samples, then throws {@link NodeException} (a node failing while it runs: NODE_EXECUTION, in a
 * stream STREAM_ERROR_EXECUTION); {@code spin_ms} keeps the CPU busy that long per block (time
 * limits, cancellation).
 */
public final class FaultyNodeType extends F32TestNodeType {
    public static final String NAME = "Faulty";

    public FaultyNodeType() {
        super(NAME, "test node: fails once fail_after samples have passed, spins spin_ms per block", ParamSchema.of(
                ParamSpec.integer("fail_after", 0, Long.MAX_VALUE, Long.MAX_VALUE, "fail once this many samples passed"),
                ParamSpec.integer("spin_ms", 0, 10_000, 0L, "busy time per call")));
    }

    /** The built-in nodes plus this one. */
    public static NodeRegistry registry() {
        List<NodeType> types = new ArrayList<>(BuiltinNodes.all());
        types.add(new FaultyNodeType());
        return new NodeRegistry(types);
    }

    @Override
    protected Hook hook(Params p) {
        long failAfter = p.integer("fail_after");
        long spinNs = p.integer("spin_ms") * 1_000_000L;
        return new Hook() {
            long seen;

            @Override
            public void before(AudioBlock in) {
                long t = System.nanoTime();
                while (System.nanoTime() - t < spinNs) {
                    Thread.onSpinWait();
                }
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
