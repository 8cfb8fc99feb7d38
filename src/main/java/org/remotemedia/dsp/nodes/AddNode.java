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

/** AddNode (runtime v0.2.1): its data input (a JSON number) plus {@code addend}; the sum is its data output. */
public final class AddNode extends NodeType {
    public static final String NAME = "AddNode";

    public AddNode() {
        super(NAME, "Data node: adds a fixed number to a JSON number.",
                ParamSchema.of(
                        ParamSpec.number("addend", -NumberData.LIMIT, NumberData.LIMIT, null,
                                "the number added; give this or value; neither = 0"),
                        ParamSpec.number("value", -NumberData.LIMIT, NumberData.LIMIT, null,
                                "the same as addend")),
                NumberData.PORTS);
    }

    @Override
    public String latencyDoc() {
        return "0 (data: its result comes with the first result of the stream)";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                NodeExample.data("10 + 10", Map.of("addend", 10.0), "10", "20"),
                NodeExample.data("\"-1.5\" + 0", Map.of(), "\"-1.5\"", "-1.5"),
                NodeExample.data("{value: 2} + 0.5", Map.of("value", 0.5), "{\"value\": 2, \"unit\": \"x\"}", "2.5"));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        if (p.given("addend") && p.given("value")) {
            problems.add("/params/value", "give the number to add as addend or as value, not both");
        }
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        double addend = p.given("addend") ? p.number("addend") : p.given("value") ? p.number("value") : 0;
        return NumberData.create(NAME, NumberData.Op.ADD, addend, inputs, problems);
    }
}
