package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.PipelineException;
import org.remotemedia.proto.v1.PipelineManifest;

class PlanCacheTest {
    @Test
    void equalManifestsShareOnePlanDifferentOnesDoNot() throws Exception {
        PlanCache cache = new PlanCache(PipelineEngine.standard());
        CompiledPlan a = cache.compile(Kit.resample16k(), "");
        CompiledPlan b = cache.compile(PipelineManifest.parseFrom(Kit.resample16k().toByteArray()), "");
        assertSame(a, b, "equal by value: one plan");
        CompiledPlan c = cache.compile(Kit.resampleVad(), "");
        assertNotSame(a, c);
        String json = "{\"version\":\"v1\",\"metadata\":{\"name\":\"j\"},\"nodes\":[{\"id\":\"r\",\"node_type\":\"Gain\","
                + "\"params\":{\"gain_db\":-6}}]}";
        assertSame(cache.compile(null, json), cache.compile(null, new String(json.toCharArray())));
        assertEquals(3, cache.size());
    }

    @Test
    void invalidManifestsAreNotCachedAndKeepTheirDiagnostics() {
        PlanCache cache = new PlanCache(PipelineEngine.standard());
        PipelineManifest bad = Kit.manifest("bad", Kit.node("r", "AudioResample", "{\"target_sample_rate\": 5}"));
        for (int i = 0; i < 2; i++) {
            PipelineException e = assertThrows(PipelineException.class, () -> cache.compile(bad, ""));
            assertTrue(e.getMessage().contains("/nodes/0/params/target_sample_rate"), e.getMessage());
        }
        assertEquals(0, cache.size());
        assertThrows(PipelineException.class, () -> cache.compile(Kit.resample16k(), "{}"), "both forms");
        assertThrows(PipelineException.class, () -> cache.compile(null, ""), "neither");
    }

    /** A manifest parsed with aliasing keeps unknown fields as views of the request's buffer: the cache must not. */
    @Test
    void theCachedKeyDoesNotAliasTheRequestBuffer() throws Exception {
        com.google.protobuf.ByteString unknown = com.google.protobuf.ByteString.copyFromUtf8("from a newer client");
        byte[] wire = Kit.resample16k().toBuilder().setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder().addLengthDelimited(unknown).build())
                .build()).build().toByteArray();
        java.nio.ByteBuffer network = java.nio.ByteBuffer.allocateDirect(wire.length).put(wire).flip();
        // as ProtoCodec parses a request: an immutable view of the network buffer, aliasing on
        com.google.protobuf.CodedInputStream in = com.google.protobuf.UnsafeByteOperations.unsafeWrap(network)
                .newCodedInput();
        in.enableAliasing(true);
        PipelineManifest aliased = PipelineManifest.parseFrom(in);
        PlanCache cache = new PlanCache(PipelineEngine.standard());
        CompiledPlan first = cache.compile(aliased, "");
        for (int i = 0; i < network.capacity(); i++) {
            network.put(i, (byte) 0x5a); // the network buffer is reused for other bytes
        }
        assertSame(first, cache.compile(PipelineManifest.parseFrom(wire), ""), "the key kept its own bytes");
    }

    @Test
    void boundedByStartingOver() throws Exception {
        PlanCache cache = new PlanCache(PipelineEngine.standard());
        for (int i = 0; i < PlanCache.MAX_ENTRIES + 10; i++) {
            cache.compile(Kit.manifest("m" + i, Kit.node("g", "Gain", "{\"gain_db\": 0}")), "");
        }
        assertTrue(cache.size() <= PlanCache.MAX_ENTRIES, "size " + cache.size());
    }

    /** byEncoding: found by the manifest's bytes once remembered; other bytes, other kinds, and evicted plans are not. */
    @Test
    void aPlanIsFoundByItsManifestsBytesOnceRemembered() throws Exception {
        PlanCache cache = new PlanCache(PipelineEngine.standard());
        byte[] wire = Kit.resample16k().toByteArray();
        java.nio.ByteBuffer network = java.nio.ByteBuffer.allocateDirect(wire.length + 7);
        network.position(7);
        network.put(wire);
        assertNull(cache.byEncoding(1, network, 7, wire.length), "not remembered yet");
        CompiledPlan plan = cache.compile(PipelineManifest.parseFrom(wire), "");
        cache.rememberEncoding(1, network, 7, wire.length, plan);
        for (int i = 0; i < network.capacity(); i++) {
            network.put(i, (byte) 0x5a); // the network buffer is reused: the key kept its own copy
        }
        assertNull(cache.byEncoding(1, network, 7, wire.length));
        java.nio.ByteBuffer again = java.nio.ByteBuffer.wrap(wire);
        assertSame(plan, cache.byEncoding(1, again, 0, wire.length));
        assertNull(cache.byEncoding(6, again, 0, wire.length), "the same bytes as manifest_json text are another key");
        assertNull(cache.byEncoding(1, again, 0, wire.length - 1));
        byte[] changed = wire.clone();
        changed[changed.length - 1] ^= 1;
        assertNull(cache.byEncoding(1, java.nio.ByteBuffer.wrap(changed), 0, changed.length));

        // a plan that is not (or no longer) in the cache is not remembered; eviction forgets encodings
        CompiledPlan stranger = PipelineEngine.standard().compile(ProtoConvert.manifest(Kit.resampleVad()));
        byte[] other = Kit.resampleVad().toByteArray();
        cache.rememberEncoding(1, java.nio.ByteBuffer.wrap(other), 0, other.length, stranger);
        assertNull(cache.byEncoding(1, java.nio.ByteBuffer.wrap(other), 0, other.length));
        for (int i = 0; i < PlanCache.MAX_ENTRIES + 1; i++) {
            cache.compile(Kit.manifest("m" + i, Kit.node("g", "Gain", "{\"gain_db\": 0}")), "");
        }
        assertNull(cache.byEncoding(1, again, 0, wire.length), "evicted with its plan");
    }

    @Test
    void longEncodingsAreNotKept() throws Exception {
        PlanCache cache = new PlanCache(PipelineEngine.standard());
        CompiledPlan plan = cache.compile(Kit.resample16k(), "");
        java.nio.ByteBuffer big = java.nio.ByteBuffer.allocate(PlanCache.ENCODED_KEY_MAX_BYTES + 1);
        cache.rememberEncoding(1, big, 0, big.capacity(), plan);
        assertNull(cache.byEncoding(1, big, 0, big.capacity()));
    }
}
