package org.remotemedia.service;

import java.nio.ByteBuffer;
import java.util.Arrays;
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
 * <p>A plan can also be found by the manifest's encoded bytes ({@link #byEncoding}), before the
 * request is parsed: equal bytes parse to equal manifests, so ExecuteHandler skips protobuf's
 * parse of a manifest it has seen. Those keys are copies of the bytes, at most
 * {@link #ENCODED_KEY_MAX_BYTES} each, and leave with the plans.
 *
 * <p>Thread-safe: event loops and DSP workers share one cache.
 */
public final class PlanCache {
    public static final int MAX_ENTRIES = 256;
    /** What the cached plans' spare node instances may hold together (NodeSpares). */
    public static final long SPARE_NODE_BYTES = 32L << 20;
    /** Longer encodings are not kept as keys (256 of them could be large; their parse is not what such a call costs). */
    public static final int ENCODED_KEY_MAX_BYTES = 16 * 1024;

    private final PipelineEngine engine;
    private final ConcurrentHashMap<Object, CompiledPlan> plans = new ConcurrentHashMap<>();
    private final NodeSpares.Budget spareNodes = new NodeSpares.Budget(SPARE_NODE_BYTES);
    private final ConcurrentHashMap<Object, CompiledPlan> byEncoding = new ConcurrentHashMap<>();

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
                byEncoding.clear();
            }
            plan.keepSpareNodes(spareNodes);
            plans.put(proto ? detached(manifest) : key, plan);
        }
        return plan;
    }

    /**
     * The cached plan of the manifest encoded at {@code [offset, offset + length)} of {@code b}
     * ({@code field} 1: a PipelineManifest message, 6: manifest_json text), or null when those
     * bytes were not {@link #rememberEncoding remembered}. Reads {@code b} with absolute gets only.
     */
    public CompiledPlan byEncoding(int field, ByteBuffer b, int offset, int length) {
        if (length > ENCODED_KEY_MAX_BYTES) {
            return null;
        }
        return byEncoding.get(new EncodingProbe(field, b, offset, length));
    }

    /**
     * Lets {@link #byEncoding} find {@code plan}, which this cache returned for the manifest
     * encoded at those bytes. Ignored when the plan has left the cache since (it must not come
     * back through a key the cache no longer clears) or the encoding is too long.
     */
    public void rememberEncoding(int field, ByteBuffer b, int offset, int length, CompiledPlan plan) {
        if (length > ENCODED_KEY_MAX_BYTES) {
            return;
        }
        byte[] copy = new byte[length];
        b.get(offset, copy);
        synchronized (this) {
            if (!plans.containsValue(plan)) {
                return;
            }
            if (byEncoding.size() >= MAX_ENTRIES) { // other encodings of the same manifests; start over
                byEncoding.clear();
            }
            byEncoding.put(new EncodedManifest(field, copy), plan);
        }
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

    /** Hash of a manifest's encoding; the same for a key and for a probe of the same bytes. */
    private static int hash(int field, ByteBuffer b, int offset, int length) {
        int h = field;
        for (int i = 0; i < length; i++) {
            h = 31 * h + b.get(offset + i);
        }
        return h;
    }

    /** A remembered encoding (a copy, owned by the cache). */
    private static final class EncodedManifest {
        final int field;
        final byte[] bytes;
        final int hash;

        EncodedManifest(int field, byte[] bytes) {
            this.field = field;
            this.bytes = bytes;
            this.hash = PlanCache.hash(field, ByteBuffer.wrap(bytes), 0, bytes.length);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EncodedManifest k && k.field == field && Arrays.equals(k.bytes, bytes);
        }
    }

    /**
     * A request's encoding looked up in place. ConcurrentHashMap.get calls the probe's equals with
     * the stored key, so nothing is copied; a probe is never stored.
     */
    private static final class EncodingProbe {
        final int field;
        final ByteBuffer b;
        final int offset;
        final int length;

        EncodingProbe(int field, ByteBuffer b, int offset, int length) {
            this.field = field;
            this.b = b;
            this.offset = offset;
            this.length = length;
        }

        @Override
        public int hashCode() {
            return hash(field, b, offset, length);
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof EncodedManifest k) || k.field != field || k.bytes.length != length) {
                return false;
            }
            for (int i = 0; i < length; i++) {
                if (k.bytes[i] != b.get(offset + i)) {
                    return false;
                }
            }
            return true;
        }
    }
}
