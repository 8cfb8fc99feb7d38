package org.remotemedia.dsp;

import java.util.List;

/**
 * Another name for a node type (the seed's names: RustResampleNode, Echo, ...), optionally
 * with its own parameter names, translated to the target's. Immutable.
 */
public final class AliasNodeType extends NodeType {
    /** Maps the alias's params (and the actual inputs) to the target's params; reports problems, null if any. */
    @FunctionalInterface
    public interface Translator {
        Params translate(Params aliasParams, List<AudioSpec> inputs, Problems problems);
    }

    private final NodeType target;
    private final Translator translator;
    private final List<NodeExample> examples;

    AliasNodeType(String name, NodeType target, ParamSchema params, Translator translator, List<NodeExample> examples) {
        super(name, target.summary() + " (alias of " + target.name() + ")", params, target.ports());
        this.target = target;
        this.translator = translator;
        this.examples = List.copyOf(examples);
    }

    public NodeType target() {
        return target;
    }

    @Override
    public String canonicalName() {
        return target.canonicalName();
    }

    @Override
    public String latencyDoc() {
        return target.latencyDoc();
    }

    @Override
    public List<NodeExample> examples() {
        return examples;
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        if (translator == null) {
            target.checkParams(p, problems);
        }
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        Params t = p;
        if (translator != null) {
            int before = problems.size();
            t = translator.translate(p, inputs, problems);
            if (t == null || problems.size() > before) {
                return null;
            }
            target.checkParams(t, problems);
            if (problems.size() > before) {
                return null;
            }
        }
        return target.create(t, inputs, problems);
    }
}
