package org.remotemedia.dsp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.remotemedia.json.Json;

/**
 * A node's parameters after {@link ParamSchema#validate}: every accepted name with a typed
 * value (Double, Long, Boolean, String, double[], double[][]), defaults filled in. Immutable.
 */
public final class Params {
    private final Map<String, Object> values;
    private final Set<String> given;

    Params(Map<String, Object> values, Set<String> given) {
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.given = Set.copyOf(given);
    }

    /** Parameters built directly (tests, benchmarks), unchecked. */
    public static Params of(Map<String, Object> values) {
        return new Params(values, values.keySet());
    }

    /** Whether the manifest gave this parameter (as opposed to a default or nothing). */
    public boolean given(String name) {
        return given.contains(name);
    }

    public boolean has(String name) {
        return values.get(name) != null;
    }

    public double number(String name) {
        return ((Number) require(name)).doubleValue();
    }

    public long integer(String name) {
        return ((Number) require(name)).longValue();
    }

    public int intValue(String name) {
        return Math.toIntExact(integer(name));
    }

    public boolean bool(String name) {
        return (Boolean) require(name);
    }

    public String string(String name) {
        return (String) require(name);
    }

    public double[] numbers(String name) {
        return ((double[]) require(name)).clone();
    }

    public double[][] matrix(String name) {
        double[][] m = (double[][]) require(name);
        double[][] copy = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            copy[i] = m[i].clone();
        }
        return copy;
    }

    /** Every value (defaults included), for error contexts and metrics. */
    public Map<String, Object> asMap() {
        return values;
    }

    /** A copy with {@code name} set to {@code value} (alias translation). */
    public Params with(String name, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(values);
        m.put(name, value);
        java.util.HashSet<String> g = new java.util.HashSet<>(given);
        g.add(name);
        return new Params(m, g);
    }

    /** A copy without {@code name}. */
    public Params without(String name) {
        Map<String, Object> m = new LinkedHashMap<>(values);
        m.remove(name);
        java.util.HashSet<String> g = new java.util.HashSet<>(given);
        g.remove(name);
        return new Params(m, g);
    }

    public void appendJson(StringBuilder sb) {
        Json.value(sb, values);
    }

    private Object require(String name) {
        Object v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException("param '" + name + "' is not set");
        }
        return v;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        appendJson(sb);
        return sb.toString();
    }
}
