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

    @Test
    void boundedByStartingOver() throws Exception {
        PlanCache cache = new PlanCache(PipelineEngine.standard());
        for (int i = 0; i < PlanCache.MAX_ENTRIES + 10; i++) {
            cache.compile(Kit.manifest("m" + i, Kit.node("g", "Gain", "{\"gain_db\": 0}")), "");
        }
        assertTrue(cache.size() <= PlanCache.MAX_ENTRIES, "size " + cache.size());
    }
}
