package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.service.ExecuteHandler;
import org.remotemedia.transport.InMemoryConnection;

/** The start-up warm-up of the request path: real calls that succeed, on services of its own. */
class ServiceWarmUpTest {
    private static final JsonLog QUIET = JsonLog.silent();

    @Test
    void everyWarmUpCallSucceedsAndStopsAtTheCallCap() {
        // workers and auth on in the daemon's settings: the warm-up's own services run inline, without auth
        ServerConfig cfg = ServerConfig.from(Map.of("execution.dsp_mode", "workers", "auth.tokens", org.remotemedia.auth.TokenSet.entry("t", "secret")));
        ServiceWarmUp.Result r = ServiceWarmUp.run(cfg, PipelineEngine.standard(), 60_000, 40);
        assertEquals(40, r.calls(), "bounded by the call cap, well before the time budget");
        assertEquals(0, r.failed(), "first failure: " + r.firstFailure());
    }

    @Test
    void stopsAtTheTimeBudget() {
        // the budget covers the set-up too; calls stop at it however many the cap would allow
        ServiceWarmUp.Result r = ServiceWarmUp.run(ServerConfig.from(Map.of()), PipelineEngine.standard(), 4_000,
                Integer.MAX_VALUE);
        assertTrue(r.calls() > 0 && r.failed() == 0, r.toString());
        assertTrue(r.millis() >= 4_000 && r.millis() < 20_000, r.toString());
    }

    /** Both warm-up requests are valid pipelines: results with the expected sinks, not in-band errors. */
    @Test
    void theWarmUpRequestsGiveResults() throws Exception {
        ServerConfig cfg = ServerConfig.from(Map.of());
        try (Services s = Services.create(ServiceWarmUp.forWarmUp(cfg), new Metrics(), QUIET);
                InMemoryConnection c = InMemoryConnection.open(cfg.transport(), s.registry, QUIET)) {
            var replies = ServiceWarmUp.requests().stream().map(req -> c.unary(ExecuteHandler.PATH, req.message())).toList();
            for (InMemoryConnection.Reply r : replies) {
                assertEquals(0, r.status());
                assertNull(ServiceWarmUp.resultProblem(r.message()));
            }
            assertEquals(16_000, ExecuteResponse.parseFrom(replies.get(0).message()).getResult()
                    .getAudioOutputsOrThrow("resample").getNumSamples());
            assertTrue(ExecuteResponse.parseFrom(replies.get(1).message()).getResult().containsDataOutputs("vad"));
        }
    }

    /** A daemon whose limits refuse the large request warms up with the small one, without failures. */
    @Test
    void tightLimitsWarmUpWithWhatTheyAdmit() {
        ServiceWarmUp.Result small = ServiceWarmUp.run(ServerConfig.from(Map.of("transport.max_inbound_message_bytes",
                "65536")), PipelineEngine.standard(), 60_000, 20);
        assertEquals(20, small.calls());
        assertEquals(0, small.failed(), "first failure: " + small.firstFailure());
        assertEquals(1, ServiceWarmUp.fitting(ServerConfig.from(Map.of("execution.max_audio_samples", "1000"))).size());
        // the in-memory client sends without waiting for window: a small stream window keeps the small request only
        assertEquals(List.of(441), ServiceWarmUp.fitting(ServerConfig.from(Map.of("transport.initial_window_bytes",
                "65535"))).stream().map(ServiceWarmUp.WarmUpRequest::frames).toList());
        ServiceWarmUp.Result none = ServiceWarmUp.run(ServerConfig.from(Map.of("execution.max_audio_samples", "100")),
                PipelineEngine.standard(), 60_000, 20);
        assertEquals(0, none.calls(), "nothing fits: no calls, no failures");
    }

    @Test
    void anInBandErrorCountsAsAFailure() {
        byte[] bad = org.remotemedia.proto.v1.ExecuteResponse.newBuilder()
                .setError(org.remotemedia.proto.v1.ErrorResponse.newBuilder().setMessage("boom")).build().toByteArray();
        assertEquals("in-band error: boom", ServiceWarmUp.resultProblem(bad));
        assertEquals("no response message", ServiceWarmUp.resultProblem(null));
    }
}
