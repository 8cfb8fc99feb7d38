package org.remotemedia.service;

import java.util.concurrent.ConcurrentHashMap;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.NodeSpares;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.PipelineException;
import org.remotemedia.proto.v1.PipelineManifest;

/**
 * Compiled plans of manifests seen before: clients tend to send the same manifest with every
 * call, and a plan is immutable and shareable (CompiledPlan), so validation and compilation run
 * once per distinct manifest. Keys are the parsed PipelineManifest message (equality by value)
 * or the manifest_json text. A request's manifest may hold views of its network buffer (unknown
 * fields from a newer client are parsed as aliased bytes), so the cache stores a detached copy,
 * made once per miss, never the request's own message. Only valid
 * manifests are cached; an invalid one is compiled (and rejected) every time, with the same
 * diagnostics. Bounded: past {@link #MAX_ENTRIES} distinct manifests the cache starts over.
 * A cached plan keeps its node instances between executions ({@link NodeSpares}), all plans
 * together within {@link #SPARE_NODE_BYTES}; a plan that leaves the cache lets go of them.
 *
 * <p>Thread-safe: event loops and DSP workers share one cache.
 */
public final class PlanCache {
    public static final int MAX_ENTRIES = 256;
    /** What the cached plans' spare node instances may hold together (NodeSpares). */
    public static final long SPARE_NODE_BYTES = 32L << 20;

    private final PipelineEngine engine;
    private final ConcurrentHashMap<Object, CompiledPlan> plans = new ConcurrentHashMap<>();
    private final NodeSpares.Budget spareNodes = new NodeSpares.Budget(SPARE_NODE_BYTES);

    public PlanCache(PipelineEngine engine) {
        this.engine = engine;
    }

    /** As {@link ProtoConvert#compile}, from the cache when this manifest was compiled before. */
    public CompiledPlan compile(PipelineManifest manifest, String manifestJson) throws PipelineException {
        boolean proto = manifest != null;
        boolean json = manifestJson != null && !manifestJson.isEmpty();
        if (proto == json) { // both or neither: the shared checks give the error
            return ProtoConvert.compile(engine, manifest, manifestJson);
        }
        Object key = proto ? manifest : manifestJson;
        CompiledPlan plan = plans.get(key);
        if (plan != null) {
            return plan;
        }
        plan = ProtoConvert.compile(engine, manifest, manifestJson);
        synchronized (this) { // misses only: a plan keeps spare nodes only while it is in the map
            CompiledPlan raced = plans.get(key);
            if (raced != null) {
                return raced;
            }
            if (plans.size() >= MAX_ENTRIES) {
                plans.values().forEach(CompiledPlan::dropSpareNodes);
                plans.clear();
            }
            plan.keepSpareNodes(spareNodes);
            plans.put(proto ? detached(manifest) : key, plan);
        }
        return plan;
    }

    /** Bytes the cached plans' spare node instances hold now. */
    public long spareNodeBytes() {
        return spareNodes.usedBytes();
    }

    /** The same message with nothing aliased to the request's buffers. */
    private static PipelineManifest detached(PipelineManifest m) {
        try {
            return PipelineManifest.parseFrom(m.toByteString());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("a manifest that was just parsed must parse again", e);
        }
    }

    public int size() {
        return plans.size();
    }
}
