package org.remotemedia.dsp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the node reference of docs/nodes.md from the registry (type, aliases, params with
 * ranges and defaults, inputs / outputs, latency), so the docs cannot drift from the code:
 * {@code NodeDocsTest} fails when the file differs and rewrites it on request. Stateless.
 */
public final class NodeDocs {
    public static final String BEGIN = "<!-- BEGIN GENERATED NODE REFERENCE (NodeDocsTest) -->";
    public static final String END = "<!-- END GENERATED NODE REFERENCE -->";

    private NodeDocs() {
    }

    public static String reference(NodeRegistry registry) {
        Map<String, List<NodeType>> aliases = new LinkedHashMap<>();
        List<NodeType> canonical = new ArrayList<>();
        for (NodeType t : registry.types()) {
            if (t instanceof AliasNodeType a) {
                aliases.computeIfAbsent(a.target().name(), k -> new ArrayList<>()).add(a);
            } else {
                canonical.add(t);
            }
        }
        StringBuilder sb = new StringBuilder(BEGIN).append("\n\n");
        sb.append("| type | aliases | inputs | outputs | streaming latency |\n|---|---|---|---|---|\n");
        for (NodeType t : canonical) {
            sb.append("| [").append(t.name()).append("](#").append(t.name().toLowerCase(java.util.Locale.ROOT))
                    .append(") | ").append(aliasNames(aliases.get(t.name()))).append(" | ")
                    .append(inputs(t.ports())).append(" | ").append(outputs(t.ports())).append(" | ")
                    .append(t.latencyDoc()).append(" |\n");
        }
        for (NodeType t : canonical) {
            sb.append("\n### ").append(t.name()).append("\n\n").append(t.summary()).append("\n\n");
            sb.append("- aliases: ").append(aliasNames(aliases.get(t.name()))).append('\n');
            sb.append("- inputs: ").append(inputs(t.ports())).append('\n');
            sb.append("- outputs: ").append(outputs(t.ports())).append('\n');
            sb.append("- streaming latency: ").append(t.latencyDoc()).append("\n\n");
            params(sb, t.params());
            for (NodeType a : aliases.getOrDefault(t.name(), List.of())) {
                if (a.params() != t.params()) {
                    sb.append("\nAlias `").append(a.name()).append("` takes its own params:\n\n");
                    params(sb, a.params());
                }
            }
        }
        return sb.append('\n').append(END).append('\n').toString();
    }

    private static void params(StringBuilder sb, ParamSchema schema) {
        if (schema.specs().isEmpty()) {
            sb.append("No params.\n");
            return;
        }
        sb.append("| param | type and range | default | meaning |\n|---|---|---|---|\n");
        for (ParamSpec s : schema.specs()) {
            String d = s.describe();
            String range = d.substring(d.indexOf(": ") + 2, d.lastIndexOf(", "));
            String def = s.isRequired() ? "required" : s.defaultValue() == null ? "-" : String.valueOf(
                    s.defaultValue() instanceof Double v ? ParamSpec.fmt(v) : s.defaultValue());
            sb.append("| `").append(s.name()).append("` | ").append(range).append(" | ").append(def).append(" | ")
                    .append(s.doc()).append(" |\n");
        }
    }

    private static String aliasNames(List<NodeType> list) {
        if (list == null || list.isEmpty()) {
            return "-";
        }
        List<String> n = new ArrayList<>();
        for (NodeType t : list) {
            n.add(t.name());
        }
        return String.join(", ", n);
    }

    private static String inputs(Ports p) {
        if (p.maxAudioInputs() == 0 && p.acceptsData()) {
            return "a data input (JSON), as a source";
        }
        String audio = p.describeInputs();
        return p.acceptsData() ? audio + " (as a source: audio and / or a data input)" : audio;
    }

    private static String outputs(Ports p) {
        if (p.audioOutput() && p.dataOutput()) {
            return "audio + data (JSON)";
        }
        return p.audioOutput() ? "audio" : p.dataOutput() ? "data (JSON)" : "none";
    }
}
