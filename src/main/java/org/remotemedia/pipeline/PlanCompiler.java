package org.remotemedia.pipeline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;

/**
 * Validates a manifest and compiles it into a {@link CompiledPlan}, reporting every problem
 * at once with its JSON-pointer path: version, metadata, ids, node types (with the available
 * list and "did you mean"), params (missing / ill-typed / out-of-range / unknown, with the
 * accepted list), capabilities, connections (unknown ends, self-loops, duplicates), cycles
 * (naming the nodes on each), and input counts. Nothing is compiled when anything is wrong.
 *
 * <p>Stateless apart from the registry; safe from any thread.
 */
public final class PlanCompiler {
    public static final String VERSION = "v1";
    static final Pattern ID = Pattern.compile("^[A-Za-z0-9_-]+$");
    static final int MAX_ID_LENGTH = 256;
    static final int MAX_NODES = 1024;
    /** Output ports a connection may name ("<id>.0" .. "<id>.63"): one per channel at the contract's 64 channels. */
    static final int MAX_OUTPUT_PORTS = 64;

    private final NodeRegistry registry;

    public PlanCompiler(NodeRegistry registry) {
        this.registry = registry;
    }

    /** Compiles the JSON form (params as objects). */
    public CompiledPlan compileJson(String json) throws PipelineException {
        Problems problems = new Problems();
        Manifest m = ManifestJson.parse(json, problems);
        return compile(m, problems);
    }

    /** Compiles a manifest built by the caller (the service's protobuf conversion). */
    public CompiledPlan compile(Manifest m) throws PipelineException {
        return compile(m, new Problems());
    }

    private CompiledPlan compile(Manifest m, Problems problems) throws PipelineException {
        if (m.version() == null || m.version().isEmpty()) {
            problems.add("/version", "version is missing: set it to \"" + VERSION + "\"");
        } else if (!VERSION.equals(m.version())) {
            problems.add("/version", "unsupported version \"" + m.version() + "\": this server accepts \"" + VERSION + "\"");
        }
        if (m.metadata() == null || m.metadata().name() == null || m.metadata().name().isBlank()) {
            problems.add("/metadata/name", "metadata.name is required: give the pipeline a name");
        }
        List<Manifest.Node> nodes = m.nodes();
        if (nodes.isEmpty()) {
            problems.add("/nodes", "the manifest has no nodes: add at least one");
        }
        if (nodes.size() > MAX_NODES) {
            problems.add("/nodes", "the manifest has " + nodes.size() + " nodes; at most " + MAX_NODES + " are accepted");
            throw PipelineError.validation(problems).toException();
        }

        // nodes: ids, types, params, capabilities
        Map<String, Integer> idIndex = new HashMap<>();
        NodeType[] types = new NodeType[nodes.size()];
        Params[] params = new Params[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            Manifest.Node n = nodes.get(i);
            String at = "/nodes/" + i;
            if (n.id() == null || n.id().isEmpty()) {
                problems.add(at + "/id", "node id is missing: give every node an id matching " + ID.pattern());
            } else if (!ID.matcher(n.id()).matches() || n.id().length() > MAX_ID_LENGTH) {
                problems.add(at + "/id", "node id \"" + n.id() + "\" is invalid: use letters, digits, '_' and '-' only"
                        + " (" + ID.pattern() + "), at most " + MAX_ID_LENGTH + " characters");
            } else {
                Integer prev = idIndex.putIfAbsent(n.id(), i);
                if (prev != null) {
                    problems.add(at + "/id", "duplicate node id \"" + n.id() + "\" (also /nodes/" + prev
                            + "): ids must be unique");
                }
            }
            if (n.nodeType() == null || n.nodeType().isEmpty()) {
                problems.add(at + "/node_type", "node_type is missing; available types: " + registry.namesText());
            } else {
                types[i] = registry.find(n.nodeType());
                if (types[i] == null && !problems.willList()) {
                    problems.add(at + "/node_type", "unknown node_type"); // counted only: skip the suggestion
                } else if (types[i] == null) {
                    String near = registry.suggest(n.nodeType());
                    problems.add(at + "/node_type", "unknown node_type \"" + n.nodeType() + "\""
                            + (near != null ? " (did you mean \"" + near + "\"?)" : "")
                            + "; available types: " + registry.namesText());
                }
            }
            Map<String, Object> raw = n.params();
            if (raw == null && n.paramsText() != null) {
                raw = ManifestJson.paramsFromText(n.paramsText(), at + "/params", problems);
                if (raw == null) {
                    types[i] = null; // reported; skip the schema check of unparseable params
                }
            }
            if (types[i] != null) {
                Problems nodeProblems = problems.at(at);
                int before = problems.size();
                params[i] = types[i].params().validate(raw, nodeProblems);
                if (params[i] != null) {
                    types[i].checkParams(params[i], nodeProblems);
                    if (problems.size() > before) {
                        params[i] = null;
                    }
                }
            }
            Manifest.Capabilities caps = n.capabilities();
            if (caps != null && caps.gpuRequired()) {
                problems.add(at + "/capabilities/gpu/required", "node requires a GPU"
                        + (caps.gpuType().isEmpty() ? "" : " (" + caps.gpuType() + ")")
                        + ", but this server has none: every node here runs on the CPU; remove the requirement or set"
                        + " required to false");
            }
        }

        // connections ("from" may name an output port: "<id>.<k>")
        List<List<Integer>> inputs = new ArrayList<>();
        List<List<Integer>> inputPorts = new ArrayList<>();
        List<List<Integer>> inputConnections = new ArrayList<>();
        List<List<Integer>> outputs = new ArrayList<>();
        List<List<Integer>> outputPorts = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            inputs.add(new ArrayList<>());
            inputPorts.add(new ArrayList<>());
            inputConnections.add(new ArrayList<>());
            outputs.add(new ArrayList<>());
            outputPorts.add(new ArrayList<>());
        }
        Map<String, Integer> seen = new HashMap<>();
        int[] fromPort = new int[1];
        for (int j = 0; j < m.connections().size(); j++) {
            Manifest.Connection c = m.connections().get(j);
            String at = "/connections/" + j;
            Integer from = from(c.from(), at, idIndex, types, nodes, fromPort, problems);
            Integer to = end(c.to(), "to", at, idIndex, problems);
            if (from == null || to == null) {
                continue;
            }
            int port = fromPort[0];
            if (from.equals(to)) {
                problems.add(at, "connection from \"" + c.from() + "\" to itself: a node cannot feed itself");
                continue;
            }
            Integer dup = seen.putIfAbsent(from + ":" + port + ":" + to, j);
            if (dup != null) {
                problems.add(at, "duplicate connection \"" + c.from() + "\" -> \"" + c.to() + "\" (also /connections/"
                        + dup + (port == 0 ? ", port 0 and the plain node id are the same output" : "") + ")");
                continue;
            }
            if (types[from] != null && !types[from].ports().audioOutput()) {
                problems.add(at, "\"" + c.from() + "\" (" + types[from].name() + ") produces no audio to connect");
            }
            inputs.get(to).add(from);
            inputPorts.get(to).add(port);
            inputConnections.get(to).add(j);
            outputs.get(from).add(to);
            outputPorts.get(from).add(port);
        }
        reportCycles(nodes, outputs, problems);

        // input counts
        for (int i = 0; i < nodes.size(); i++) {
            if (types[i] == null) {
                continue;
            }
            Ports ports = types[i].ports();
            int in = inputs.get(i).size();
            String at = "/nodes/" + i;
            if (in == 0) {
                if (ports.minAudioInputs() > 1) {
                    problems.add(at, types[i].name() + " \"" + nodes.get(i).id() + "\" needs " + ports.describeInputs()
                            + " but no connection leads to it (a source node takes one input from the request): connect"
                            + " its inputs");
                } else if (ports.maxAudioInputs() == 0 && !ports.acceptsData()) {
                    problems.add(at, types[i].name() + " takes no input, so it cannot be a source");
                }
            } else if (in < ports.minAudioInputs() || in > ports.maxAudioInputs()) {
                List<String> names = new ArrayList<>();
                for (int p : inputs.get(i)) {
                    names.add(nodes.get(p).id());
                }
                problems.add(at, types[i].name() + " \"" + nodes.get(i).id() + "\" takes " + ports.describeInputs()
                        + ", but " + in + (in == 1 ? " connection leads" : " connections lead") + " to it (from " + String.join(", ", names) + ")"
                        + (ports.maxAudioInputs() == 1 ? "; to combine streams put a Mixer before it" : ""));
            }
        }
        if (!problems.isEmpty()) {
            throw PipelineError.validation(problems).toException();
        }
        return build(m, types, params, inputs, inputPorts, inputConnections, outputs, outputPorts);
    }

    private static Integer end(String id, String which, String at, Map<String, Integer> idIndex, Problems problems) {
        if (id == null || id.isEmpty()) {
            problems.add(at + "/" + which, "connection." + which + " is missing: name a node id");
            return null;
        }
        if ("to".equals(which) && id.indexOf('.') > 0 && idIndex.containsKey(id.substring(0, id.indexOf('.')))) {
            problems.add(at + "/to", "connection.to \"" + id + "\" names a port, but inputs have no names: name the"
                    + " node (\"" + id.substring(0, id.indexOf('.')) + "\"); its inputs are taken in connection order");
            return null;
        }
        Integer i = idIndex.get(id);
        if (i == null) {
            problems.add(at + "/" + which, "connection." + which + " names unknown node \"" + id + "\"; nodes: "
                    + String.join(", ", new java.util.TreeSet<>(idIndex.keySet())));
        }
        return i;
    }

    /**
     * A connection's "from": {@code "<id>"} (port 0) or {@code "<id>.<k>"} (port k of a type with
     * several audio outputs; ids cannot contain '.'). Sets {@code port[0]}; null when reported.
     * Whether port k exists depends on the input stream (ChannelSplit: one per channel), so
     * {@link GraphRun} checks its range when it creates the node.
     */
    private static Integer from(String ref, String at, Map<String, Integer> idIndex, NodeType[] types,
                                List<Manifest.Node> nodes, int[] port, Problems problems) {
        port[0] = 0;
        int dot = ref == null ? -1 : ref.indexOf('.');
        if (dot < 0) {
            return end(ref, "from", at, idIndex, problems);
        }
        String id = ref.substring(0, dot);
        String k = ref.substring(dot + 1);
        Integer i = idIndex.get(id);
        if (i == null) {
            problems.add(at + "/from", "connection.from names unknown node \"" + id + "\" (in \"" + ref + "\": \"<id>.<k>\""
                    + " takes output port k of a node with several outputs); nodes: "
                    + String.join(", ", new java.util.TreeSet<>(idIndex.keySet())));
            return null;
        }
        if (k.isEmpty() || k.length() > 9 || !k.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            problems.add(at + "/from", "connection.from \"" + ref + "\": the output port after '.' must be a number"
                    + " (\"" + id + ".0\", \"" + id + ".1\", ...)");
            return null;
        }
        port[0] = Integer.parseInt(k);
        if (port[0] >= MAX_OUTPUT_PORTS) {
            problems.add(at + "/from", "connection.from \"" + ref + "\": output port " + port[0] + " is out of range: a"
                    + " node has at most " + MAX_OUTPUT_PORTS + " output ports (\"" + id + ".0\" .. \"" + id + "."
                    + (MAX_OUTPUT_PORTS - 1) + "\")");
            return null;
        }
        NodeType t = types[i];
        if (t != null && !t.ports().multiAudioOutput()) {
            problems.add(at + "/from", "connection.from \"" + ref + "\" names output port " + port[0] + " of \"" + id
                    + "\" (" + nodes.get(i).nodeType() + "), which has a single audio output: connect \"" + id
                    + "\" (ports \"<id>.<k>\" exist only on types with several outputs, such as ChannelSplit)");
            return null;
        }
        return i;
    }

    /** Strongly connected components of more than one node are cycles; names one loop through each. */
    private static void reportCycles(List<Manifest.Node> nodes, List<List<Integer>> out, Problems problems) {
        int n = nodes.size();
        int[] index = new int[n];
        int[] low = new int[n];
        boolean[] onStack = new boolean[n];
        Arrays.fill(index, -1);
        Deque<Integer> stack = new ArrayDeque<>();
        int[] counter = {0};
        for (int v = 0; v < n; v++) {
            if (index[v] < 0) {
                tarjan(v, out, index, low, onStack, stack, counter, nodes, problems);
            }
        }
    }

    // recursion depth bounded by MAX_NODES
    private static void tarjan(int v, List<List<Integer>> out, int[] index, int[] low, boolean[] onStack,
                               Deque<Integer> stack, int[] counter, List<Manifest.Node> nodes, Problems problems) {
        index[v] = low[v] = counter[0]++;
        stack.push(v);
        onStack[v] = true;
        for (int w : out.get(v)) {
            if (index[w] < 0) {
                tarjan(w, out, index, low, onStack, stack, counter, nodes, problems);
                low[v] = Math.min(low[v], low[w]);
            } else if (onStack[w]) {
                low[v] = Math.min(low[v], index[w]);
            }
        }
        if (low[v] == index[v]) {
            List<Integer> comp = new ArrayList<>();
            int w;
            do {
                w = stack.pop();
                onStack[w] = false;
                comp.add(w);
            } while (w != v);
            if (comp.size() > 1) {
                problems.add("/connections", "cycle: " + loop(comp, out, nodes)
                        + "; a pipeline must be acyclic: remove one of these connections");
            }
        }
    }

    /** A loop through the component's smallest manifest index, as "a -> b -> a". */
    private static String loop(List<Integer> comp, List<List<Integer>> out, List<Manifest.Node> nodes) {
        java.util.Set<Integer> in = new java.util.HashSet<>(comp);
        int start = comp.stream().min(Integer::compare).orElseThrow();
        // BFS from start back to start inside the component
        Map<Integer, Integer> parent = new HashMap<>();
        Deque<Integer> q = new ArrayDeque<>();
        q.add(start);
        int last = -1;
        outer:
        while (!q.isEmpty()) {
            int v = q.poll();
            for (int w : out.get(v)) {
                if (!in.contains(w)) {
                    continue;
                }
                if (w == start) {
                    last = v;
                    break outer;
                }
                if (!parent.containsKey(w)) {
                    parent.put(w, v);
                    q.add(w);
                }
            }
        }
        List<String> path = new ArrayList<>();
        for (int v = last; v != start; v = parent.get(v)) {
            path.add(0, nodes.get(v).id());
        }
        path.add(0, nodes.get(start).id());
        path.add(nodes.get(start).id());
        return String.join(" -> ", path);
    }

    private static CompiledPlan build(Manifest m, NodeType[] types, Params[] params, List<List<Integer>> inputs,
                                      List<List<Integer>> inputPorts, List<List<Integer>> inputConnections,
                                      List<List<Integer>> outputs, List<List<Integer>> outputPorts) {
        int n = types.length;
        int[] indeg = new int[n];
        for (int i = 0; i < n; i++) {
            indeg[i] = inputs.get(i).size();
        }
        // Kahn's algorithm, lowest manifest index first among ready nodes (deterministic)
        java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
        for (int i = 0; i < n; i++) {
            if (indeg[i] == 0) {
                ready.add(i);
            }
        }
        int[] order = new int[n];
        int[] pos = new int[n];
        int k = 0;
        while (!ready.isEmpty()) {
            int v = ready.poll();
            pos[v] = k;
            order[k++] = v;
            for (int w : outputs.get(v)) {
                if (--indeg[w] == 0) {
                    ready.add(w);
                }
            }
        }
        List<CompiledPlan.PlanNode> planNodes = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            int v = order[t];
            int[] in = inputs.get(v).stream().mapToInt(x -> pos[x]).toArray();
            int[] inPorts = inputPorts.get(v).stream().mapToInt(Integer::intValue).toArray();
            int[] inConns = inputConnections.get(v).stream().mapToInt(Integer::intValue).toArray();
            int[] cons = outputs.get(v).stream().mapToInt(x -> pos[x]).toArray();
            int lastReader = Arrays.stream(cons).max().orElse(-1);
            List<Integer> ports = outputPorts.get(v);
            int[] portLast = new int[ports.stream().mapToInt(Integer::intValue).max().orElse(-1) + 1];
            Arrays.fill(portLast, -1);
            for (int c = 0; c < cons.length; c++) {
                portLast[ports.get(c)] = Math.max(portLast[ports.get(c)], cons[c]);
            }
            planNodes.add(new CompiledPlan.PlanNode(t, v, m.nodes().get(v).id(), types[v], params[v], in, inPorts,
                    inConns, cons, lastReader, portLast));
        }
        return new CompiledPlan(m.metadata().name(), planNodes);
    }
}
