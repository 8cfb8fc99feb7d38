package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.rpc.ErrorInfo;
import com.google.rpc.QuotaFailure;
import com.google.rpc.RetryInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.auth.TokenSet;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;
import org.remotemedia.proto.v1.VersionRequest;
import org.remotemedia.testkit.Await;

/**
 * Operating the daemon, through grpc-java against the real wiring: named tokens in either
 * header, per-identity rate limits, auth-failure throttling, 1,000 concurrent sessions with the
 * default limits, and the access log.
 */
class OperationsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Metadata header(String name, String value) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
        return m;
    }

    static PipelineExecutionServiceGrpc.PipelineExecutionServiceBlockingStub stub(TestDaemon d, Metadata h) {
        return PipelineExecutionServiceGrpc.newBlockingStub(d.channel())
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h));
    }

    static Metadata bearer(String token) {
        return header("authorization", "Bearer " + token);
    }

    @Test
    void tokensByNameInEitherHeaderAndIdentitiesRateLimitedApart() throws Exception {
        try (TestDaemon d = TestDaemon.start("auth.tokens", TokenSet.entry("alice", "a-token") + ","
                + TokenSet.entry("bob", "b-token"), "limits.rate_calls_per_second", "0.01", "limits.rate_calls_burst", "2")) {
            VersionRequest v = VersionRequest.getDefaultInstance();
            assertNotNull(stub(d, bearer("a-token")).getVersion(v));
            assertNotNull(stub(d, header("x-api-key", "a-token")).getVersion(v), "x-api-key works too");
            StatusRuntimeException over = assertThrows(StatusRuntimeException.class,
                    () -> stub(d, bearer("a-token")).getVersion(v));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, over.getStatus().getCode());
            assertTrue(over.getStatus().getDescription().contains("identity 'alice'"), over.getMessage());
            com.google.rpc.Status st = StatusProto.fromThrowable(over);
            boolean retry = false;
            String subject = null;
            for (var any : st.getDetailsList()) {
                if (any.is(RetryInfo.class)) {
                    var delay = any.unpack(RetryInfo.class).getRetryDelay();
                    retry = delay.getSeconds() > 0 || delay.getNanos() > 0;
                }
                if (any.is(QuotaFailure.class)) {
                    subject = any.unpack(QuotaFailure.class).getViolations(0).getSubject();
                }
            }
            assertTrue(retry, st.toString());
            assertEquals("identity:alice", subject);
            // bob is another identity: his bucket is full
            assertNotNull(stub(d, bearer("b-token")).getVersion(v));
            assertNotNull(stub(d, header("x-api-key", "b-token")).getVersion(v));
            StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
                    () -> stub(d, header("x-api-key", "wrong")).getVersion(v));
            assertEquals(Status.Code.UNAUTHENTICATED, bad.getStatus().getCode());
        }
    }

    @Test
    void repeatedBadTokensFromOnePeerAreRefusedEarly() throws Exception {
        try (TestDaemon d = TestDaemon.start("auth.tokens", TokenSet.entry("alice", "a-token"),
                "limits.auth_failure_limit", "3", "limits.auth_failure_backoff_ms", "600000")) {
            VersionRequest v = VersionRequest.getDefaultInstance();
            for (int i = 0; i < 3; i++) {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> stub(d, bearer("guess")).getVersion(v));
                assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            }
            StatusRuntimeException throttled = assertThrows(StatusRuntimeException.class,
                    () -> stub(d, bearer("a-token")).getVersion(v));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, throttled.getStatus().getCode(),
                    "even a good token is not checked during the back-off");
            com.google.rpc.Status st = StatusProto.fromThrowable(throttled);
            assertEquals("AUTH_THROTTLED", st.getDetails(0).unpack(ErrorInfo.class).getReason());
            assertTrue(st.getDetailsList().stream().anyMatch(a -> a.is(RetryInfo.class)), st.toString());
            assertTrue(d.log().contains("\"event\":\"auth_throttled\""), d.log());
        }
    }

    /** The ErrorInfo reason of a refused call ({@code RATE_LIMITED}, {@code AUTH_THROTTLED}, ...), or its code. */
    static String refusal(Runnable call) throws Exception {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        for (var any : StatusProto.fromThrowable(e).getDetailsList()) {
            if (any.is(ErrorInfo.class)) {
                return any.unpack(ErrorInfo.class).getReason();
            }
        }
        return e.getStatus().getCode().name();
    }

    /**
     * A reload keeps the rate-limit and auth-throttle state whose settings did not change: a token
     * rotation neither refills the bucket an identity used up nor lifts a peer's back-off for bad
     * tokens; a removed identity's bucket is dropped; changing a bucket's or the throttle's own
     * settings starts that part afresh.
     */
    @Test
    void aReloadKeepsUsedUpBucketsAndAuthBackOffsUnlessTheirSettingsChange() throws Exception {
        String alice = TokenSet.entry("alice", "a-token");
        String limits = "0.01"; // calls per second: the bucket does not refill during the test
        try (TestDaemon d = TestDaemon.start("auth.tokens", alice + "," + TokenSet.entry("bob", "b-token"),
                "limits.rate_calls_per_second", limits, "limits.rate_calls_burst", "2",
                "limits.auth_failure_limit", "3", "limits.auth_failure_backoff_ms", "600000")) {
            VersionRequest v = VersionRequest.getDefaultInstance();
            Runnable asAlice = () -> stub(d, bearer("a-token")).getVersion(v);
            Runnable asBob = () -> stub(d, bearer("b-token")).getVersion(v);
            for (Runnable who : List.of(asAlice, asBob)) {
                who.run();
                who.run();
                assertEquals("RATE_LIMITED", refusal(who));
            }
            // a routine rotation: bob's token goes, carol's comes; the limits stay as they were
            Services.Reload r = d.reload("auth.tokens", alice + "," + TokenSet.entry("carol", "c-token"),
                    "limits.rate_calls_per_second", limits, "limits.rate_calls_burst", "2",
                    "limits.auth_failure_limit", "3", "limits.auth_failure_backoff_ms", "600000");
            assertEquals(List.of("carol"), r.tokensAdded());
            assertNotNull(stub(d, bearer("c-token")).getVersion(v), "the new token works, its bucket full");
            assertEquals("RATE_LIMITED", refusal(asAlice), "alice's used-up bucket survives the rotation");
            // a removed identity's bucket goes with its token: bob, back, starts full
            d.reload("auth.tokens", alice + "," + TokenSet.entry("bob", "b-token"),
                    "limits.rate_calls_per_second", limits, "limits.rate_calls_burst", "2",
                    "limits.auth_failure_limit", "3", "limits.auth_failure_backoff_ms", "600000");
            asBob.run();
            assertEquals("RATE_LIMITED", refusal(asAlice));
            // a new burst is a new bucket
            d.reload("auth.tokens", alice + "," + TokenSet.entry("carol", "c-token"),
                    "limits.rate_calls_per_second", limits, "limits.rate_calls_burst", "3",
                    "limits.auth_failure_limit", "3", "limits.auth_failure_backoff_ms", "600000");
            asAlice.run();

            for (int i = 0; i < 3; i++) {
                assertEquals("INVALID_TOKEN", refusal(() -> stub(d, bearer("guess")).getVersion(v)));
            }
            assertEquals("AUTH_THROTTLED", refusal(asAlice), "this peer is in its back-off");
            d.reload("auth.tokens", alice + "," + TokenSet.entry("dave", "d-token"),
                    "limits.rate_calls_per_second", limits, "limits.rate_calls_burst", "3",
                    "limits.auth_failure_limit", "3", "limits.auth_failure_backoff_ms", "600000");
            assertEquals("AUTH_THROTTLED", refusal(asAlice), "the back-off survives a rotation");
            // a new back-off setting is a new throttle
            d.reload("auth.tokens", alice + "," + TokenSet.entry("dave", "d-token"),
                    "limits.rate_calls_per_second", limits, "limits.rate_calls_burst", "3",
                    "limits.auth_failure_limit", "3", "limits.auth_failure_backoff_ms", "500000");
            asAlice.run();
        }
    }

    @Test
    void aThousandConcurrentSessionsAreAdmittedWithTheDefaults() throws Exception {
        int n = 1000;
        try (TestDaemon d = TestDaemon.start("logging.level", "info")) {
            List<StreamObserver<StreamRequest>> senders = new ArrayList<>();
            CountDownLatch ready = new CountDownLatch(n);
            CountDownLatch ended = new CountDownLatch(n);
            AtomicInteger failed = new AtomicInteger();
            AtomicReference<Throwable> firstError = new AtomicReference<>();
            // two connections: max_concurrent_streams is 1000 per connection
            io.grpc.ManagedChannel second = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", d.port())
                    .usePlaintext().build();
            try {
                for (int i = 0; i < n; i++) {
                    var stub = StreamingPipelineServiceGrpc.newStub(i % 2 == 0 ? d.channel() : second);
                    StreamObserver<StreamRequest> out = stub.streamPipeline(new StreamObserver<>() {
                        @Override
                        public void onNext(StreamResponse r) {
                            if (r.hasReady()) {
                                ready.countDown();
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, t);
                            ended.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            ended.countDown();
                        }
                    });
                    out.onNext(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setClientVersion("v1")
                            .setManifest(passThrough())).build());
                    senders.add(out);
                }
                // a bound, not a timing: 1,000 inits on a loaded 2-core box take longer than Await's 10 s
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (ready.getCount() > 0 && failed.get() == 0 && System.nanoTime() < until) {
                    ready.await(100, TimeUnit.MILLISECONDS);
                }
                assertEquals(0, ready.getCount(), () -> (n - ready.getCount()) + " of " + n + " sessions ready");
                assertEquals(0, failed.get(), () -> "refused: " + firstError.get());
                assertEquals(n, d.limits().sessionsInFlight());
                for (StreamObserver<StreamRequest> s : senders) {
                    s.onCompleted();
                }
                assertTrue(ended.await(120, TimeUnit.SECONDS), ended.getCount() + " sessions still open");
                Await.until(() -> d.limits().sessionsInFlight() == 0, () -> d.limits().sessionsInFlight() + " slots held");
            } finally {
                second.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    static PipelineManifest passThrough() {
        return PipelineManifest.newBuilder().setVersion("v1").setMetadata(ManifestMetadata.newBuilder().setName("pass"))
                .addNodes(NodeManifest.newBuilder().setId("g").setNodeType("Gain").setParams("{\"gain_db\": 0}"))
                .build();
    }

    @Test
    void oneAccessLineForEveryCallWithItsRequestIdEchoed() throws Exception {
        try (TestDaemon d = TestDaemon.start("auth.tokens", TokenSet.entry("alice", "a-token"))) {
            float[] tone = new float[1600];
            java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(tone.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < tone.length; i++) {
                bb.putFloat((float) Math.sin(i * 0.1));
            }
            ExecuteRequest req = ExecuteRequest.newBuilder().setClientVersion("v1").setManifest(passThrough())
                    .putAudioInputs("g", AudioBuffer.newBuilder().setSamples(com.google.protobuf.ByteString.copyFrom(
                            bb.array())).setSampleRate(16_000).setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32)
                            .setNumSamples(tone.length).build()).build();
            Metadata h = bearer("a-token");
            h.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), "req-42");
            AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
            var s = PipelineExecutionServiceGrpc.newBlockingStub(d.channel()).withInterceptors(
                    MetadataUtils.newAttachHeadersInterceptor(h),
                    MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, new AtomicReference<>()));
            assertTrue(s.executePipeline(req).hasResult());
            assertEquals("req-42", responseHeaders.get().get(Metadata.Key.of("x-request-id",
                    Metadata.ASCII_STRING_MARSHALLER)), "the client's request id comes back");
            assertThrows(StatusRuntimeException.class, () -> stub(d, bearer("nope")).getVersion(
                    VersionRequest.getDefaultInstance()));
            Await.until(() -> accessLines(d).size() == 2, () -> accessLines(d).size() + " access lines: " + d.log());
            JsonNode ok = accessLines(d).get(0);
            assertEquals("req-42", ok.get("request_id").asText());
            assertEquals("remotemedia.v1.PipelineExecutionService/ExecutePipeline", ok.get("method").asText().substring(1));
            assertEquals("alice", ok.get("identity").asText());
            assertEquals("OK", ok.get("code").asText());
            assertEquals("pass", ok.get("pipeline").asText());
            assertEquals(1, ok.get("nodes").asInt());
            assertTrue(ok.get("bytes_in").asLong() > tone.length * 4 && ok.get("bytes_out").asLong() > tone.length * 4,
                    ok.toString());
            assertTrue(ok.get("duration_us").asLong() > 0 && ok.get("peer").asText().contains("127.0.0.1"), ok.toString());
            JsonNode refused = accessLines(d).get(1);
            assertEquals("UNAUTHENTICATED", refused.get("code").asText());
            assertTrue(refused.get("identity").isNull());
            io.grpc.MethodDescriptor<byte[], byte[]> unknown = org.remotemedia.testkit.RawBytes.unary("no.Such/Method");
            StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> io.grpc.stub.ClientCalls
                    .blockingUnaryCall(d.channel(), unknown, io.grpc.CallOptions.DEFAULT, new byte[0]));
            assertEquals(Status.Code.UNIMPLEMENTED, none.getStatus().getCode());
            Await.until(() -> accessLines(d).size() == 3, () -> accessLines(d).size() + " access lines: " + d.log());
            JsonNode unimplemented = accessLines(d).get(2);
            assertEquals("/no.Such/Method", unimplemented.get("method").asText(), "a request no method took is logged");
            assertEquals("UNIMPLEMENTED", unimplemented.get("code").asText());
            for (String line : d.log().split("\n")) {
                JSON.readTree(line); // every line is JSON
            }
        }
    }

    /**
     * A StreamPipeline call's access line counts the chunks the client sent and the results it
     * got; a call without x-request-id gets one generated, sent back in the response headers and
     * written as the line's request_id.
     */
    @Test
    void aStreamsAccessLineCountsItsChunksAndCarriesTheGeneratedRequestId() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
            List<StreamResponse> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            CountDownLatch done = new CountDownLatch(1);
            StreamObserver<StreamRequest> out = StreamingPipelineServiceGrpc.newStub(d.channel()).withInterceptors(
                    MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, new AtomicReference<>()))
                    .streamPipeline(new StreamObserver<>() {
                        @Override
                        public void onNext(StreamResponse r) {
                            answers.add(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            failed.set(t);
                            done.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            done.countDown();
                        }
                    });
            out.onNext(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setClientVersion("v1")
                    .setManifest(passThrough())).build());
            AudioBuffer chunk = AudioBuffer.newBuilder().setSamples(com.google.protobuf.ByteString.copyFrom(
                    new byte[320 * 4])).setSampleRate(16_000).setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32)
                    .setNumSamples(320).build();
            int sent = 3;
            for (int k = 0; k < sent; k++) {
                out.onNext(StreamRequest.newBuilder().setAudioChunk(org.remotemedia.proto.v1.AudioChunk.newBuilder()
                        .setNodeId("g").setSequence(k).setBuffer(chunk)).build());
            }
            out.onCompleted();
            assertTrue(done.await(30, TimeUnit.SECONDS), "the session ends after the client's half-close: " + answers);
            assertEquals(null, failed.get());
            long results = answers.stream().filter(StreamResponse::hasResult).count();
            assertEquals(sent, results, "a Gain answers each chunk: " + answers);
            String echoed = responseHeaders.get().get(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER));
            assertNotNull(echoed, "the generated request id comes back in the response headers");
            assertTrue(echoed.matches("c[0-9a-z]+-[0-9a-z]+"), "c<connection>-<stream> in base 36: " + echoed);
            Await.until(() -> accessLines(d).size() == 1, () -> accessLines(d).size() + " access lines: " + d.log());
            JsonNode line = accessLines(d).get(0);
            assertEquals("/remotemedia.v1.StreamingPipelineService/StreamPipeline", line.get("method").asText());
            assertEquals("OK", line.get("code").asText(), line.toString());
            assertEquals(echoed, line.get("request_id").asText(), line.toString());
            assertEquals(sent, line.path("chunks_in").asLong(-1), line.toString());
            assertEquals(results, line.path("chunks_out").asLong(-1), line.toString());
            assertEquals("pass", line.get("pipeline").asText(), line.toString());
        }
    }

    static List<JsonNode> accessLines(TestDaemon d) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : d.log().split("\n")) {
            if (line.contains("\"event\":\"access\"")) {
                try {
                    out.add(JSON.readTree(line));
                } catch (java.io.IOException e) {
                    throw new AssertionError("not JSON: " + line, e);
                }
            }
        }
        return out;
    }

    @Test
    void anIdentityOverItsAudioRateIsRefusedUntilPaidOff() throws Exception {
        try (TestDaemon d = TestDaemon.start("auth.tokens", TokenSet.entry("alice", "a-token") + ","
                + TokenSet.entry("bob", "b-token"), "limits.rate_audio_seconds_per_second", "0.001",
                "limits.rate_audio_seconds_burst", "1")) {
            ExecuteRequest twoSeconds = ExecuteRequest.newBuilder().setClientVersion("v1").setManifest(passThrough())
                    .putAudioInputs("g", AudioBuffer.newBuilder().setSamples(com.google.protobuf.ByteString.copyFrom(
                            new byte[32_000 * 4])).setSampleRate(16_000).setChannels(1)
                            .setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(32_000).build()).build();
            assertTrue(stub(d, bearer("a-token")).executePipeline(twoSeconds).hasResult(), "within the burst: runs");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> stub(d, bearer("a-token")).executePipeline(twoSeconds));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
            com.google.rpc.Status st = StatusProto.fromThrowable(e);
            ErrorInfo info = st.getDetails(0).unpack(ErrorInfo.class);
            assertEquals("RATE_LIMITED", info.getReason());
            assertEquals("audio", info.getMetadataOrThrow("quota"));
            assertTrue(stub(d, bearer("b-token")).executePipeline(twoSeconds).hasResult(), "bob has his own bucket");
            assertNotNull(stub(d, bearer("a-token")).getVersion(VersionRequest.getDefaultInstance()),
                    "calls without audio are not held by the audio rate");
        }
    }

    @Test
    void aLoudWarningWhenAuthIsOffOnAnAddressOthersReach() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        org.remotemedia.observe.JsonLog log = new org.remotemedia.observe.JsonLog(new java.io.PrintStream(bytes, true,
                java.nio.charset.StandardCharsets.UTF_8), org.remotemedia.observe.JsonLog.Level.INFO);
        ServeCommand.Daemon.warnIfOpen(org.remotemedia.config.ServerConfig.from(java.util.Map.of("server.host",
                "127.0.0.1")), false, log);
        ServeCommand.Daemon.warnIfOpen(org.remotemedia.config.ServerConfig.defaults(), true, log);
        assertEquals("", bytes.toString(), "loopback, or auth on: no warning");
        ServeCommand.Daemon.warnIfOpen(org.remotemedia.config.ServerConfig.defaults(), false, log);
        String line = bytes.toString();
        assertTrue(line.contains("\"level\":\"warn\"") && line.contains("auth_disabled_on_public_address")
                && line.contains("AUTHENTICATION IS OFF"), line);
    }

    @Test
    void healthFollowsAdmissionWhenItIsFullButLivenessStaysServing() throws Exception {
        try (TestDaemon d = TestDaemon.start("execution.max_concurrent_executions", "1",
                "limits.max_queued_executions", "0")) {
            var health = io.grpc.health.v1.HealthGrpc.newBlockingStub(d.channel());
            var overall = io.grpc.health.v1.HealthCheckRequest.getDefaultInstance();
            assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING, health.check(overall).getStatus());
            org.remotemedia.rpc.ServerCall execution = new org.remotemedia.testkit.StubServerCall(
                    "/remotemedia.v1.PipelineExecutionService/ExecutePipeline", org.remotemedia.rpc.MethodKind.UNARY) {
                @Override
                public org.remotemedia.rpc.Workload workload() {
                    return org.remotemedia.rpc.Workload.EXECUTION;
                }

                @Override
                public <T> void sendMessage(T message, org.remotemedia.grpc.MessageEncoder<? super T> encoder) {
                }
            };
            assertTrue(d.limits().tryEnter(execution), "the one slot");
            assertTrue(d.limits().notReadyReason().startsWith("admission full"), d.limits().notReadyReason());
            Await.until(() -> health.check(overall).getStatus()
                    == io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING, () -> "health while full");
            // the liveness name stays SERVING: a full server is busy, not broken (no restart)
            assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING, health.check(
                    io.grpc.health.v1.HealthCheckRequest.newBuilder().setService(
                            org.remotemedia.service.health.HealthService.LIVENESS).build()).getStatus());
            d.limits().exit(org.remotemedia.rpc.Workload.EXECUTION);
            Await.until(() -> health.check(overall).getStatus()
                    == io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING, () -> "health once a slot is free");
            assertEquals(null, d.limits().notReadyReason());
        }
    }

    /**
     * The daemon as {@code serve} starts it, metrics port and all: with one session slot and no
     * queue, an open session fills admission, {@code /ready} answers 503 saying so (a balancer
     * stops sending work), and 200 again once the session has ended.
     */
    @Test
    void readyIs503WhileAdmissionIsFullAnd200Again() throws Exception {
        java.io.ByteArrayOutputStream logBytes = new java.io.ByteArrayOutputStream();
        org.remotemedia.observe.JsonLog log = new org.remotemedia.observe.JsonLog(new java.io.PrintStream(logBytes, true,
                java.nio.charset.StandardCharsets.UTF_8), org.remotemedia.observe.JsonLog.Level.INFO);
        ServeCommand.Daemon d = ServeCommand.Daemon.start(org.remotemedia.config.ServerConfig.from(java.util.Map.of(
                "server.host", "127.0.0.1", "server.port", "0", "server.metrics_host", "127.0.0.1",
                "server.metrics_port", "0", "execution.warmup_ms", "0", "streaming.max_sessions", "1",
                "limits.max_queued_sessions", "0")), log);
        io.grpc.ManagedChannel ch = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", d.grpc.port())
                .usePlaintext().build();
        int metricsPort = d.metricsServer.port();
        try {
            var ready = DistributionTest.get(metricsPort, "/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            java.util.concurrent.BlockingQueue<StreamResponse> answers = new java.util.concurrent.LinkedBlockingQueue<>();
            CountDownLatch ended = new CountDownLatch(1);
            StreamObserver<StreamRequest> session = StreamingPipelineServiceGrpc.newStub(ch)
                    .streamPipeline(new StreamObserver<>() {
                        @Override
                        public void onNext(StreamResponse r) {
                            answers.add(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            ended.countDown();
                        }

                        @Override
                        public void onCompleted() {
                            ended.countDown();
                        }
                    });
            session.onNext(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setClientVersion("v1")
                    .setManifest(passThrough())).build());
            StreamResponse first = answers.poll(30, TimeUnit.SECONDS);
            assertTrue(first != null && first.hasReady(), "the session holds the one slot: " + first);
            Await.until(() -> DistributionTest.get(metricsPort, "/ready").statusCode() == 503,
                    () -> "/ready while admission is full: " + DistributionTest.get(metricsPort, "/ready").body());
            String why = DistributionTest.get(metricsPort, "/ready").body();
            assertTrue(why.contains("admission full") && why.contains("streaming.max_sessions"), why);
            // what /ready announces is what a call meets: a second session is refused and counted
            AtomicReference<Throwable> refused = new AtomicReference<>();
            CountDownLatch secondEnded = new CountDownLatch(1);
            StreamingPipelineServiceGrpc.newStub(ch).streamPipeline(new StreamObserver<>() {
                @Override
                public void onNext(StreamResponse r) {
                }

                @Override
                public void onError(Throwable t) {
                    refused.set(t);
                    secondEnded.countDown();
                }

                @Override
                public void onCompleted() {
                    secondEnded.countDown();
                }
            }).onNext(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setClientVersion("v1")
                    .setManifest(passThrough())).build());
            assertTrue(secondEnded.await(30, TimeUnit.SECONDS), "the second session is answered");
            assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(refused.get()).getCode(), String.valueOf(refused.get()));
            assertEquals(1, DistributionTest.Scrape.of(DistributionTest.get(metricsPort, "/metrics").body())
                    .value("remotemedia_limits_shed_total", "reason", "sessions_full"), "the refusal is counted by reason");
            session.onCompleted();
            assertTrue(ended.await(30, TimeUnit.SECONDS), "the session ends after the client's half-close");
            Await.until(() -> DistributionTest.get(metricsPort, "/ready").statusCode() == 200,
                    () -> "/ready once the slot is free: " + DistributionTest.get(metricsPort, "/ready").body());
            assertEquals("ready\n", DistributionTest.get(metricsPort, "/ready").body());
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            d.close(0, 0);
        }
    }

    private static final String GET_VERSION = "remotemedia.v1.PipelineExecutionService/GetVersion";

    /** A sample of GetVersion ({@code method} label) on the daemon's /metrics, 0 while absent. */
    static double getVersionSample(int metricsPort, String name, String... moreLabels) {
        String[] labels = new String[moreLabels.length + 2];
        labels[0] = "method";
        labels[1] = GET_VERSION;
        System.arraycopy(moreLabels, 0, labels, 2, moreLabels.length);
        return DistributionTest.Scrape.of(DistributionTest.get(metricsPort, "/metrics").body()).valueOr0(name, labels);
    }

    /** The "Total count" of an .hgrm page, or -1 when the page has none. */
    static long hgrmTotalCount(String hgrm) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("#\\[Max\\s*=\\s*[0-9.]+,\\s*Total count\\s*=\\s*(\\d+)\\]")
                .matcher(hgrm);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * {@code metrics.per_call_latency}: off, a call is counted but leaves its method's latency
     * histogram and summary at 0; on (the default), the call is in the histogram and in the
     * recent window of {@code /latency}, fetched over HTTP as a valid .hgrm page.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "per_call_latency={0}")
    @org.junit.jupiter.params.provider.ValueSource(strings = {"off", "on"})
    void perCallLatencyOffRecordsNoLatencyAndOnCountsTheCallInTheRecentWindow(String setting) throws Exception {
        boolean on = setting.equals("on");
        java.io.ByteArrayOutputStream logBytes = new java.io.ByteArrayOutputStream();
        org.remotemedia.observe.JsonLog log = new org.remotemedia.observe.JsonLog(new java.io.PrintStream(logBytes, true,
                java.nio.charset.StandardCharsets.UTF_8), org.remotemedia.observe.JsonLog.Level.INFO);
        ServeCommand.Daemon d = ServeCommand.Daemon.start(org.remotemedia.config.ServerConfig.from(java.util.Map.of(
                "server.host", "127.0.0.1", "server.port", "0", "server.metrics_host", "127.0.0.1",
                "server.metrics_port", "0", "execution.warmup_ms", "0", "logging.access", "off",
                "metrics.per_call_latency", setting)), log);
        io.grpc.ManagedChannel ch = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", d.grpc.port())
                .usePlaintext().build();
        int metricsPort = d.metricsServer.port();
        try {
            assertNotNull(PipelineExecutionServiceGrpc.newBlockingStub(ch).getVersion(VersionRequest.getDefaultInstance()));
            // the transport counts the call, then records its latency, as the status goes out: the
            // client may read the status first
            Await.until(() -> getVersionSample(metricsPort, "remotemedia_grpc_server_calls_total", "code", "OK") == 1,
                    () -> "the call counted: " + DistributionTest.get(metricsPort, "/metrics").body());
            if (on) {
                Await.until(() -> hgrmTotalCount(DistributionTest.get(metricsPort, "/latency?method=" + GET_VERSION
                        + "&window=recent").body()) == 1, () -> "the call in the recent window: " + DistributionTest.get(
                                metricsPort, "/latency?method=" + GET_VERSION + "&window=recent").body());
            }
            String metrics = DistributionTest.get(metricsPort, "/metrics").body();
            DistributionTest.Scrape scrape = DistributionTest.Scrape.of(metrics);
            long expected = on ? 1 : 0;
            assertEquals(expected, scrape.value("remotemedia_grpc_server_handling_seconds_count", "method", GET_VERSION),
                    metrics);
            assertEquals(expected, scrape.value("remotemedia_grpc_server_latency_seconds_count", "method", GET_VERSION),
                    metrics);
            var recent = DistributionTest.get(metricsPort, "/latency?method=" + GET_VERSION + "&window=recent");
            assertEquals(200, recent.statusCode(), recent.body());
            assertTrue(recent.body().contains("Value     Percentile TotalCount 1/(1-Percentile)"), recent.body());
            assertEquals(expected, hgrmTotalCount(recent.body()), recent.body());
            if (on) {
                // a data line per percentile step: value (us), percentile, running count, 1/(1-p)
                assertTrue(recent.body().lines().anyMatch(l -> l.matches("\\s*[0-9.]+\\s+1\\.0+\\s+1\\s*")),
                        "the 100th percentile line counts the call: " + recent.body());
            }
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            d.close(0, 0);
        }
    }

    @Test
    void aTokenFileWithAPlaintextTokenIsRefusedSayingHowToConvertWithoutEchoingIt(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("tokens");
        Files.writeString(f, "# ops\n" + TokenSet.entry("alice", "a") + "\nsuper-secret-plain-token\n");
        org.remotemedia.config.ConfigException e = assertThrows(org.remotemedia.config.ConfigException.class,
                () -> TokenSet.from(new org.remotemedia.config.ServerConfig.Auth(List.of(), f)));
        assertEquals(1, e.problems().size(), e.problems().toString());
        String p = e.problems().get(0);
        assertTrue(p.contains("line 3") && p.contains("sha256sum") && p.contains("token new"), p);
        assertTrue(!p.contains("super-secret"), "the token itself is never printed: " + p);
    }
}
