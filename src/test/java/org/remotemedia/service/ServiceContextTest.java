package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.service.stream.StreamingService;

class ServiceContextTest {
    /** ExecutePipeline and StreamPipeline share one "first occurrence": one info line per server. */
    @Test
    void emptyClientVersionIsLoggedAtInfoOncePerServerThenAtDebug() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ServiceContext ctx = ServiceContext.builder().engine(PipelineEngine.standard())
                .metrics(new ServiceMetrics(new Metrics()))
                .log(new JsonLog(new PrintStream(out, true, StandardCharsets.UTF_8), JsonLog.Level.DEBUG))
                .conclude();
        ctx.emptyClientVersion("r1", ExecuteHandler.PATH);
        ctx.emptyClientVersion("r2", StreamingService.PATH);
        ctx.emptyClientVersion("r3", ExecuteHandler.PATH);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("\"level\":\"info\"") && lines.get(0).contains("\"request_id\":\"r1\"")
                && lines.get(0).contains("\"event\":\"empty_client_version\""), lines.get(0));
        for (String later : lines.subList(1, 3)) {
            assertTrue(later.contains("\"level\":\"debug\"") && later.contains("empty_client_version"), later);
        }
    }
}
