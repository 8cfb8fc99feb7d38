package org.remotemedia.dsp.nodes;

import java.util.List;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;
import org.remotemedia.json.Json;

/**
 * What the runtime's data nodes (CalculatorNode, AddNode, MultiplyNode) share: they take a JSON
 * number as a source's data input -- a bare number ({@code 5}), a numeric string ({@code "5"}) or
 * an object with a numeric {@code value} ({@code {"value": 5}}) -- apply one arithmetic operation,
 * and return the result as their data output, a JSON number (an integer when whole). They have no
 * audio. The runtime v0.2.1 shipped them; seed-era clients use them in their examples.
 */
final class NumberData {
    /** A data source: no audio in or out, a data input, a data output. */
    static final Ports PORTS = new Ports(0, 0, true, false, true);
    /** The largest magnitude an operand may have (params are numbers in [-LIMIT, LIMIT]). */
    static final double LIMIT = 1e15;

    /** The binary operation a node applies: {@code input op operand}. */
    enum Op {
        ADD, SUBTRACT, MULTIPLY, DIVIDE;

        double apply(double a, double b) {
            return switch (this) {
                case ADD -> a + b;
                case SUBTRACT -> a - b;
                case MULTIPLY -> a * b;
                case DIVIDE -> a / b;
            };
        }
    }

    private NumberData() {
    }

    /** The node for these (audio) inputs: none are accepted; a problem says so. */
    static Node create(String typeName, Op op, double operand, List<AudioSpec> inputs, Problems problems) {
        if (!inputs.isEmpty()) {
            problems.add("", typeName + " works on data, not audio: give it a data input (data_inputs[node id],"
                    + " a JSON number such as 5, \"5\" or {\"value\": 5}) instead of audio " + inputs);
            return null;
        }
        return new Instance(typeName, op, operand);
    }

    /**
     * The number a data input carries: a bare number, a numeric string, or an object whose
     * {@code value} is either. Throws {@link NodeException} naming what was given otherwise.
     */
    static double parse(CharSequence json) {
        String s = json.toString().strip();
        if (s.startsWith("{")) {
            JsonScan scan = new JsonScan(s);
            Object v = scan.objectValue("value");
            if (v == null) {
                throw new NodeException("the data input " + abbreviate(s) + " is an object without a numeric"
                        + " \"value\"; give a JSON number such as 5, \"5\" or {\"value\": 5}");
            }
            return v instanceof Double d ? d : number((String) v, s);
        }
        if (s.startsWith("\"") && s.endsWith("\"") && s.length() >= 2) {
            return number(new JsonScan(s).string(), s);
        }
        return number(s, s);
    }

    private static double number(String text, String given) {
        String t = text.strip();
        if (!t.isEmpty() && (Character.isDigit(t.charAt(0)) || t.charAt(0) == '-' || t.charAt(0) == '+' || t.charAt(0) == '.')) {
            try {
                double v = Double.parseDouble(t);
                if (Double.isFinite(v)) {
                    return v;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw new NodeException("the data input " + abbreviate(given) + " is not a number; give a JSON number"
                + " such as 5, \"5\" or {\"value\": 5}");
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    /**
     * One data node: computes when its data input arrives (at bind time, before any audio), then
     * reports the result once as a streaming delta and always as the summary.
     *
     * <p>Not thread-safe: owned by the thread that runs its execution or session.
     */
    static final class Instance extends Node {
        private final String typeName;
        private final Op op;
        private final double operand;
        private String result;
        private boolean sent;

        Instance(String typeName, Op op, double operand) {
            this.typeName = typeName;
            this.op = op;
            this.operand = operand;
        }

        @Override
        public AudioSpec outputSpec() {
            return null;
        }

        @Override
        public int maxOutputFrames(int inputFrames) {
            return 0;
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset) {
            return 0; // no audio reaches a data node (its ports take none)
        }

        @Override
        public void reset() {
            sent = false;
        }

        @Override
        public void dataInput(CharSequence json) {
            double in = parse(json);
            if (op == Op.DIVIDE && operand == 0) {
                throw new NodeException("division by zero: " + typeName + " divides its input (" + Json.number(
                        new StringBuilder(), in) + ") by an operand of 0; give a non-zero operand");
            }
            double r = op.apply(in, operand);
            if (!Double.isFinite(r)) {
                throw new NodeException("the result of " + op.name().toLowerCase(java.util.Locale.ROOT) + " on "
                        + in + " and " + operand + " is not a finite number");
            }
            result = Json.number(new StringBuilder(), r).toString();
            sent = false;
        }

        @Override
        public void appendDataDelta(StringBuilder out) {
            if (result != null && !sent) {
                out.append(result);
                sent = true;
            }
        }

        @Override
        public void appendDataSummary(StringBuilder out) {
            if (result != null) {
                out.append(result);
            }
        }
    }
}
