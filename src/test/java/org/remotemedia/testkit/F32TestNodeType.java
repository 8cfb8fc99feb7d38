package org.remotemedia.testkit;

import java.util.List;
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
import org.remotemedia.dsp.SampleKernels;

/**
 * A filter node type for tests: one input, its audio copied to f32 of the same shape, no latency,
 * no examples; what makes each test node differ runs in {@link Hook#before} ahead of every block
 * (fail after a budget, spin, record what the engine holds).
 */
public abstract class F32TestNodeType extends NodeType {
    /** A node instance's own behaviour; one per created node. */
    public interface Hook {
        /** Called with each input block before it is copied; may throw (a NodeException: the node fails). */
        void before(AudioBlock in);

        /** The node's reset. */
        default void reset() {
        }
    }

    protected F32TestNodeType(String name, String description, ParamSchema params) {
        super(name, description, params, Ports.filter());
    }

    /** The behaviour of one new node with params {@code p}. */
    protected abstract Hook hook(Params p);

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
        AudioSpec out = inputs.get(0).withFormat(SampleFormat.F32);
        Hook hook = hook(p);
        return new FrameForFrameNode(out) {
            @Override
            public int process(AudioBlock[] in, MutableDirectBuffer dst, int off) {
                hook.before(in[0]);
                SampleKernels.scaleToF32(in[0].buffer(), in[0].offset(), in[0].format(), in[0].samples(), 1f, dst, off);
                return in[0].frames();
            }

            @Override
            public void reset() {
                hook.reset();
            }
        };
    }
}
