package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
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
}
