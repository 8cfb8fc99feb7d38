package org.remotemedia.service;

import java.util.ArrayList;
import java.util.List;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.FrameForFrameNode;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;

/**
 * Test-only node types that misbehave on purpose: {@code Failing} throws NodeException after
 * {@code after_frames} (a node failing while running), {@code Buggy} throws from its data summary
 * (a bug outside the node-call guard: INTERNAL), {@code Slow} sleeps {@code sleep_ms} per block
 * (deadlines, cancellation, admission). They pass audio through otherwise.
 */
final class TestNodes {
    private TestNodes() {
    }

    /** The built-in nodes plus the test nodes. */
    static NodeRegistry registry() {
        List<NodeType> types = new ArrayList<>(NodeRegistry.builtin().types());
        types.add(new Kind("Failing", ParamSchema.of(ParamSpec.integer("after_frames", 0, Integer.MAX_VALUE, 0L,
                "frames passed before the node fails"))));
        types.add(new Kind("Buggy", ParamSchema.of()));
        types.add(new Kind("Slow", ParamSchema.of(ParamSpec.integer("sleep_ms", 0, 10_000, 5L, "sleep per block"))));
        return new NodeRegistry(types);
    }

    static final class Kind extends NodeType {
        Kind(String name, ParamSchema schema) {
            super(name, "test node " + name, schema, new Ports(1, 1, false, true, name.equals("Buggy")));
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
            return new Instance(name(), inputs.get(0), p);
        }
    }

    static final class Instance extends FrameForFrameNode {
        private final String kind;
        private final long afterFrames;
        private final long sleepMs;
        private long frames;

        Instance(String kind, AudioSpec spec, Params p) {
            super(spec);
            this.kind = kind;
            this.afterFrames = kind.equals("Failing") ? p.integer("after_frames") : 0;
            this.sleepMs = kind.equals("Slow") ? p.integer("sleep_ms") : 0;
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset) {
            AudioBlock in = inputs[0];
            frames += in.frames();
            if (kind.equals("Failing") && frames > afterFrames) {
                throw new NodeException("simulated failure after " + afterFrames + " frames");
            }
            if (sleepMs > 0) {
                try {
                    Thread.sleep(sleepMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            out.putBytes(outOffset, in.buffer(), in.offset(), in.lengthBytes());
            return in.frames();
        }

        @Override
        public void appendDataSummary(StringBuilder out) {
            if (kind.equals("Buggy")) {
                throw new IllegalStateException("simulated bug in a data summary");
            }
        }

        @Override
        public void reset() {
            frames = 0;
        }
    }
}
