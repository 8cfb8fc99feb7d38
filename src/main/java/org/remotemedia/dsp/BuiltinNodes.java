package org.remotemedia.dsp;

import java.util.ArrayList;
import java.util.List;
import org.remotemedia.dsp.nodes.AudioFormatConverter;
import org.remotemedia.dsp.nodes.AddNode;
import org.remotemedia.dsp.nodes.AudioResample;
import org.remotemedia.dsp.nodes.Biquad;
import org.remotemedia.dsp.nodes.CalculatorNode;
import org.remotemedia.dsp.nodes.ChannelMerge;
import org.remotemedia.dsp.nodes.ChannelMix;
import org.remotemedia.dsp.nodes.ChannelSplit;
import org.remotemedia.dsp.nodes.DCBlock;
import org.remotemedia.dsp.nodes.Fade;
import org.remotemedia.dsp.nodes.LevelMeter;
import org.remotemedia.dsp.nodes.Normalize;
import org.remotemedia.dsp.nodes.Pad;
import org.remotemedia.dsp.nodes.Trim;
import org.remotemedia.dsp.nodes.Gain;
import org.remotemedia.dsp.nodes.Mixer;
import org.remotemedia.dsp.nodes.MultiplyNode;
import org.remotemedia.dsp.nodes.PassThrough;
import org.remotemedia.dsp.nodes.SileroVad;
import org.remotemedia.dsp.nodes.Vad;

/**
 * Every node type this server ships, canonical types first, then the seed's aliases. To add
 * a node: one line here (docs/node-spi.md); the generic tests then cover it.
 */
public final class BuiltinNodes {
    private BuiltinNodes() {
    }

    /** Why {@link #all()}'s SileroVAD has no model. */
    static final String NO_MODEL = "this engine was built without models (NodeRegistry.builtin()): the daemon and"
            + " `remotemedia process` load models/silero_vad.onnx (models.silero_vad_path; scripts/fetch-models puts it"
            + " there); an embedded engine takes its registry from org.remotemedia.inference.Models";

    /** Every type, SileroVAD without a model (it fails validation, saying why): see {@link #all(SileroVad)}. */
    public static List<NodeType> all() {
        return all(SileroVad.unavailable(NO_MODEL));
    }

    /** Every type, with this SileroVAD (one that runs a loaded model, or one that says why it has none). */
    public static List<NodeType> all(SileroVad sileroVad) {
        List<NodeType> t = new ArrayList<>();
        NodeType passThrough = new PassThrough();
        NodeType converter = new AudioFormatConverter();
        t.add(passThrough);
        t.add(new Gain());
        t.add(converter);
        t.add(new Mixer());
        NodeType resample = new AudioResample();
        NodeType vad = new Vad();
        t.add(resample);
        t.add(vad);
        t.add(sileroVad);
        // node library (docs/nodes.md)
        t.add(new Normalize());
        t.add(new LevelMeter());
        t.add(new DCBlock());
        t.add(new Biquad());
        t.add(new ChannelMix());
        t.add(new ChannelSplit());
        t.add(new ChannelMerge());
        t.add(new Trim());
        t.add(new Pad());
        t.add(new Fade());
        // the runtime v0.2.1's data nodes (JSON numbers in, JSON numbers out; no audio)
        t.add(new CalculatorNode());
        t.add(new AddNode());
        t.add(new MultiplyNode());
        // seed aliases (docs/contract.md, Extensions)
        t.add(NodeType.alias("PassThroughNode", passThrough));
        t.add(NodeType.alias("Echo", passThrough));
        t.add(NodeType.alias("RustFormatConverterNode", converter));
        t.add(AudioResample.rustAlias(resample));
        t.add(NodeType.alias("RustVADNode", vad));
        t.add(NodeType.alias("SileroVADNode", sileroVad));
        return t;
    }
}
