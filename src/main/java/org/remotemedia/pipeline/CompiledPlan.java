package org.remotemedia.pipeline;

import java.util.List;
import java.util.Map;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.Params;

/**
 * A validated manifest compiled once: nodes in topological order with their types and typed
 * params, inputs in connection order, consumers, the last reader of each node's output (when
 * its buffer goes back to the pool), sources (no incoming connection: they take the request's
 * audio / data inputs by node id) and sinks (no outgoing connection: their audio is the
 * output). Immutable and thread-safe: one plan may serve many executions and sessions. The one
 * mutable part, the node instances kept between executions ({@link NodeSpares}), is thread-safe
 * and off unless a plan cache turns it on.
 */
public final class CompiledPlan {

    /**
     * One node of the plan. {@code index} is its position in topological order. Input j comes
     * from node {@code inputs[j]}'s output port {@code inputPorts[j]} (0 unless the connection
     * named {@code "<id>.<k>"}), through manifest connection {@code inputConnections[j]}.
     * {@code portLastReaders[k]} is the last node (topological index) to read port k, or -1 when
     * no connection takes it; {@code lastReader} is the last reader of any port.
     */
    public record PlanNode(int index, int manifestIndex, String id, NodeType type, Params params, int[] inputs,
                           int[] inputPorts, int[] inputConnections, int[] consumers, int lastReader,
                           int[] portLastReaders) {

        public boolean isSource() {
            return inputs.length == 0;
        }

        public boolean isSink() {
            return consumers.length == 0;
        }

        /** JSON pointer of this node in the manifest. */
        public String path() {
            return "/nodes/" + manifestIndex;
        }

        /** The last reader of output port {@code port}, or -1 when no connection takes it. */
        public int lastReader(int port) {
            return port < portLastReaders.length ? portLastReaders[port] : -1;
        }

        /** Whether this type names its outputs by port ({@code "<id>.<k>"}): ChannelSplit. */
        public boolean multiOutput() {
            return type.ports().multiAudioOutput();
        }

        /**
         * The key of output port {@code port} among a run's outputs: the node id, or
         * {@code "<id>.<port>"} for every port of a multi-output type (even when it has one).
         */
        public String outputKey(int port) {
            return multiOutput() ? id + "." + port : id;
        }
    }

    private final String name;
    private final List<PlanNode> nodes;
    private final Map<String, PlanNode> byId;
    private final List<PlanNode> sources;
    private final List<PlanNode> sinks;
    private final NodeSpares spares;

    CompiledPlan(String name, List<PlanNode> nodes) {
        this.name = name;
        this.nodes = List.copyOf(nodes);
        java.util.LinkedHashMap<String, PlanNode> m = new java.util.LinkedHashMap<>();
        for (PlanNode n : nodes) {
            m.put(n.id(), n);
        }
        this.byId = java.util.Collections.unmodifiableMap(m);
        this.sources = nodes.stream().filter(PlanNode::isSource).toList();
        this.sinks = nodes.stream().filter(PlanNode::isSink).toList();
        this.spares = new NodeSpares(this.nodes.size());
    }

    /** Keeps node instances between executions of this plan, within {@code budget} (a plan cache's). */
    public void keepSpareNodes(NodeSpares.Budget budget) {
        spares.keep(budget);
    }

    /** Stops keeping node instances and lets go of those kept (the plan left its cache). */
    public void dropSpareNodes() {
        spares.drop();
    }

    NodeSpares spares() {
        return spares;
    }

    /** metadata.name of the manifest. */
    public String name() {
        return name;
    }

    /** Nodes in topological order (producers before consumers; manifest order among equals). */
    public List<PlanNode> nodes() {
        return nodes;
    }

    public PlanNode node(String id) {
        return byId.get(id);
    }

    public List<PlanNode> sources() {
        return sources;
    }

    public List<PlanNode> sinks() {
        return sinks;
    }

    public int size() {
        return nodes.size();
    }
}
