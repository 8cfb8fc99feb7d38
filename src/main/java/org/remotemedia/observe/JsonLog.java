package org.remotemedia.observe;

import java.io.PrintStream;
import java.time.Instant;
import org.remotemedia.json.Json;

/**
 * JSON lines: one object per event, {@code {"ts":..,"level":..,"event":..,"request_id":..,...}}.
 * Events are rare (connection, call failure, start-up), never per message on the hot path.
 *
 * <p>Thread-safe: any thread may log; each line is written with one {@code println}.
 */
public final class JsonLog {
    /** Severity, lowest first. */
    public enum Level { DEBUG, INFO, WARN, ERROR }

    private final PrintStream out;
    private volatile Level threshold;

    public JsonLog(PrintStream out, Level threshold) {
        this.out = out;
        this.threshold = threshold;
    }

    /** {@code t}'s stack trace as text, for a log field (never for a client, unless debug errors are on). */
    public static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    /** Writes nothing (the daemon's throw-away warm-up services, tests). */
    public static JsonLog silent() {
        return new JsonLog(new PrintStream(java.io.OutputStream.nullOutputStream()), Level.ERROR);
    }

    public static JsonLog stdout(String level) {
        return new JsonLog(System.out, Level.valueOf(level.toUpperCase(java.util.Locale.ROOT)));
    }

    /** The stream lines go to (the access log writes whole lines to it too). */
    public PrintStream out() {
        return out;
    }

    public Level level() {
        return threshold;
    }

    /** Changes the threshold (logging.level, reloadable). */
    public void setLevel(Level level) {
        threshold = level;
    }

    public boolean enabled(Level level) {
        return level.compareTo(threshold) >= 0;
    }

    public void debug(String event, String requestId, Object... keyValues) {
        log(Level.DEBUG, event, requestId, keyValues);
    }

    public void info(String event, String requestId, Object... keyValues) {
        log(Level.INFO, event, requestId, keyValues);
    }

    public void warn(String event, String requestId, Object... keyValues) {
        log(Level.WARN, event, requestId, keyValues);
    }

    public void error(String event, String requestId, Object... keyValues) {
        log(Level.ERROR, event, requestId, keyValues);
    }

    /** {@code keyValues} alternate key, value; values may be strings, numbers, booleans or null. */
    public void log(Level level, String event, String requestId, Object... keyValues) {
        if (!enabled(level)) {
            return;
        }
        StringBuilder sb = new StringBuilder(128);
        sb.append("{\"ts\":\"").append(Instant.now()).append("\",\"level\":\"")
                .append(level.name().toLowerCase(java.util.Locale.ROOT)).append("\",\"event\":");
        Json.string(sb, event);
        if (requestId != null) {
            sb.append(",\"request_id\":");
            Json.string(sb, requestId);
        }
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            sb.append(',');
            Json.string(sb, String.valueOf(keyValues[i]));
            sb.append(':');
            Object v = keyValues[i + 1];
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                Json.string(sb, v.toString());
            }
        }
        sb.append('}');
        out.println(sb);
    }
}
