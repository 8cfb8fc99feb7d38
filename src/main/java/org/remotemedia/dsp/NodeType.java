package org.remotemedia.dsp;

import java.util.List;

/**
 * A kind of node a manifest may name: its parameters, ports, documentation and examples, and
 * the factory of running {@link Node}s. Immutable and thread-safe; one instance per type in
 * the {@link NodeRegistry}.
 *
 * <p>How to write, register, test and benchmark one: docs/node-spi.md.
 */
public abstract class NodeType {
    private final String name;
    private final String summary;
    private final ParamSchema params;
    private final Ports ports;

    protected NodeType(String name, String summary, ParamSchema params, Ports ports) {
        this.name = name;
        this.summary = summary;
        this.params = params;
        this.ports = ports;
    }

    /** The name a manifest uses (node_type). */
    public final String name() {
        return name;
    }

    /** The type this name stands for (itself, or the target of an alias). */
    public String canonicalName() {
        return name;
    }

    public final String summary() {
        return summary;
    }

    public final ParamSchema params() {
        return params;
    }

    public final Ports ports() {
        return ports;
    }

    /** Streaming latency in words, for docs/nodes.md (e.g. "0", "hangover + min speech"). */
    public abstract String latencyDoc();

    /** Configurations for the generic tests; at least one. */
    public abstract List<NodeExample> examples();

    /**
     * Cross-parameter checks once the schema has passed (e.g. "give gain or gain_db, not
     * both"), reported at {@code /params/...} under {@code problems}. Inputs are not known yet.
     */
    public void checkParams(Params p, Problems problems) {
    }

    /**
     * Warms up what this type's examples do not reach, once at start-up before the engine runs
     * the examples (AudioResample: the resampler's kernels for every ratio shape and format, until
     * the JIT has compiled them). Returns a figure of the work done, which keeps it from being
     * optimized away; 0, the default, when there is nothing beyond the examples. Any thread.
     */
    public long warmUp() {
        return 0;
    }

    /**
     * A running node for these input streams (one per audio input, in connection order). When
     * the streams do not suit this type (rates differ, a declared rate does not match), adds a
     * problem (path "" for the node, or /params/x) and returns null.
     */
    public abstract Node create(Params p, List<AudioSpec> inputs, Problems problems);

    /** An alias with the same params and behaviour (e.g. Echo for PassThrough). */
    public static NodeType alias(String aliasName, NodeType target) {
        return new AliasNodeType(aliasName, target, target.params(), null, target.examples());
    }

    /** An alias with its own params, translated to the target's at creation. */
    public static NodeType alias(String aliasName, NodeType target, ParamSchema aliasParams,
                                 AliasNodeType.Translator translator, List<NodeExample> examples) {
        return new AliasNodeType(aliasName, target, aliasParams, translator, examples);
    }
}
