package org.remotemedia.dsp;

import java.util.List;
import java.util.Locale;

/**
 * One accepted parameter of a node type: name, kind, inclusive range or choices, default,
 * and a one-line description. Immutable; the docs (docs/nodes.md) and the "accepted params"
 * list in validation errors are written from these.
 */
public final class ParamSpec {
    /** Value kinds as JSON gives them. */
    public enum Kind { NUMBER, INTEGER, BOOLEAN, CHOICE, STRING, NUMBER_LIST, NUMBER_MATRIX }

    private final String name;
    private final Kind kind;
    private final double min;
    private final double max;
    private final Object defaultValue;
    private final List<String> choices;
    private final int minLength;
    private final int maxLength;
    private final String doc;

    private ParamSpec(String name, Kind kind, double min, double max, Object defaultValue, List<String> choices,
                      int minLength, int maxLength, String doc) {
        this.name = name;
        this.kind = kind;
        this.min = min;
        this.max = max;
        this.defaultValue = defaultValue;
        this.choices = choices;
        this.minLength = minLength;
        this.maxLength = maxLength;
        this.doc = doc;
    }

    /** A number in [min, max]; {@code def} null means optional without default (or required, see {@link #required}). */
    public static ParamSpec number(String name, double min, double max, Double def, String doc) {
        return new ParamSpec(name, Kind.NUMBER, min, max, def, List.of(), 0, 0, doc);
    }

    public static ParamSpec integer(String name, long min, long max, Long def, String doc) {
        return new ParamSpec(name, Kind.INTEGER, min, max, def, List.of(), 0, 0, doc);
    }

    public static ParamSpec bool(String name, Boolean def, String doc) {
        return new ParamSpec(name, Kind.BOOLEAN, 0, 0, def, List.of(), 0, 0, doc);
    }

    /** One of {@code choices} (compared without case). */
    public static ParamSpec choice(String name, String def, List<String> choices, String doc) {
        return new ParamSpec(name, Kind.CHOICE, 0, 0, def, List.copyOf(choices), 0, 0, doc);
    }

    public static ParamSpec string(String name, String def, int maxLength, String doc) {
        return new ParamSpec(name, Kind.STRING, 0, 0, def, List.of(), 0, maxLength, doc);
    }

    /** A list of [minLength, maxLength] numbers, each in [min, max]. */
    public static ParamSpec numberList(String name, int minLength, int maxLength, double min, double max, String doc) {
        return new ParamSpec(name, Kind.NUMBER_LIST, min, max, null, List.of(), minLength, maxLength, doc);
    }

    /** Rows of numbers (rows and columns each 1..maxLength), each number in [min, max]. */
    public static ParamSpec numberMatrix(String name, int maxLength, double min, double max, String doc) {
        return new ParamSpec(name, Kind.NUMBER_MATRIX, min, max, null, List.of(), 1, maxLength, doc);
    }

    /** Marks this parameter required (it then has no default). */
    public ParamSpec required() {
        return new ParamSpec(name, kind, min, max, REQUIRED, choices, minLength, maxLength, doc);
    }

    static final Object REQUIRED = new Object();

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    public double min() {
        return min;
    }

    public double max() {
        return max;
    }

    public boolean isRequired() {
        return defaultValue == REQUIRED;
    }

    /** The default value (Double, Long, Boolean, String), or null when there is none. */
    public Object defaultValue() {
        return defaultValue == REQUIRED ? null : defaultValue;
    }

    public List<String> choices() {
        return choices;
    }

    public int minLength() {
        return minLength;
    }

    public int maxLength() {
        return maxLength;
    }

    public String doc() {
        return doc;
    }

    /** e.g. {@code gain_db: number in [-120, 60], default 0} -- for messages and docs. */
    public String describe() {
        StringBuilder sb = new StringBuilder(name).append(": ");
        switch (kind) {
            case NUMBER -> sb.append("number in [").append(fmt(min)).append(", ").append(fmt(max)).append(']');
            case INTEGER -> sb.append("integer in [").append(fmt(min)).append(", ").append(fmt(max)).append(']');
            case BOOLEAN -> sb.append("boolean");
            case CHOICE -> sb.append("one of ").append(String.join(" | ", choices));
            case STRING -> sb.append("string");
            case NUMBER_LIST -> sb.append("list of ").append(minLength).append("..").append(maxLength)
                    .append(" numbers in [").append(fmt(min)).append(", ").append(fmt(max)).append(']');
            case NUMBER_MATRIX -> sb.append("matrix (list of rows, up to ").append(maxLength).append(" x ")
                    .append(maxLength).append(") of numbers in [").append(fmt(min)).append(", ")
                    .append(fmt(max)).append(']');
            default -> throw new AssertionError(kind);
        }
        if (isRequired()) {
            sb.append(", required");
        } else if (defaultValue != null) {
            sb.append(", default ").append(defaultValue instanceof Double d ? fmt(d) : defaultValue);
        } else {
            sb.append(", optional");
        }
        return sb.toString();
    }

    static String fmt(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v).toLowerCase(Locale.ROOT);
    }
}
