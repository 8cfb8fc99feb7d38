package org.remotemedia.dsp.nodes;

import java.util.List;
import java.util.Map;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

/** MultiplyNode (runtime v0.2.1): its data input (a JSON number) times {@code factor}; the product is its data output. */
public final class MultiplyNode extends NodeType {
    public static final String NAME = "MultiplyNode";

    public MultiplyNode() {
        super(NAME, "Data node: multiplies a JSON number by a fixed factor.",
                ParamSchema.of(
                        ParamSpec.number("factor", -NumberData.LIMIT, NumberData.LIMIT, null,
                                "the multiplier; give this or multiplier; neither = 1"),
                        ParamSpec.number("multiplier", -NumberData.LIMIT, NumberData.LIMIT, null,
                                "the same as factor (the runtime's examples use this name)")),
                NumberData.PORTS);
    }

    @Override
    public String latencyDoc() {
        return "0 (data: its result comes with the first result of the stream)";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                NodeExample.data("5 x 2", Map.of("factor", 2.0), "5", "10"),
                NodeExample.data("\"3\" x 0.5", Map.of("multiplier", 0.5), "\"3\"", "1.5"),
                NodeExample.data("{value: -4} x 1", Map.of(), "{\"value\": \"-4\"}", "-4"));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        if (p.given("factor") && p.given("multiplier")) {
            problems.add("/params/multiplier", "give the factor as factor or as multiplier, not both");
        }
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        double f = p.given("factor") ? p.number("factor") : p.given("multiplier") ? p.number("multiplier") : 1;
        return NumberData.create(NAME, NumberData.Op.MULTIPLY, f, inputs, problems);
    }
}
