package org.remotemedia.dsp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The node types a manifest may name, by name (aliases included). Immutable and thread-safe;
 * {@link #builtin()} holds every type this server ships (listed in {@link BuiltinNodes}).
 */
public final class NodeRegistry {
    private final Map<String, NodeType> byName;

    public NodeRegistry(List<NodeType> types) {
        Map<String, NodeType> m = new LinkedHashMap<>();
        for (NodeType t : types) {
            if (m.put(t.name(), t) != null) {
                throw new IllegalArgumentException("node type registered twice: " + t.name());
            }
        }
        byName = Collections.unmodifiableMap(m);
    }

    private static final class Holder {
        static final NodeRegistry BUILTIN = new NodeRegistry(BuiltinNodes.all());
    }

    public static NodeRegistry builtin() {
        return Holder.BUILTIN;
    }

    /** The type of this exact name, or null. */
    public NodeType find(String name) {
        return byName.get(name);
    }

    /** Every accepted name (canonical and aliases), sorted. */
    public List<String> names() {
        List<String> n = new ArrayList<>(byName.keySet());
        Collections.sort(n);
        return n;
    }

    /** Every type, in registration order (canonical types before their aliases). */
    public List<NodeType> types() {
        return List.copyOf(byName.values());
    }

    /** The closest known name to an unknown one, or null if none is close. */
    public String suggest(String unknown) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        String u = unknown.toLowerCase(Locale.ROOT);
        for (String n : byName.keySet()) {
            String l = n.toLowerCase(Locale.ROOT);
            int d = l.equals(u) ? 0 : Names.distance(u, l);
            if (l.contains(u) && u.length() >= 3) {
                d = Math.min(d, 2);
            }
            if (d < bestD) {
                bestD = d;
                best = n;
            }
        }
        return best != null && bestD <= Math.max(2, unknown.length() / 3) ? best : null;
    }
}
