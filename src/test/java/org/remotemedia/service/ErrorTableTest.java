package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import com.google.rpc.QuotaFailure;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.testkit.Await;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.Connection;
import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ErrorType;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.ResourceLimits;
import org.remotemedia.proto.v1.VersionRequest;
import org.remotemedia.testkit.LeakCheck;

/**
 * Every row of docs/contract.md "Where errors go", as a grpc-java client sees it: the in-band
 * ErrorType, message content and failing node, or the gRPC status and its google.rpc.Status
 * details.
 */
@ExtendWith(LeakCheck.class)
class ErrorTableTest {
    private static final float[] ONE_SECOND = Kit.sine(44_100, 44_100);

    private static ErrorResponse inBand(TestDaemon d, ExecuteRequest req) {
        ExecuteResponse r = ExecutePipelineTest.stub(d).executePipeline(req);
        assertTrue(r.hasError(), () -> "expected an in-band error, got " + r);
        return r.getError();
    }

    private static ExecuteRequest.Builder base() {
        return ExecuteRequest.newBuilder().setClientVersion("v1").putAudioInputs("resample", Kit.f32(ONE_SECOND, 44_100));
    }

    // ---- in-band rows ----

    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void manifestJsonSyntaxErrorReportsLineAndColumn(String mode) throws Exception {
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode)) {
            ErrorResponse e = inBand(d, base().setManifestJson("{\"version\": \"v1\",\n  \"nodes\": [ }").build());
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, e.getErrorType());
            assertTrue(e.getMessage().contains("line 2, column"), e.getMessage());
            assertTrue(e.getContext().contains("\"line\":2"), e.getContext());
            assertEquals("", e.getFailingNodeId());
            assertEquals("", e.getStackTrace());
        }
    }

    @Test
    void invalidGraphNamesTheCycleWithPaths() throws Exception {
        PipelineManifest m = Kit.manifest("cycle",
                        Kit.node("a", "Gain", "{\"gain_db\": 0}"), Kit.node("b", "Gain", "{\"gain_db\": 0}"))
                .toBuilder().addConnections(Connection.newBuilder().setFrom("b").setTo("a")).build();
        try (TestDaemon d = TestDaemon.start()) {
            ErrorResponse e = inBand(d, ExecuteRequest.newBuilder().setManifest(m)
                    .putAudioInputs("a", Kit.f32(ONE_SECOND, 44_100)).build());
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, e.getErrorType());
            assertTrue(e.getMessage().contains("cycle") && e.getMessage().contains("a") && e.getMessage().contains("b"),
                    e.getMessage());
            assertTrue(e.getContext().contains("\"path\":\"/connections"), e.getContext());
        }
    }

    @Test
    void unknownNodeTypeListsTypesAndSuggests() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            ErrorResponse e = inBand(d, base().setManifest(Kit.manifest("x",
                    Kit.node("resample", "AudioResampel", "{\"target_sample_rate\": 16000}"))).build());
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, e.getErrorType());
            assertTrue(e.getMessage().contains("/nodes/0/node_type"), e.getMessage());
            assertTrue(e.getMessage().contains("did you mean \"AudioResample\""), e.getMessage());
            assertTrue(e.getMessage().contains("available types:") && e.getMessage().contains("VAD"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void badParamsReportPathAndRange(String mode) throws Exception {
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode)) {
            ErrorResponse e = inBand(d, base().setManifest(Kit.manifest("x",
                    Kit.node("resample", "AudioResample", "{\"target_sample_rate\": 5}"))).build());
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, e.getErrorType());
            assertTrue(e.getMessage().contains("/nodes/0/params/target_sample_rate"), e.getMessage());
            assertTrue(e.getMessage().contains("1000"), "names the range: " + e.getMessage());
            assertTrue(e.getContext().contains("/nodes/0/params/target_sample_rate"), e.getContext());
            // params text that is not JSON: same path, with line and column
            ErrorResponse e2 = inBand(d, base().setManifest(Kit.manifest("x",
                    Kit.node("resample", "AudioResample", "{target_sample_rate: 16000}"))).build());
            assertTrue(e2.getMessage().contains("/nodes/0/params") && e2.getMessage().contains("line 1"), e2.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void badAudioBufferNamesTheFieldAndWhatItNeeds(String mode) throws Exception {
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode)) {
            AudioBuffer good = Kit.f32(ONE_SECOND, 44_100);
            AudioBuffer shortBytes = good.toBuilder().setNumSamples(good.getNumSamples() + 1).build();
            ErrorResponse e = inBand(d, ExecuteRequest.newBuilder().setManifest(Kit.resample16k())
                    .putAudioInputs("resample", shortBytes).build());
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, e.getErrorType());
            assertTrue(e.getMessage().contains("/audio_inputs/resample/samples"), e.getMessage());
            assertTrue(e.getMessage().contains("needs " + (good.getNumSamples() + 1) * 4 + " bytes"), e.getMessage());

            float[] nan = ONE_SECOND.clone();
            nan[1234] = Float.NaN;
            ErrorResponse e2 = inBand(d, ExecuteRequest.newBuilder().setManifest(Kit.resample16k())
                    .putAudioInputs("resample", Kit.f32(nan, 44_100)).build());
            assertTrue(e2.getMessage().contains("sample 1234") && e2.getMessage().contains("finite"), e2.getMessage());

            ErrorResponse e3 = inBand(d, ExecuteRequest.newBuilder().setManifest(Kit.resample16k())
                    .putAudioInputs("resample", good.toBuilder().setSampleRate(100).build()).build());
            assertTrue(e3.getMessage().contains("/audio_inputs/resample/sample_rate"), e3.getMessage());
        }
    }

    @Test
    void bothOrNeitherManifestFormIsAValidationError() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            ErrorResponse both = inBand(d, base().setManifest(Kit.resample16k()).setManifestJson("{}").build());
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, both.getErrorType());
            assertTrue(both.getMessage().contains("exactly one"), both.getMessage());
            ErrorResponse none = inBand(d, base().build());
            assertTrue(none.getMessage().contains("/manifest") && none.getMessage().contains("manifest_json"),
                    none.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void nodeFailingWhileRunningNamesTheNode(String mode) throws Exception {
        PipelineManifest m = Kit.manifest("fails",
                Kit.node("resample", "AudioResample", "{\"target_sample_rate\": 16000}"),
                Kit.node("boom", "Failing", "{\"after_frames\": 100}"));
        try (TestDaemon d = TestDaemon.start(TestNodes.registry(), "execution.dsp_mode", mode)) {
            ErrorResponse e = inBand(d, base().setManifest(m).build());
            assertEquals(ErrorType.ERROR_TYPE_NODE_EXECUTION, e.getErrorType());
            assertEquals("boom", e.getFailingNodeId());
            assertTrue(e.getMessage().contains("simulated failure"), e.getMessage());
            assertTrue(e.getContext().contains("\"inputs\":[") && e.getContext().contains("16000")
                    && e.getContext().contains("\"params\":"), e.getContext());
            assertEquals("", e.getStackTrace(), "no stack trace without debug errors");
            // the server is fine afterwards: the next call succeeds
            assertTrue(ExecutePipelineTest.stub(d).executePipeline(base().setManifest(Kit.resample16k()).build())
                    .hasResult());
        }
    }

    @Test
    void resourceLimitSaysLimitObservedAndWhatToDo() throws Exception {
        try (TestDaemon d = TestDaemon.start("execution.max_audio_samples", "100000")) {
            ErrorResponse e = inBand(d, base().setManifest(Kit.resample16k())
                    .setResourceLimits(ResourceLimits.newBuilder().setMaxAudioSamples(1000)).build());
            assertEquals(ErrorType.ERROR_TYPE_RESOURCE_LIMIT, e.getErrorType());
            assertTrue(e.getMessage().contains("max_audio_samples") && e.getMessage().contains("1000")
                    && e.getMessage().contains("44100"), e.getMessage());
            assertTrue(e.getContext().contains("\"limit_value\":1000") && e.getContext().contains("\"observed\":44100"),
                    e.getContext());
            // a request cannot raise a limit past the server's maximum: clamped to 100000
            AudioBuffer big = Kit.f32(Kit.sine(150_000, 44_100), 44_100);
            ErrorResponse e2 = inBand(d, ExecuteRequest.newBuilder().setManifest(Kit.resample16k())
                    .putAudioInputs("resample", big)
                    .setResourceLimits(ResourceLimits.newBuilder().setMaxAudioSamples(10_000_000)).build());
            assertEquals(ErrorType.ERROR_TYPE_RESOURCE_LIMIT, e2.getErrorType());
            assertTrue(e2.getContext().contains("\"limit_value\":100000"), e2.getContext());
            assertTrue(e2.getMessage().contains("server maximum 100000"), e2.getMessage());
        }
    }

    @Test
    void unsupportedClientVersionListsSupportedVersions() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            ErrorResponse e = inBand(d, base().setManifest(Kit.resample16k()).setClientVersion("2.0.0").build());
            assertEquals(ErrorType.ERROR_TYPE_VERSION_MISMATCH, e.getErrorType());
            assertTrue(e.getMessage().contains("\"2.0.0\"") && e.getMessage().contains("\"v1\"")
                    && e.getMessage().contains("1.x.y"), e.getMessage());
            assertTrue(e.getContext().contains("\"supported_versions\":[\"v1\",\"1.x.y\"]"), e.getContext());
            ErrorResponse garbage = inBand(d, base().setManifest(Kit.resample16k()).setClientVersion("banana").build());
            assertTrue(garbage.getMessage().contains("not a version"), garbage.getMessage());
            // compatible forms run; an empty one is accepted as v1 and logged
            for (String ok : new String[] {"v1", "1.2.3", "v1.4.0", ""}) {
                assertTrue(ExecutePipelineTest.stub(d).executePipeline(base().setManifest(Kit.resample16k())
                        .setClientVersion(ok).build()).hasResult(), ok);
            }
            assertTrue(d.log().contains("\"event\":\"empty_client_version\""), d.log());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void aBugIsInternalInBandWithoutStackTraceUnlessDebug(String mode) throws Exception {
        PipelineManifest m = Kit.manifest("bug", Kit.node("resample", "AudioResample", "{\"target_sample_rate\": 16000}"),
                Kit.node("bug", "Buggy", "{}"));
        try (TestDaemon d = TestDaemon.start(TestNodes.registry(), "execution.dsp_mode", mode)) {
            ErrorResponse e = inBand(d, base().setManifest(m).build());
            assertEquals(ErrorType.ERROR_TYPE_INTERNAL, e.getErrorType());
            assertTrue(e.getMessage().contains("request id"), e.getMessage());
            assertEquals("", e.getStackTrace());
            assertTrue(d.log().contains("execute_internal_error") && d.log().contains("simulated bug"), d.log());
        }
        try (TestDaemon d = TestDaemon.start(TestNodes.registry(), "execution.dsp_mode", mode,
                "execution.debug_errors", "true")) {
            ErrorResponse e = inBand(d, base().setManifest(m).build());
            assertTrue(e.getStackTrace().contains("simulated bug in a data summary"), e.getStackTrace());
        }
    }

    // ---- gRPC statuses ----

    @Test
    void missingOrInvalidTokenIsUnauthenticatedSayingWhichAndHow(@TempDir Path dir) throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "# operators' tokens\n" + org.remotemedia.auth.TokenSet.entry("file", "file-token-1")
                + "\n\n");
        try (TestDaemon d = TestDaemon.start("auth.tokens", org.remotemedia.auth.TokenSet.entry("inline", "inline-token"),
                "auth.tokens_file", tokens.toString())) {
            var stub = ExecutePipelineTest.stub(d);
            StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                    () -> stub.getVersion(VersionRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, missing.getStatus().getCode());
            assertTrue(missing.getStatus().getDescription().contains("missing token")
                    && missing.getStatus().getDescription().contains("auth.tokens_file"), missing.getMessage());
            assertEquals("MISSING_TOKEN", Kit.details(missing).getDetails(0).unpack(ErrorInfo.class).getReason());

            StatusRuntimeException invalid = assertThrows(StatusRuntimeException.class,
                    () -> stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(Kit.bearer("nope")))
                            .getVersion(VersionRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, invalid.getStatus().getCode());
            assertTrue(invalid.getStatus().getDescription().contains("invalid token"), invalid.getMessage());
            assertEquals("INVALID_TOKEN", Kit.details(invalid).getDetails(0).unpack(ErrorInfo.class).getReason());

            for (String ok : new String[] {"inline-token", "file-token-1"}) {
                var authed = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(Kit.bearer(ok)));
                assertEquals("v1", authed.getVersion(VersionRequest.getDefaultInstance()).getVersionInfo()
                        .getProtocolVersion());
                assertTrue(authed.executePipeline(base().setManifest(Kit.resample16k()).build()).hasResult());
            }
        }
    }

    @Test
    void overloadedIsUnavailableWithRetryInfoAndQuotaFailure() throws Exception {
        PipelineManifest slow = Kit.manifest("slow", Kit.node("s", "Slow", "{\"sleep_ms\": 1500}"));
        // workers mode: inline, the slow call would hold the connection's event loop and the
        // second call would not even be read until the first is done
        try (TestDaemon d = TestDaemon.start(TestNodes.registry(), "execution.max_concurrent_executions", "1",
                "limits.max_queued_executions", "0", "execution.dsp_mode", "workers")) {
            var async = PipelineExecutionServiceGrpc.newFutureStub(d.channel());
            var first = async.executePipeline(ExecuteRequest.newBuilder().setManifest(slow)
                    .putAudioInputs("s", Kit.f32(Kit.sine(16_000, 16_000), 16_000)).build());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (d.limits().executionsInFlight() == 0 && System.nanoTime() < until) {
                Thread.sleep(1);
            }
            assertEquals(1, d.limits().executionsInFlight());
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> ExecutePipelineTest.stub(d).executePipeline(base().setManifest(Kit.resample16k()).build()));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("max_concurrent_executions"), e.getMessage());
            com.google.rpc.Status st = Kit.details(e);
            assertNotNull(st);
            assertEquals(Status.Code.UNAVAILABLE.value(), st.getCode());
            boolean retry = false;
            boolean quota = false;
            for (var any : st.getDetailsList()) {
                if (any.is(RetryInfo.class)) {
                    var delay = any.unpack(RetryInfo.class).getRetryDelay();
                    retry = delay.getSeconds() > 0 || delay.getNanos() > 0;
                }
                if (any.is(QuotaFailure.class)) {
                    quota = any.unpack(QuotaFailure.class).getViolations(0).getSubject()
                            .equals("execution.max_concurrent_executions");
                }
            }
            assertTrue(retry && quota, st.toString());
            assertTrue(first.get(30, TimeUnit.SECONDS).hasResult(), "the admitted call is unaffected");
            // the slot goes back before the answer is sent, so it is free once the answer is here
            assertEquals(0, d.limits().executionsInFlight());
            assertTrue(ExecutePipelineTest.stub(d).executePipeline(base().setManifest(Kit.resample16k()).build())
                    .hasResult(), "a slot is free again");
            assertEquals(0, d.limits().executionsInFlight());
        }
    }

    @Test
    void backToBackCallsAtOneSlotAreNeverRefused() throws Exception {
        // a sequential client sends its next call the moment an answer arrives; on a worker the
        // answer used to leave before the slot was given back, and that call was refused
        try (TestDaemon d = TestDaemon.start(TestNodes.registry(), "execution.max_concurrent_executions", "1",
                "execution.dsp_mode", "workers")) {
            var stub = ExecutePipelineTest.stub(d);
            ExecuteRequest good = base().setManifest(Kit.resample16k()).build();
            ExecuteRequest broken = base().setManifest(Kit.manifest("bad", Kit.node("x", "NoSuchNode", "{}"))).build();
            for (int i = 0; i < 300; i++) {
                ExecuteRequest req = i % 3 == 2 ? broken : good; // in-band errors give the slot back too
                ExecuteResponse r = stub.executePipeline(req);
                assertTrue(i % 3 == 2 ? r.hasError() : r.hasResult(), "call " + i + ": " + r);
            }
            assertEquals(0, d.limits().executionsInFlight());
        }
    }

    @Test
    void drainingRefusesNewSessionsWithRetryInfoAndServesOtherCalls() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            d.beginDrain(5000);
            // a unary call the transport accepted is served (its final GOAWAY refuses later ones)
            assertTrue(ExecutePipelineTest.stub(d).getVersion(VersionRequest.getDefaultInstance()).isInitialized());
            java.util.concurrent.CompletableFuture<Throwable> ended = new java.util.concurrent.CompletableFuture<>();
            var out = io.grpc.stub.ClientCalls.asyncBidiStreamingCall(d.channel().newCall(
                    org.remotemedia.proto.v1.StreamingPipelineServiceGrpc.getStreamPipelineMethod(),
                    io.grpc.CallOptions.DEFAULT), new io.grpc.stub.StreamObserver<org.remotemedia.proto.v1.StreamResponse>() {
                        @Override
                        public void onNext(org.remotemedia.proto.v1.StreamResponse r) {
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.complete(t);
                        }

                        @Override
                        public void onCompleted() {
                            ended.complete(null);
                        }
                    });
            out.onNext(org.remotemedia.proto.v1.StreamRequest.getDefaultInstance());
            Throwable t = ended.get(20, java.util.concurrent.TimeUnit.SECONDS);
            assertNotNull(t, "a new session is refused while the server drains");
            StatusRuntimeException e = (StatusRuntimeException) t;
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("draining"), e.getMessage());
            RetryInfo ri = null;
            for (var any : Kit.details(e).getDetailsList()) {
                if (any.is(RetryInfo.class)) {
                    ri = any.unpack(RetryInfo.class);
                }
            }
            assertNotNull(ri);
            assertEquals(5, ri.getRetryDelay().getSeconds());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void deadlineIsDeadlineExceededAndTheExecutionStops(String mode) throws Exception {
        // 20 blocks of 16384 frames x 500 ms: a 10 s execution if nothing stopped it
        PipelineManifest slow = Kit.manifest("slow", Kit.node("s", "Slow", "{\"sleep_ms\": 500}"));
        ExecuteRequest req = ExecuteRequest.newBuilder().setManifest(slow)
                .putAudioInputs("s", Kit.f32(new float[20 * 16384], 16_000)).build();
        try (TestDaemon d = TestDaemon.start(TestNodes.registry(), "execution.dsp_mode", mode)) {
            var stub = PipelineExecutionServiceGrpc.newBlockingStub(d.channel());
            stub.getVersion(VersionRequest.getDefaultInstance()); // connected before the deadline starts
            long t0 = System.nanoTime();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () ->
                    stub.withDeadlineAfter(1, TimeUnit.SECONDS).executePipeline(req));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
            // the slot goes back before the status is sent, the outcome is counted just after
            Await.until(() -> d.limits().executionsInFlight() == 0 && stopped(d) == 1,
                    () -> "in flight " + d.limits().executionsInFlight() + ", stopped " + stopped(d));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(6),
                    "stopped long before the 10 s it would take");
        }
    }

    private static long stopped(TestDaemon d) {
        return d.executions(ServiceMetrics.Outcome.DEADLINE_EXCEEDED) + d.executions(ServiceMetrics.Outcome.CANCELLED);
    }

    @Test
    void messageOverTheSizeLimitIsResourceExhausted() throws Exception {
        try (TestDaemon d = TestDaemon.start("transport.max_inbound_message_bytes", "65536")) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> ExecutePipelineTest.stub(d).executePipeline(base().setManifest(Kit.resample16k()).build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        }
    }

    @Test
    void unknownServiceOrMethodIsUnimplemented() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            MethodDescriptor<byte[], byte[]> unknown = raw("remotemedia.v1.PipelineExecutionService/Nope");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(d.channel(), unknown, CallOptions.DEFAULT, new byte[0]));
            assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
            MethodDescriptor<byte[], byte[]> svc = raw("remotemedia.v2.Nothing/Execute");
            StatusRuntimeException e2 = assertThrows(StatusRuntimeException.class,
                    () -> ClientCalls.blockingUnaryCall(d.channel(), svc, CallOptions.DEFAULT, new byte[0]));
            assertEquals(Status.Code.UNIMPLEMENTED, e2.getStatus().getCode());
        }
    }

    @Test
    void undecodableRequestIsInvalidArgumentWithBadRequest() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            MethodDescriptor<byte[], byte[]> exec = raw("remotemedia.v1.PipelineExecutionService/ExecutePipeline");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                    d.channel(), exec, CallOptions.DEFAULT, new byte[] {0x0a, 0x7f, 0x01}));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("ExecuteRequest"), e.getMessage());
            assertTrue(Kit.details(e).getDetailsList().stream().anyMatch(a -> a.is(com.google.rpc.BadRequest.class)));
            assertFalse(d.limits().executionsInFlight() > 0);
        }
    }

    @Test
    void aNestedLengthNearTwoToTheThirtyOneIsInvalidArgumentNotInternal() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            MethodDescriptor<byte[], byte[]> exec = raw("remotemedia.v1.PipelineExecutionService/ExecutePipeline");
            // fuzz finding 4: manifest declares 2^31-1 bytes; the unsafe decoder used to read past the buffer
            byte[] finding = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x67, 0x61, 0x6e};
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                    d.channel(), exec, CallOptions.DEFAULT, finding));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getMessage());
            assertTrue(e.getStatus().getDescription().contains("declares 2147483647 bytes"), e.getMessage());
            // the same connection still serves
            assertTrue(ExecutePipelineTest.stub(d).getVersion(VersionRequest.getDefaultInstance()).isInitialized());
        }
    }

    static MethodDescriptor<byte[], byte[]> raw(String fullName) {
        MethodDescriptor.Marshaller<byte[]> m = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (java.io.IOException e) {
                    throw new RuntimeException(e);
                }
            }
        };
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullName).setRequestMarshaller(m).setResponseMarshaller(m).build();
    }

}
