package org.remotemedia.dsp;

/**
 * Forwards to {@link org.remotemedia.json.Json}, the server's one JSON writer, for the one caller
 * not moved yet (pipeline.GraphRun, being rewritten). Delete once nothing imports it.
 * New code uses {@code org.remotemedia.json.Json}.
 */
public final class Json {
    private Json() {
    }

    public static StringBuilder string(StringBuilder sb, CharSequence s) {
        return org.remotemedia.json.Json.string(sb, s);
    }

    public static StringBuilder number(StringBuilder sb, double v) {
        return org.remotemedia.json.Json.number(sb, v);
    }

    public static StringBuilder value(StringBuilder sb, Object v) {
        return org.remotemedia.json.Json.value(sb, v);
    }
}
