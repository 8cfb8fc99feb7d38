package org.remotemedia.dsp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The parameters a node type accepts. {@link #validate} checks a raw map (as parsed from the
 * manifest's JSON: Number, Boolean, String, List, Map) and reports every missing, ill-typed,
 * out-of-range and unknown parameter, each with its path and the accepted list. Immutable.
 */
public final class ParamSchema {
    private final List<ParamSpec> specs;

    public ParamSchema(List<ParamSpec> specs) {
        this.specs = List.copyOf(specs);
        Set<String> names = new HashSet<>();
        for (ParamSpec s : specs) {
            if (!names.add(s.name())) {
                throw new IllegalArgumentException("duplicate param " + s.name());
            }
        }
    }

    public static ParamSchema of(ParamSpec... specs) {
        return new ParamSchema(List.of(specs));
    }

    public List<ParamSpec> specs() {
        return specs;
    }

    public ParamSpec spec(String name) {
        for (ParamSpec s : specs) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    /** "accepted params: a: number in [..], b: ..." */
    public String acceptedList() {
        if (specs.isEmpty()) {
            return "this node type takes no params";
        }
        StringBuilder sb = new StringBuilder("accepted params: ");
        for (int i = 0; i < specs.size(); i++) {
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(specs.get(i).describe());
        }
        return sb.toString();
    }

    /**
     * Checks {@code raw} (null means no params) and reports problems under
     * {@code problems} at {@code /params/...}.
     *
     * @return the typed params, or null when anything was wrong
     */
    public Params validate(Map<String, Object> raw, Problems problems) {
        Problems at = problems.at("/params");
        int before = problems.size();
        Map<String, Object> values = new LinkedHashMap<>();
        Set<String> given = new HashSet<>();
        Map<String, Object> in = raw == null ? Map.of() : raw;
        for (String key : in.keySet()) {
            if (spec(key) == null) {
                at.add("/" + Problems.token(key), "unknown param '" + key + "'" + suggestion(key) + "; "
                        + acceptedList());
            }
        }
        for (ParamSpec s : specs) {
            Object v = in.get(s.name());
            if (v == null) {
                if (in.containsKey(s.name()) || s.isRequired()) {
                    at.add("/" + Problems.token(s.name()), (in.containsKey(s.name()) ? "param '" + s.name()
                            + "' is null" : "missing required param '" + s.name() + "'") + "; expected "
                            + s.describe());
                    continue;
                }
                if (s.defaultValue() != null) {
                    values.put(s.name(), s.defaultValue());
                }
                continue;
            }
            Object typed = convert(s, v, at.at("/" + Problems.token(s.name())));
            if (typed != null) {
                values.put(s.name(), typed);
                given.add(s.name());
            }
        }
        return problems.size() == before ? new Params(values, given) : null;
    }

    private String suggestion(String key) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (ParamSpec s : specs) {
            int d = Names.distance(key.toLowerCase(Locale.ROOT), s.name().toLowerCase(Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = s.name();
            }
        }
        return best != null && bestD <= Math.max(2, key.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    private static Object convert(ParamSpec s, Object v, Problems at) {
        String expected = "; expected " + s.describe();
        switch (s.kind()) {
            case NUMBER, INTEGER -> {
                if (!(v instanceof Number n)) {
                    at.add("", "param '" + s.name() + "' must be a number, got " + kindOf(v) + expected);
                    return null;
                }
                double d = n.doubleValue();
                if (s.kind() == ParamSpec.Kind.INTEGER && (d != Math.rint(d) || Double.isInfinite(d))) {
                    at.add("", "param '" + s.name() + "' must be an integer, got " + n + expected);
                    return null;
                }
                if (!(d >= s.min() && d <= s.max())) {
                    at.add("", "param '" + s.name() + "' = " + n + " is out of range" + expected);
                    return null;
                }
                return s.kind() == ParamSpec.Kind.INTEGER ? (Object) Long.valueOf((long) d) : (Object) Double.valueOf(d);
            }
            case BOOLEAN -> {
                if (!(v instanceof Boolean)) {
                    at.add("", "param '" + s.name() + "' must be true or false, got " + kindOf(v) + expected);
                    return null;
                }
                return v;
            }
            case CHOICE -> {
                if (v instanceof String str) {
                    for (String c : s.choices()) {
                        if (c.equalsIgnoreCase(str)) {
                            return c;
                        }
                    }
                    at.add("", "param '" + s.name() + "' = \"" + str + "\" is not accepted" + expected);
                } else {
                    at.add("", "param '" + s.name() + "' must be a string, got " + kindOf(v) + expected);
                }
                return null;
            }
            case STRING -> {
                if (!(v instanceof String str)) {
                    at.add("", "param '" + s.name() + "' must be a string, got " + kindOf(v) + expected);
                    return null;
                }
                if (s.maxLength() > 0 && str.length() > s.maxLength()) {
                    at.add("", "param '" + s.name() + "' is longer than " + s.maxLength() + " characters");
                    return null;
                }
                return str;
            }
            case NUMBER_LIST -> {
                return numberList(s, v, at, s.minLength(), s.maxLength(), "");
            }
            case NUMBER_MATRIX -> {
                if (!(v instanceof List<?> rows) || rows.isEmpty() || rows.size() > s.maxLength()) {
                    at.add("", "param '" + s.name() + "' must be a non-empty list of rows" + expected);
                    return null;
                }
                double[][] m = new double[rows.size()][];
                boolean ok = true;
                for (int r = 0; r < rows.size(); r++) {
                    m[r] = numberList(s, rows.get(r), at.at("/" + r), 1, s.maxLength(), " row " + r);
                    ok &= m[r] != null;
                    if (ok && m[r].length != m[0].length) {
                        at.add("/" + r, "param '" + s.name() + "' row " + r + " has " + m[r].length
                                + " entries, row 0 has " + m[0].length + ": rows must be equally long");
                        ok = false;
                    }
                }
                return ok ? m : null;
            }
            default -> throw new AssertionError(s.kind());
        }
    }

    private static double[] numberList(ParamSpec s, Object v, Problems at, int minLen, int maxLen, String what) {
        String expected = "; expected " + s.describe();
        if (!(v instanceof List<?> list)) {
            at.add("", "param '" + s.name() + "'" + what + " must be a list of numbers, got " + kindOf(v) + expected);
            return null;
        }
        if (list.size() < minLen || list.size() > maxLen) {
            at.add("", "param '" + s.name() + "'" + what + " has " + list.size() + " entries" + expected);
            return null;
        }
        double[] out = new double[list.size()];
        boolean ok = true;
        for (int i = 0; i < out.length; i++) {
            Object e = list.get(i);
            if (!(e instanceof Number n) || !(n.doubleValue() >= s.min() && n.doubleValue() <= s.max())) {
                at.add("/" + i, "param '" + s.name() + "'" + what + " entry " + i + " = " + e
                        + " is not a number in [" + ParamSpec.fmt(s.min()) + ", " + ParamSpec.fmt(s.max()) + "]");
                ok = false;
            } else {
                out[i] = n.doubleValue();
            }
        }
        return ok ? out : null;
    }

    static String kindOf(Object v) {
        if (v instanceof String s) {
            return "string \"" + s + "\"";
        }
        if (v instanceof Boolean b) {
            return "boolean " + b;
        }
        if (v instanceof Number n) {
            return "number " + n;
        }
        if (v instanceof List<?>) {
            return "a list";
        }
        if (v instanceof Map<?, ?>) {
            return "an object";
        }
        return "null";
    }

    /** All accepted names, in declaration order. */
    public List<String> names() {
        List<String> n = new ArrayList<>();
        for (ParamSpec s : specs) {
            n.add(s.name());
        }
        return n;
    }
}
