package org.remotemedia.pipeline;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.remotemedia.dsp.Names;
import org.remotemedia.dsp.Problems;
import org.remotemedia.json.Json;

/**
 * The manifest's JSON form (params as objects) and the params text of the protobuf form.
 * Syntax errors stop parsing and report line and column; structural problems (a field of
 * the wrong type, an unknown field) are collected with their JSON-pointer paths so
 * validation reports them together with everything else. Field names are snake_case as in
 * the contract, lowerCamelCase (protobuf's JSON mapping) accepted too.
 *
 * <p>Stateless; safe from any thread.
 */
public final class ManifestJson {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static final Set<String> TOP = Set.of("version", "metadata", "nodes", "connections");
    private static final Set<String> META = Set.of("name", "description", "created_at");
    private static final Set<String> NODE = Set.of("id", "node_type", "params", "is_streaming", "capabilities", "host",
            "runtime_hint");
    private static final Set<String> CONN = Set.of("from", "to");

    private ManifestJson() {
    }

    /** Parses JSON text; a syntax error is a VALIDATION error with line and column. */
    static JsonNode tree(String text, String what, String path) throws PipelineException {
        try {
            JsonNode n = MAPPER.readTree(text);
            if (n == null || n.isMissingNode()) {
                throw PipelineError.validation(path, what + " is empty: expected a JSON object").toException();
            }
            return n;
        } catch (JsonProcessingException e) {
            throw syntax(e, what, path).toException();
        } catch (NumberFormatException e) {
            throw PipelineError.validation(path, badNumber(e, what)).toException();
        }
    }

    /**
     * Jackson reads floats as BigDecimal and throws NumberFormatException, not a processing
     * exception, for one it cannot represent (an exponent of millions of digits).
     */
    private static String badNumber(NumberFormatException e, String what) {
        String detail = String.valueOf(e.getMessage());
        if (detail.length() > 160) {
            detail = detail.substring(0, 160) + "...";
        }
        return what + " JSON holds a number that cannot be read (" + detail.replace('\n', ' ')
                + "); numbers must fit a 64-bit float, e.g. 2.5e10";
    }

    static PipelineError syntax(JsonProcessingException e, String what, String path) {
        JsonLocation loc = e.getLocation();
        int line = loc == null ? 0 : loc.getLineNr();
        int col = loc == null ? 0 : loc.getColumnNr();
        String msg = what + " JSON syntax error at line " + line + ", column " + col + ": "
                + withoutSources(String.valueOf(e.getOriginalMessage()));
        StringBuilder ctx = new StringBuilder("{\"path\":");
        Json.string(ctx, path);
        ctx.append(",\"line\":").append(line).append(",\"column\":").append(col).append(",\"problems\":[{\"path\":");
        Json.string(ctx, path);
        ctx.append(",\"message\":");
        Json.string(ctx, msg);
        ctx.append("}]}");
        return new PipelineError(ErrorType.VALIDATION, msg, "", ctx.toString(), null);
    }

    private static final String SOURCE = "at [Source: ";

    /**
     * Jackson's message without the input it quotes: an embedded {@code at [Source: ...; line: L,
     * column: C]} becomes {@code at line L, column C}; any other {@code at [Source...} is dropped
     * with the blanks before it, to the end of its line; newlines become spaces. Plain index
     * scans, not regular expressions: the text comes from the client, and this runs on every
     * refused manifest.
     */
    static String withoutSources(String m) {
        StringBuilder out = new StringBuilder(m.length());
        int from = 0;
        while (true) { // embedded locations
            int at = m.indexOf(SOURCE, from);
            if (at < 0) {
                break;
            }
            int end = locationEnd(m, at);
            if (end < 0) {
                out.append(m, from, at + 1);
                from = at + 1;
                continue;
            }
            int semi = firstOf(m, at + SOURCE.length(), ';', ']');
            int lineStart = semi + "; line: ".length();
            int lineEnd = digitsEnd(m, lineStart);
            int colStart = lineEnd + ", column: ".length();
            out.append(m, from, at).append("at line ").append(m, lineStart, lineEnd).append(", column ")
                    .append(m, colStart, end - 1);
            from = end;
        }
        out.append(m, from, m.length());
        String rest = out.toString();
        out.setLength(0);
        from = 0;
        while (true) { // other sources, to the end of their line
            int at = rest.indexOf("at [Source", from);
            if (at < 0) {
                break;
            }
            int cut = at;
            while (cut > from && " \t\n\u000B\f\r".indexOf(rest.charAt(cut - 1)) >= 0) {
                cut--;
            }
            out.append(rest, from, cut);
            from = at;
            while (from < rest.length() && "\n\r\u0085\u2028\u2029".indexOf(rest.charAt(from)) < 0) {
                from++;
            }
        }
        out.append(rest, from, rest.length());
        return out.toString().replace('\n', ' ');
    }

    /** The index after a whole {@code at [Source: X; line: D, column: D]} starting at {@code at}, or -1. */
    private static int locationEnd(String m, int at) {
        int semi = firstOf(m, at + SOURCE.length(), ';', ']');
        if (semi < 0 || m.charAt(semi) != ';' || !m.startsWith("; line: ", semi)) {
            return -1;
        }
        int lineStart = semi + "; line: ".length();
        int lineEnd = digitsEnd(m, lineStart);
        if (lineEnd == lineStart || !m.startsWith(", column: ", lineEnd)) {
            return -1;
        }
        int colStart = lineEnd + ", column: ".length();
        int colEnd = digitsEnd(m, colStart);
        if (colEnd == colStart || colEnd >= m.length() || m.charAt(colEnd) != ']') {
            return -1;
        }
        return colEnd + 1;
    }

    private static int firstOf(String m, int from, char a, char b) {
        for (int i = from; i < m.length(); i++) {
            char c = m.charAt(i);
            if (c == a || c == b) {
                return i;
            }
        }
        return -1;
    }

    private static int digitsEnd(String m, int from) {
        int i = from;
        while (i < m.length() && m.charAt(i) >= '0' && m.charAt(i) <= '9') {
            i++;
        }
        return i;
    }

    /**
     * The manifest in {@code json}; structural problems go to {@code problems}.
     *
     * @throws PipelineException on a JSON syntax error (line, column)
     */
    public static Manifest parse(String json, Problems problems) throws PipelineException {
        JsonNode root = tree(json, "manifest", "");
        if (!root.isObject()) {
            problems.add("", "the manifest must be a JSON object, got " + kind(root));
            return new Manifest(null, null, List.of(), List.of());
        }
        unknownFields(root, TOP, "", problems);
        String version = text(root, "version", "/version", problems);
        Manifest.Metadata meta = null;
        JsonNode m = root.get("metadata");
        if (m != null && !m.isNull()) {
            if (!m.isObject()) {
                problems.add("/metadata", "metadata must be an object, got " + kind(m));
            } else {
                unknownFields(m, META, "/metadata", problems);
                meta = new Manifest.Metadata(text(m, "name", "/metadata/name", problems),
                        text(m, "description", "/metadata/description", problems),
                        text(m, field(m, "created_at"), "/metadata/created_at", problems));
            }
        }
        List<Manifest.Node> nodes = new ArrayList<>();
        JsonNode ns = root.get("nodes");
        if (ns != null && !ns.isNull()) {
            if (!ns.isArray()) {
                problems.add("/nodes", "nodes must be a list, got " + kind(ns));
            } else {
                for (int i = 0; i < ns.size(); i++) {
                    nodes.add(node(ns.get(i), "/nodes/" + i, problems));
                }
            }
        }
        List<Manifest.Connection> conns = new ArrayList<>();
        JsonNode cs = root.get("connections");
        if (cs != null && !cs.isNull()) {
            if (!cs.isArray()) {
                problems.add("/connections", "connections must be a list, got " + kind(cs));
            } else {
                for (int i = 0; i < cs.size(); i++) {
                    JsonNode c = cs.get(i);
                    String at = "/connections/" + i;
                    if (!c.isObject()) {
                        problems.add(at, "a connection must be an object {\"from\": id, \"to\": id}, got " + kind(c));
                        conns.add(new Manifest.Connection(null, null));
                        continue;
                    }
                    unknownFields(c, CONN, at, problems);
                    conns.add(new Manifest.Connection(text(c, "from", at + "/from", problems),
                            text(c, "to", at + "/to", problems)));
                }
            }
        }
        return new Manifest(version, meta, nodes, conns);
    }

    private static Manifest.Node node(JsonNode n, String at, Problems problems) {
        if (!n.isObject()) {
            problems.add(at, "a node must be an object with id, node_type and params, got " + kind(n));
            return new Manifest.Node(null, null, null, null, false, Manifest.Capabilities.NONE, "", "");
        }
        unknownFields(n, NODE, at, problems);
        String id = text(n, "id", at + "/id", problems);
        String type = text(n, field(n, "node_type"), at + "/node_type", problems);
        JsonNode p = n.get("params");
        String paramsText = null;
        Map<String, Object> params = null;
        if (p != null && !p.isNull()) {
            if (p.isTextual()) {
                paramsText = p.asText();
            } else if (p.isObject()) {
                params = toMap(p);
            } else {
                problems.add(at + "/params", "params must be an object, got " + kind(p));
            }
        }
        boolean streaming = false;
        JsonNode s = n.get(field(n, "is_streaming"));
        if (s != null && !s.isNull()) {
            if (s.isBoolean()) {
                streaming = s.asBoolean();
            } else {
                problems.add(at + "/is_streaming", "is_streaming must be true or false, got " + kind(s));
            }
        }
        Manifest.Capabilities caps = capabilities(n.get("capabilities"), at + "/capabilities", problems);
        String host = text(n, "host", at + "/host", problems);
        JsonNode rh = n.get(field(n, "runtime_hint"));
        String hint = rh == null || rh.isNull() ? "" : rh.asText();
        return new Manifest.Node(id, type, paramsText, params, streaming, caps, host == null ? "" : host, hint);
    }

    private static Manifest.Capabilities capabilities(JsonNode c, String at, Problems problems) {
        if (c == null || c.isNull()) {
            return Manifest.Capabilities.NONE;
        }
        if (!c.isObject()) {
            problems.add(at, "capabilities must be an object, got " + kind(c));
            return Manifest.Capabilities.NONE;
        }
        unknownFields(c, Set.of("gpu", "cpu", "memory_gb"), at, problems);
        JsonNode gpu = c.path("gpu");
        JsonNode cpu = c.path("cpu");
        JsonNode req = gpu.path("required");
        if (!req.isMissingNode() && !req.isBoolean()) {
            problems.add(at + "/gpu/required", "gpu.required must be true or false, got " + kind(req));
        }
        return new Manifest.Capabilities(gpu.path("type").asText(""),
                gpu.path(field(gpu, "min_memory_gb")).asDouble(0), req.asBoolean(false),
                cpu.path("cores").asInt(0), cpu.path("arch").asText(""), c.path(field(c, "memory_gb")).asDouble(0));
    }

    /**
     * Params given as JSON text (the protobuf form): must be a JSON object (empty text means
     * none). Syntax errors are reported at {@code path} with line and column in the text.
     */
    public static Map<String, Object> paramsFromText(String text, String path, Problems problems) {
        if (text == null || text.isBlank()) {
            return Map.of();
        }
        JsonNode n;
        try {
            n = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            problems.add(path, syntax(e, "params", path).message());
            return null;
        } catch (NumberFormatException e) {
            problems.add(path, badNumber(e, "params"));
            return null;
        }
        if (n == null || !n.isObject()) {
            problems.add(path, "params must be a JSON object, got " + (n == null ? "nothing" : kind(n)));
            return null;
        }
        return toMap(n);
    }

    /** Any JSON text to Java values (Map, List, String, Long / Double, Boolean, null): data inputs. */
    public static Object value(String text) throws PipelineException {
        return toJava(tree(text, "data input", ""));
    }

    static Map<String, Object> toMap(JsonNode n) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), toJava(e.getValue()));
        }
        return m;
    }

    static Object toJava(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isObject()) {
            return toMap(n);
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonNode e : n) {
                l.add(toJava(e));
            }
            return l;
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() ? (Object) n.asLong() : (Object) n.asDouble();
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        return n.asText();
    }

    private static String text(JsonNode obj, String name, String path, Problems problems) {
        JsonNode v = obj.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            problems.add(path, name + " must be a string, got " + kind(v));
            return null;
        }
        return v.asText();
    }

    /** snake_case name, or its lowerCamelCase twin when only that is present. */
    private static String field(JsonNode obj, String snake) {
        if (obj.has(snake)) {
            return snake;
        }
        String camel = camel(snake);
        return obj.has(camel) ? camel : snake;
    }

    private static String camel(String snake) {
        StringBuilder sb = new StringBuilder();
        boolean up = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                sb.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return sb.toString();
    }

    private static void unknownFields(JsonNode obj, Set<String> known, String at, Problems problems) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (known.contains(f) || known.stream().anyMatch(k -> camel(k).equals(f))) {
                continue;
            }
            String best = null;
            int bestD = Integer.MAX_VALUE;
            for (String k : known) {
                int d = Names.distance(f, k);
                if (d < bestD) {
                    bestD = d;
                    best = k;
                }
            }
            String hint = bestD <= 2 ? " (did you mean '" + best + "'?)" : "";
            problems.add(at + "/" + Problems.token(f), "unknown field '" + f + "'" + hint + "; accepted: "
                    + String.join(", ", new java.util.TreeSet<>(known)));
        }
    }

    static String kind(JsonNode n) {
        if (n.isTextual()) {
            return "a string";
        }
        if (n.isNumber()) {
            return "a number";
        }
        if (n.isBoolean()) {
            return "a boolean";
        }
        if (n.isArray()) {
            return "a list";
        }
        if (n.isObject()) {
            return "an object";
        }
        return "null";
    }
}
