package org.remotemedia.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Typed reads from a flat {@code section.key -> text} map. Records every key it reads and the
 * value in force (given or default), so that {@link #finish()} can reject unknown keys (with a
 * "did you mean") and report every problem at once, and {@link #effective()} can print the
 * configuration. Each problem is one line: the setting, the value, what is allowed, and where
 * the value came from.
 *
 * <p>Single-threaded: used once while the configuration is built.
 */
public final class ConfigReader {
    private final Map<String, String> values;
    private final Map<String, String> origins;
    private final Set<String> known = new TreeSet<>();
    private final Map<String, String> effective = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    public ConfigReader(Map<String, String> values) {
        this(values, Map.of());
    }

    /** @param origins where each value came from ("file x.yaml", "env GRPC_PORT", "--port"), for messages */
    public ConfigReader(Map<String, String> values, Map<String, String> origins) {
        this.values = new TreeMap<>(values);
        this.origins = origins;
    }

    private String from(String key) {
        String o = origins.get(key);
        return o == null ? "" : " (from " + o + ")";
    }

    private String given(String key, String def) {
        known.add(key);
        String v = values.get(key);
        effective.put(key, v == null ? def : v.trim());
        return v;
    }

    private void set(String key, Object value) {
        effective.put(key, String.valueOf(value));
    }

    public String string(String key, String def) {
        String v = given(key, def);
        return v == null ? def : v.trim();
    }

    public String oneOf(String key, String def, String... allowed) {
        String v = string(key, def);
        for (String a : allowed) {
            if (a.equalsIgnoreCase(v)) {
                set(key, a);
                return a;
            }
        }
        problems.add(key + " = '" + v + "': not one of " + String.join(", ", allowed) + from(key));
        return def;
    }

    public long longIn(String key, long def, long min, long max) {
        String v = given(key, Long.toString(def));
        if (v == null) {
            return def;
        }
        long parsed;
        try {
            parsed = parseSize(v.trim());
        } catch (NumberFormatException | ArithmeticException | StringIndexOutOfBoundsException e) {
            problems.add(key + " = '" + v + "': not an integer; allowed " + range(min, max)
                    + " (sizes may end in k, m, g; times are milliseconds)" + from(key));
            return def;
        }
        if (parsed < min || parsed > max) {
            problems.add(key + " = " + v.trim() + ": out of range; allowed " + range(min, max) + from(key));
            return def;
        }
        set(key, parsed);
        return parsed;
    }

    public int intIn(String key, int def, int min, int max) {
        return (int) longIn(key, def, min, max);
    }

    public double doubleIn(String key, double def, double min, double max) {
        String v = given(key, fmt(def));
        if (v == null) {
            return def;
        }
        double parsed;
        try {
            parsed = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            problems.add(key + " = '" + v + "': not a number; allowed " + fmt(min) + " to " + fmt(max) + from(key));
            return def;
        }
        if (!(parsed >= min && parsed <= max)) {
            problems.add(key + " = " + v.trim() + ": out of range; allowed " + fmt(min) + " to " + fmt(max) + from(key));
            return def;
        }
        set(key, fmt(parsed));
        return parsed;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static String range(long min, long max) {
        return min + " to " + (max >= Long.MAX_VALUE / 4 ? "any larger value" : Long.toString(max));
    }

    public boolean bool(String key, boolean def) {
        String v = given(key, Boolean.toString(def));
        if (v == null) {
            return def;
        }
        boolean b;
        switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> b = true;
            case "false", "no", "off", "0" -> b = false;
            default -> {
                problems.add(key + " = '" + v + "': not a boolean; allowed true or false (on/off, yes/no)" + from(key));
                return def;
            }
        }
        set(key, b);
        return b;
    }

    /** Comma-separated list; empty when unset. */
    public List<String> list(String key) {
        String v = string(key, "");
        List<String> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return List.copyOf(out);
    }

    /** Keys read so far, sorted. */
    public Set<String> knownKeys() {
        return java.util.Collections.unmodifiableSet(new TreeSet<>(known));
    }

    /** Every key read so far and the value in force, in reading order (section by section). */
    public Map<String, String> effective() {
        return java.util.Collections.unmodifiableMap(effective);
    }

    public void problem(String message) {
        problems.add(message);
    }

    /** As {@link #problem}, adding where {@code key}'s value came from. */
    public void problem(String key, String message) {
        problems.add(message + from(key));
    }

    /** Fails with every problem collected, including keys nobody read. */
    public void finish() {
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                String near = nearest(key);
                problems.add(key + ": unknown setting" + (near == null ? "" : " (did you mean '" + near + "'?)")
                        + "; every setting is listed in docs/configuration.md" + from(key));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private String nearest(String key) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = editDistance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 4) ? best : null;
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    static long parseSize(String v) {
        long mult = 1;
        char last = Character.toLowerCase(v.charAt(v.length() - 1));
        if (last == 'k' || last == 'm' || last == 'g') {
            mult = last == 'k' ? 1024L : last == 'm' ? 1024L * 1024 : 1024L * 1024 * 1024;
            v = v.substring(0, v.length() - 1).trim();
        }
        return Math.multiplyExact(Long.parseLong(v.replace("_", "")), mult);
    }
}
