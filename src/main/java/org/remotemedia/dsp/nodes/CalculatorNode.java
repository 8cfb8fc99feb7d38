package org.remotemedia.dsp.nodes;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

/**
 * CalculatorNode (runtime v0.2.1): its data input (a JSON number) {@code operation} an operand
 * given as {@code operand} or {@code value}; the result is its data output. Division by zero is a
 * NODE_EXECUTION error naming the node. No audio.
 */
public final class CalculatorNode extends NodeType {
    public static final String NAME = "CalculatorNode";

    public CalculatorNode() {
        super(NAME, "Data node: applies add, subtract, multiply or divide with a fixed operand to a JSON number.",
                ParamSchema.of(
                        ParamSpec.choice("operation", null, List.of("add", "subtract", "multiply", "divide"),
                                "input <operation> operand").required(),
                        ParamSpec.number("operand", -NumberData.LIMIT, NumberData.LIMIT, null,
                                "the right-hand number; give this or value"),
                        ParamSpec.number("value", -NumberData.LIMIT, NumberData.LIMIT, null,
                                "the same as operand (the runtime's other name for it)")),
                NumberData.PORTS);
    }

    @Override
    public String latencyDoc() {
        return "0 (data: its result comes with the first result of the stream)";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                NodeExample.data("10 + 5", Map.of("operation", "add", "operand", 5.0), "10", "15"),
                NodeExample.data("\"7.5\" - 2", Map.of("operation", "subtract", "value", 2.0), "\"7.5\"", "5.5"),
                NodeExample.data("{value: 6} * 7", Map.of("operation", "multiply", "operand", 7.0), "{\"value\": 6}", "42"),
                NodeExample.data("1 / 4", Map.of("operation", "divide", "operand", 4.0), "1", "0.25"));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        if (p.given("operand") && p.given("value")) {
            problems.add("/params/value", "give the operand as operand or as value, not both");
        } else if (!p.given("operand") && !p.given("value")) {
            problems.add("/params/operand", "missing operand: give operand (or value), a number such as 5");
        }
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        NumberData.Op op = NumberData.Op.valueOf(p.string("operation").toUpperCase(Locale.ROOT));
        double operand = p.given("operand") ? p.number("operand") : p.number("value");
        return NumberData.create(NAME, op, operand, inputs, problems);
    }
}
