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
    private final List<String> sortedNames;
    private final String namesText;
    /** The names in registration order and lower case, for {@link #suggest}. */
    private final String[] names;
    private final String[] lowerNames;

    public NodeRegistry(List<NodeType> types) {
        Map<String, NodeType> m = new LinkedHashMap<>();
        for (NodeType t : types) {
            if (m.put(t.name(), t) != null) {
                throw new IllegalArgumentException("node type registered twice: " + t.name());
            }
        }
        byName = Collections.unmodifiableMap(m);
        List<String> sorted = new ArrayList<>(m.keySet());
        Collections.sort(sorted);
        sortedNames = List.copyOf(sorted);
        namesText = String.join(", ", sortedNames);
        names = m.keySet().toArray(new String[0]);
        lowerNames = new String[names.length];
        for (int i = 0; i < names.length; i++) {
            lowerNames[i] = names[i].toLowerCase(Locale.ROOT);
        }
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
        return sortedNames;
    }

    /** {@link #names()} as error messages list them: "A, B, C". */
    public String namesText() {
        return namesText;
    }

    /** Every type, in registration order (canonical types before their aliases). */
    public List<NodeType> types() {
        return List.copyOf(byName.values());
    }

    /**
     * The closest known name to an unknown one (edit distance at most a third of its length, or
     * 2; or a name that contains it), or null if none is close. Names whose length alone puts
     * them out of reach are not compared, so a long unknown name costs nothing.
     */
    public String suggest(String unknown) {
        int reach = Math.max(2, unknown.length() / 3);
        String u = unknown.toLowerCase(Locale.ROOT);
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (int i = 0; i < names.length; i++) {
            String l = lowerNames[i];
            int d = Integer.MAX_VALUE;
            if (Math.abs(l.length() - u.length()) <= reach) { // the distance is at least the length difference
                d = l.equals(u) ? 0 : Names.distance(u, l);
            }
            if (u.length() >= 3 && l.contains(u)) {
                d = Math.min(d, 2);
            }
            if (d < bestD) {
                bestD = d;
                best = names[i];
            }
        }
        return best != null && bestD <= reach ? best : null;
    }
}
