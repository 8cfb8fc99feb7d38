package org.remotemedia.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Typed reads from a flat {@code section.key -> text} map. Records every key it reads, so
 * that {@link #finish()} can reject unknown keys (with a "did you mean") and report every
 * problem at once instead of the first.
 *
 * <p>Single-threaded: used once while the configuration is built.
 */
public final class ConfigReader {
    private final Map<String, String> values;
    private final Set<String> known = new TreeSet<>();
    private final List<String> problems = new ArrayList<>();

    public ConfigReader(Map<String, String> values) {
        this.values = new TreeMap<>(values);
    }

    public String string(String key, String def) {
        known.add(key);
        String v = values.get(key);
        return v == null ? def : v;
    }

    public String oneOf(String key, String def, String... allowed) {
        String v = string(key, def);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        problems.add(key + ": '" + v + "' is not one of " + String.join(", ", allowed));
        return def;
    }

    public long longIn(String key, long def, long min, long max) {
        known.add(key);
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        long parsed;
        try {
            parsed = parseSize(v.trim());
        } catch (NumberFormatException e) {
            problems.add(key + ": '" + v + "' is not an integer (sizes may end in k, m, g; durations are plain numbers)");
            return def;
        }
        if (parsed < min || parsed > max) {
            problems.add(key + ": " + parsed + " is out of range [" + min + ", " + max + "]");
            return def;
        }
        return parsed;
    }

    public int intIn(String key, int def, int min, int max) {
        return (int) longIn(key, def, min, max);
    }

    public boolean bool(String key, boolean def) {
        known.add(key);
        String v = values.get(key);
        if (v == null) {
            return def;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> {
                problems.add(key + ": '" + v + "' is not a boolean (true/false)");
                yield def;
            }
        };
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

    public void problem(String message) {
        problems.add(message);
    }

    /** Fails with every problem collected, including keys nobody read. */
    public void finish() {
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                String near = nearest(key);
                problems.add(key + ": unknown setting" + (near == null ? "" : " (did you mean '" + near + "'?)"));
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

    private static long parseSize(String v) {
        long mult = 1;
        char last = Character.toLowerCase(v.charAt(v.length() - 1));
        if (last == 'k' || last == 'm' || last == 'g') {
            mult = last == 'k' ? 1024L : last == 'm' ? 1024L * 1024 : 1024L * 1024 * 1024;
            v = v.substring(0, v.length() - 1).trim();
        }
        return Math.multiplyExact(Long.parseLong(v.replace("_", "")), mult);
    }
}
