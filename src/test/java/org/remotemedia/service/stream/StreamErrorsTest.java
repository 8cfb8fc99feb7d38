package org.remotemedia.service.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.rpc.BadRequest;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ErrorType;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamErrorType;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse.ResponseCase;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.FaultyNodeType;
import org.remotemedia.testkit.LeakCheck;
import org.remotemedia.testkit.RawBytes;

/**
 * Every stream error a client can provoke, through grpc-java's stub against the real daemon:
 * INIT_REQUIRED, INVALID_SEQUENCE (StreamPipelineTest), TIMEOUT, EXECUTION (a failing node, a bad
 * chunk), init failures reported exactly as ExecutePipeline reports them, and the gRPC statuses of
 * the stream (max sessions, admission, an undecodable message, the deadline). Each one releases the
 * session.
 */
@ExtendWith(LeakCheck.class)
class StreamErrorsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RATE = 16_000;

    @Test
    void aChunkBeforeInitIsInitRequired() throws Exception {
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.chunk(7, "resample", StreamClient.f32(new float[160], 0, 160, RATE)));
            ErrorResponse e = c.next(ResponseCase.ERROR).getError();
            JsonNode ctx = StreamPipelineTest.streamError(e, "STREAM_ERROR_INIT_REQUIRED", 7, null);
            assertEquals("audio_chunk", ctx.get("received").asText());
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, e.getErrorType());
            assertTrue(e.getMessage().contains("first message of a stream must be init"), e.getMessage());
            assertTrue(c.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    @Test
    void aStreamWithoutAnyMessageIsInitRequired() throws Exception {
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            c.requests().onCompleted();
            StreamPipelineTest.streamError(c.next(ResponseCase.ERROR).getError(), "STREAM_ERROR_INIT_REQUIRED", 0, null);
            assertTrue(c.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    /** streaming.idle_timeout_ms: TIMEOUT with the next expected sequence, then OK; before and after init. */
    @Test
    void idleSessionsTimeOut() throws Exception {
        // long enough that init, READY and chunk 0 always fit in it on a loaded machine
        try (TestDaemon d = TestDaemon.start("streaming.idle_timeout_ms", "1500");
             StreamClient c = new StreamClient(d.channel()); StreamClient silent = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.resample16k()));
            String id = c.next(ResponseCase.READY).getReady().getSessionId();
            long t0 = System.nanoTime(); // before the chunk: the server's idle clock restarts after it arrives
            c.send(StreamClient.chunk(0, "resample", StreamClient.f32(new float[1600], 0, 1600, RATE)));
            c.next(ResponseCase.RESULT);
            ErrorResponse e = c.next(ResponseCase.ERROR).getError();
            long waitedMs = (System.nanoTime() - t0) / 1_000_000;
            JsonNode ctx = StreamPipelineTest.streamError(e, "STREAM_ERROR_TIMEOUT", 1, id);
            assertEquals("streaming.idle_timeout_ms", ctx.get("limit").asText());
            assertEquals(ErrorType.ERROR_TYPE_RESOURCE_LIMIT, e.getErrorType());
            assertTrue(e.getMessage().contains("no message for 1500 ms"), e.getMessage());
            assertTrue(waitedMs >= 1500, "not before the idle time: " + waitedMs);
            assertTrue(c.end().status().isOk());
            // a stream that never sends its init times out the same way
            StreamPipelineTest.streamError(silent.next(ResponseCase.ERROR).getError(), "STREAM_ERROR_TIMEOUT", 0, null);
            assertTrue(silent.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    /** A node failing mid-stream: EXECUTION with NODE_EXECUTION and the failing node, then the call ends OK. */
    @Test
    void aFailingNodeEndsTheSessionWithExecution() throws Exception {
        PipelineManifest m = StreamClient.manifest("fails", StreamClient.node("boom", FaultyNodeType.NAME,
                "{\"fail_after\": 4000}"));
        try (TestDaemon d = TestDaemon.start(FaultyNodeType.registry()); StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(m));
            String id = c.next(ResponseCase.READY).getReady().getSessionId();
            for (int i = 0; i < 2; i++) {
                c.send(StreamClient.chunk(i, "boom", StreamClient.f32(new float[1600], 0, 1600, RATE)));
                assertEquals(i, c.next(ResponseCase.RESULT).getResult().getSequence());
            }
            c.send(StreamClient.chunk(2, "boom", StreamClient.f32(new float[1600], 0, 1600, RATE)));
            ErrorResponse e = c.next(ResponseCase.ERROR).getError();
            JsonNode ctx = StreamPipelineTest.streamError(e, "STREAM_ERROR_EXECUTION", 2, id);
            assertEquals(ErrorType.ERROR_TYPE_NODE_EXECUTION, e.getErrorType());
            assertEquals("boom", e.getFailingNodeId());
            assertTrue(e.getMessage().contains("sample budget of 4000 exhausted"), e.getMessage());
            assertEquals("session_ended", ctx.get("action").asText());
            assertTrue(c.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    /** A bad chunk (NaN sample, unknown source node): EXECUTION with VALIDATION and a path; dropped, the session goes on. */
    @Test
    void badChunksAreDroppedAndTheSessionGoesOn() throws Exception {
        float[] nan = new float[1600];
        nan[123] = Float.NaN;
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.manifest("p", StreamClient.node("p", "PassThrough", "{}"))));
            String id = c.next(ResponseCase.READY).getReady().getSessionId();
            c.send(StreamClient.chunk(0, "p", StreamClient.f32(nan, 0, 1600, RATE)));
            ErrorResponse e = c.next(ResponseCase.ERROR).getError();
            JsonNode ctx = StreamPipelineTest.streamError(e, "STREAM_ERROR_EXECUTION", 0, id);
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, e.getErrorType());
            assertEquals("/buffer/samples", ctx.get("problems").get(0).get("path").asText());
            assertTrue(e.getMessage().contains("sample 123") && e.getMessage().contains("finite"), e.getMessage());
            assertEquals("dropped", ctx.get("action").asText());

            c.send(StreamClient.chunk(1, "nope", StreamClient.f32(new float[1600], 0, 1600, RATE)));
            ErrorResponse e2 = c.next(ResponseCase.ERROR).getError();
            JsonNode ctx2 = StreamPipelineTest.streamError(e2, "STREAM_ERROR_EXECUTION", 1, id);
            assertEquals("/node_id", ctx2.get("problems").get(0).get("path").asText());
            assertTrue(e2.getMessage().contains("unknown node \"nope\"") && e2.getMessage().contains("source nodes: p"),
                    e2.getMessage());

            c.send(StreamClient.chunk(2, "p", StreamClient.f32(new float[1600], 0, 1600, RATE)));
            var r = c.next(ResponseCase.RESULT).getResult();
            assertEquals(2, r.getSequence());
            assertEquals(1600, r.getTotalSamplesProcessed());
            c.send(StreamClient.closeCommand());
            c.next(ResponseCase.CLOSED); // 16 kHz in, 16 kHz out: no tail, so no flush result
            assertTrue(c.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    /** An invalid manifest in init gets exactly ExecutePipeline's error; then the call ends OK. */
    @Test
    void initValidationMatchesExecutePipeline() throws Exception {
        PipelineManifest bad = StreamClient.manifest("bad", StreamClient.node("r", "AudioResampel", "{}"),
                StreamClient.node("v", "VAD", "{\"frame_duration_ms\": -3}"));
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            ExecuteResponse ex = PipelineExecutionServiceGrpc.newBlockingStub(d.channel())
                    .executePipeline(ExecuteRequest.newBuilder().setManifest(bad).setClientVersion("v1")
                            .putAudioInputs("r", StreamClient.f32(new float[16], 0, 16, RATE)).build());
            assertTrue(ex.hasError());
            c.send(StreamClient.init(bad));
            ErrorResponse e = c.next(ResponseCase.ERROR).getError();
            JsonNode ctx = StreamPipelineTest.streamError(e, "STREAM_ERROR_UNSPECIFIED", 0, null);
            assertEquals(ex.getError().getErrorType(), e.getErrorType());
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, e.getErrorType());
            assertEquals(ex.getError().getMessage(), e.getMessage());
            assertTrue(e.getMessage().contains("did you mean") || e.getMessage().contains("AudioResample"), e.getMessage());
            assertEquals(JSON.readTree(ex.getError().getContext()).get("problems"), ctx.get("problems"));
            assertTrue(c.end().status().isOk());
        }
        try (TestDaemon d = TestDaemon.start(); StreamClient both = new StreamClient(d.channel());
             StreamClient json = new StreamClient(d.channel())) {
            both.send(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifest(StreamClient.resample16k())
                    .setManifestJson("{}")).build());
            ErrorResponse e = both.next(ResponseCase.ERROR).getError();
            assertTrue(e.getMessage().contains("both manifest and manifest_json"), e.getMessage());
            assertTrue(both.end().status().isOk());

            json.send(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifestJson("""
                    {"version": "v1", "metadata": {"name": "json"},
                     "nodes": [{"id": "r", "node_type": "AudioResample", "params": {"target_sample_rate": 8000}}]}""")
                    ).build());
            json.next(ResponseCase.READY);
            json.send(StreamClient.chunk(0, "r", StreamClient.f32(new float[1600], 0, 1600, RATE)));
            assertEquals(0, json.next(ResponseCase.RESULT).getResult().getSequence());
            json.send(StreamClient.closeCommand());
            AudioBuffer tail = json.next(ResponseCase.RESULT).getResult().getAudioOutputsOrThrow("r");
            assertEquals(8000, tail.getSampleRate());
            json.next(ResponseCase.CLOSED);
            assertTrue(json.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    @Test
    void unsupportedClientVersionIsVersionMismatch() throws Exception {
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifest(StreamClient.resample16k())
                    .setClientVersion("v9")).build());
            ErrorResponse e = c.next(ResponseCase.ERROR).getError();
            JsonNode ctx = StreamPipelineTest.streamError(e, "STREAM_ERROR_UNSPECIFIED", 0, null);
            assertEquals(ErrorType.ERROR_TYPE_VERSION_MISMATCH, e.getErrorType());
            assertEquals("v9", ctx.get("client_version").asText());
            assertTrue(ctx.get("supported_versions").toString().contains("v1"), ctx.toString());
            assertTrue(c.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    /** Unknown commands and empty requests are reported and ignored; a second init too. */
    @Test
    void unknownCommandsAndSecondInitAreIgnored() throws Exception {
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.resample16k()));
            c.next(ResponseCase.READY);
            c.send(StreamClient.control(StreamControl.Command.COMMAND_UNSPECIFIED));
            assertTrue(c.next(ResponseCase.ERROR).getError().getMessage().contains("COMMAND_CLOSE"));
            c.send(StreamRequest.getDefaultInstance());
            assertTrue(c.next(ResponseCase.ERROR).getError().getMessage().contains("empty StreamRequest"));
            c.send(StreamClient.init(StreamClient.resampleVad()));
            assertTrue(c.next(ResponseCase.ERROR).getError().getMessage().contains("second init"));
            c.send(StreamClient.chunk(0, "resample", StreamClient.f32(new float[1600], 0, 1600, RATE)));
            assertEquals(0, c.next(ResponseCase.RESULT).getResult().getSequence());
            c.send(StreamClient.closeCommand());
            c.next(ResponseCase.CLOSED); // 16 kHz in, 16 kHz out: no tail, so no flush result
            assertTrue(c.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    /** streaming.max_sessions with no queue: UNAVAILABLE with RetryInfo beyond it; a slot frees when a session ends. */
    @Test
    void maxSessionsIsUnavailableWithRetryInfo() throws Exception {
        try (TestDaemon d = TestDaemon.start("streaming.max_sessions", "2", "limits.max_queued_sessions", "0");
             StreamClient a = new StreamClient(d.channel()); StreamClient b = new StreamClient(d.channel())) {
            a.send(StreamClient.init(StreamClient.resample16k()));
            a.next(ResponseCase.READY);
            b.send(StreamClient.init(StreamClient.resample16k()));
            b.next(ResponseCase.READY);
            try (StreamClient third = new StreamClient(d.channel())) {
                third.send(StreamClient.init(StreamClient.resample16k()));
                StreamClient.End end = third.end();
                assertEquals(Status.Code.UNAVAILABLE, end.status().getCode());
                assertTrue(end.status().getDescription().contains("streaming.max_sessions = 2"),
                        end.status().getDescription());
                com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(end.status(), end.trailers());
                assertTrue(details.getDetailsList().stream().anyMatch(x -> x.is(RetryInfo.class)), details.toString());
            }
            a.send(StreamClient.cancel());
            a.next(ResponseCase.CLOSED);
            assertTrue(a.end().status().isOk());
            Await.until(() -> d.limits().sessionsInFlight() == 1, () -> "session slot not returned");
            try (StreamClient again = new StreamClient(d.channel())) {
                again.send(StreamClient.init(StreamClient.resample16k()));
                again.next(ResponseCase.READY);
            }
        }
    }

    /** Beyond streaming.max_sessions a session waits in the queue, reading nothing, and starts when a slot frees. */
    @Test
    void aSessionBeyondTheCapWaitsForASlot() throws Exception {
        try (TestDaemon d = TestDaemon.start("streaming.max_sessions", "1", "limits.max_queue_wait_ms", "60000");
             StreamClient a = new StreamClient(d.channel()); StreamClient b = new StreamClient(d.channel())) {
            a.send(StreamClient.init(StreamClient.resample16k()));
            a.next(ResponseCase.READY);
            b.send(StreamClient.init(StreamClient.resample16k()));
            Await.until(() -> metric(d, "remotemedia_limits_queued{workload=\"session\"}") == 1,
                    () -> "the second session is not queued");
            a.send(StreamClient.closeCommand());
            a.next(ResponseCase.CLOSED);
            assertTrue(a.end().status().isOk());
            b.next(ResponseCase.READY); // admitted from the queue once the first ended
            b.send(StreamClient.closeCommand());
            b.next(ResponseCase.CLOSED);
            assertTrue(b.end().status().isOk());
            Await.until(() -> d.limits().sessionsInFlight() == 0, () -> "session slot not returned");
        }
    }

    /** Sessions and executions have caps of their own: open sessions never take an ExecutePipeline slot. */
    @Test
    void sessionsDoNotTakeExecutionSlots() throws Exception {
        try (TestDaemon d = TestDaemon.start("execution.max_concurrent_executions", "1",
                "limits.max_queued_executions", "0");
             StreamClient a = new StreamClient(d.channel()); StreamClient b = new StreamClient(d.channel())) {
            a.send(StreamClient.init(StreamClient.resample16k()));
            a.next(ResponseCase.READY);
            b.send(StreamClient.init(StreamClient.resample16k()));
            b.next(ResponseCase.READY);
            assertEquals(0, d.limits().executionsInFlight());
            assertEquals(2, d.limits().sessionsInFlight());
            var r = org.remotemedia.proto.v1.PipelineExecutionServiceGrpc.newBlockingStub(d.channel())
                    .executePipeline(org.remotemedia.proto.v1.ExecuteRequest.newBuilder().setClientVersion("v1")
                            .setManifest(StreamClient.resample16k()).build());
            assertTrue(r.hasResult() || r.hasError(), r.toString());
            for (StreamClient c : new StreamClient[] {a, b}) {
                c.send(StreamClient.closeCommand());
                c.next(ResponseCase.CLOSED);
                assertTrue(c.end().status().isOk());
            }
            Await.until(() -> d.limits().sessionsInFlight() == 0, () -> "session slots not returned");
        }
    }

    private static double metric(TestDaemon d, String series) {
        for (var s : d.metrics().registry().scrape()) {
            if (s instanceof io.prometheus.metrics.model.snapshots.GaugeSnapshot g) {
                for (var p : g.getDataPoints()) {
                    String key = s.getMetadata().getPrometheusName() + (p.getLabels().isEmpty() ? ""
                            : "{" + p.getLabels().getName(0) + "=\"" + p.getLabels().getValue(0) + "\"}");
                    if (key.equals(series)) {
                        return p.getValue();
                    }
                }
            }
        }
        return Double.NaN;
    }

    /** A message that is not a StreamRequest: INVALID_ARGUMENT with BadRequest; the session is released. */
    @Test
    void undecodableMessageIsInvalidArgument() throws Exception {
        MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                .setFullMethodName(StreamingService.SERVICE + "/StreamPipeline")
                .setRequestMarshaller(RawBytes.MARSHALLER).setResponseMarshaller(RawBytes.MARSHALLER).build();
        try (TestDaemon d = TestDaemon.start()) {
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            StreamObserver<byte[]> out = ClientCalls.asyncBidiStreamingCall(d.channel().newCall(raw, CallOptions.DEFAULT),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(byte[] value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            failed.complete(t);
                        }

                        @Override
                        public void onCompleted() {
                            failed.complete(null);
                        }
                    });
            out.onNext(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
            Throwable t = failed.get(20, TimeUnit.SECONDS);
            Status s = Status.fromThrowable(t);
            assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
            assertTrue(s.getDescription().contains("remotemedia.v1.StreamRequest"), s.getDescription());
            com.google.rpc.Status details = StatusProto.fromThrowable(t);
            assertTrue(details.getDetailsList().stream().anyMatch(x -> x.is(BadRequest.class)), details.toString());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    /** grpc-timeout ends a stream with DEADLINE_EXCEEDED and releases the session. */
    @Test
    void deadlineEndsTheStream() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            // connected first, so the deadline covers the session alone
            org.remotemedia.proto.v1.PipelineExecutionServiceGrpc.newBlockingStub(d.channel())
                    .getVersion(org.remotemedia.proto.v1.VersionRequest.getDefaultInstance());
            StreamClient c = new StreamClient(d.channel().newCall(
                    org.remotemedia.proto.v1.StreamingPipelineServiceGrpc.getStreamPipelineMethod(),
                    CallOptions.DEFAULT.withDeadlineAfter(2500, TimeUnit.MILLISECONDS)));
            c.send(StreamClient.init(StreamClient.resample16k()));
            c.next(ResponseCase.READY);
            c.send(StreamClient.chunk(0, "resample", StreamClient.f32(new float[1600], 0, 1600, RATE)));
            c.next(ResponseCase.RESULT);
            assertEquals(Status.Code.DEADLINE_EXCEEDED, c.end().status().getCode());
            StreamPipelineTest.awaitReleased(d);
            assertFalse(d.log().contains("stream_internal_error"), d.log());
        }
    }
}
