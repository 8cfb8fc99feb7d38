package org.remotemedia.json;

/**
 * Small JSON writing helpers for data outputs, metrics, error contexts and log lines, appending
 * to a caller-owned StringBuilder (no intermediate strings): the server's one JSON string
 * escaper. Writes only; manifests are parsed elsewhere (pipeline.ManifestJson). Stateless.
 */
public final class Json {
    private Json() {
    }

    /** Appends {@code s} as a JSON string literal (quotes, backslashes and control characters escaped). */
    public static StringBuilder string(StringBuilder sb, CharSequence s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append("\\u00");
                        sb.append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 15, 16));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    /** A finite number as JSON; NaN and infinities (not JSON) as null. */
    public static StringBuilder number(StringBuilder sb, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return sb.append("null");
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return sb.append((long) v);
        }
        return sb.append(v);
    }

    /** A Java value made of Map / List / String / Number / Boolean / null, as JSON. */
    public static StringBuilder value(StringBuilder sb, Object v) {
        if (v == null) {
            return sb.append("null");
        }
        if (v instanceof CharSequence s) {
            return string(sb, s);
        }
        if (v instanceof Double || v instanceof Float) {
            return number(sb, ((Number) v).doubleValue());
        }
        if (v instanceof Number || v instanceof Boolean) {
            return sb.append(v);
        }
        if (v instanceof double[] a) {
            sb.append('[');
            for (int i = 0; i < a.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                number(sb, a[i]);
            }
            return sb.append(']');
        }
        if (v instanceof double[][] m) {
            sb.append('[');
            for (int i = 0; i < m.length; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                value(sb, m[i]);
            }
            return sb.append(']');
        }
        if (v instanceof java.util.Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (var e : m.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                string(sb, String.valueOf(e.getKey())).append(':');
                value(sb, e.getValue());
            }
            return sb.append('}');
        }
        if (v instanceof Iterable<?> it) {
            sb.append('[');
            boolean first = true;
            for (Object o : it) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                value(sb, o);
            }
            return sb.append(']');
        }
        return string(sb, v.toString());
    }
}
