package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.Messages;
import io.grpc.testing.integration.TestServiceGrpc;
import io.grpc.testing.integration.UnimplementedServiceGrpc;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.remotemedia.service.ProtoCodec;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.testkit.LeakCheck;

/**
 * The transport against standard clients: grpc-java stubs over Netty and OkHttp call services
 * registered through our rpc API, on a real server on 127.0.0.1.
 */
@ExtendWith(LeakCheck.class)
class TransportIntegrationTest {
    static final EchoTestService SVC = new EchoTestService();
    static final ExecutorService WORKERS = Executors.newFixedThreadPool(4);
    static final AtomicReference<Status> NEVER_CANCEL = new AtomicReference<>();
    static final AtomicReference<Boolean> NEVER_FLAG = new AtomicReference<>();
    static final CountDownLatch NEVER_CANCELLED = new CountDownLatch(100);
    static final List<InboundMessage> HELD = new ArrayList<>();
    static final AtomicReference<Status> HOLD_CANCEL = new AtomicReference<>();
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        MethodRegistry.Builder b = SVC.register(MethodRegistry.builder());
        // never answers: only the deadline or the client ends it
        b.unary("/test.Slow/Never", (call, req) -> call.setListener(new CallListener() {
            @Override
            public void onCancel(Status reason) {
                NEVER_FLAG.set(call.isCancelled()); // before NEVER_CANCEL, which the test waits for
                NEVER_CANCEL.set(reason);
                NEVER_CANCELLED.countDown();
            }
        }));
        // answers from another thread with the retained request
        b.unary("/test.Offloop/Echo", (call, req) -> {
            InboundMessage kept = req.retain();
            WORKERS.execute(() -> {
                try {
                    Messages.SimpleRequest r = ProtoCodec.parse(kept, Messages.SimpleRequest.parser());
                    call.sendMessage(Messages.SimpleResponse.newBuilder().setPayload(r.getPayload()).build(),
                            ProtoCodec.ENCODER);
                    call.close(Status.OK);
                } catch (Exception e) {
                    call.close(Status.of(StatusCode.INTERNAL, e.toString()));
                } finally {
                    kept.release();
                }
            });
        });
        // retains what it receives and never asks for more: cancellation must release everything
        b.clientStreaming("/test.Hold/Keep", call -> {
            call.request(1);
            return new CallListener() {
                @Override
                public void onMessage(InboundMessage m) {
                    synchronized (HELD) {
                        HELD.add(m.retain());
                    }
                }

                @Override
                public void onCancel(Status reason) {
                    HOLD_CANCEL.set(reason);
                    synchronized (HELD) {
                        HELD.forEach(InboundMessage::release);
                        HELD.clear();
                    }
                }
            };
        });
        b.unary("/test.Boom/Throw", (call, req) -> {
            throw new IllegalStateException("secret internal detail");
        });
        server = new TestServer(b.build());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        WORKERS.shutdownNow();
    }

    static Messages.Payload payload(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return Messages.Payload.newBuilder().setBody(ByteString.copyFrom(b)).build();
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void allFourCallKinds(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(ch);
            assertEquals(EmptyProtos.Empty.getDefaultInstance(), stub.emptyCall(EmptyProtos.Empty.getDefaultInstance()));
            assertEquals(314_159, stub.unaryCall(Messages.SimpleRequest.newBuilder().setResponseSize(314_159)
                    .setPayload(payload(271_828)).build()).getPayload().getBody().size());

            Iterator<Messages.StreamingOutputCallResponse> it = stub.streamingOutputCall(
                    Messages.StreamingOutputCallRequest.newBuilder()
                            .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(31_415))
                            .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(9))
                            .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(2_653))
                            .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(58_979)).build());
            List<Integer> sizes = new ArrayList<>();
            it.forEachRemaining(m -> sizes.add(m.getPayload().getBody().size()));
            assertEquals(List.of(31_415, 9, 2_653, 58_979), sizes);

            CompletableFuture<Integer> total = new CompletableFuture<>();
            StreamObserver<Messages.StreamingInputCallRequest> in = TestServiceGrpc.newStub(ch)
                    .streamingInputCall(observer(total, Messages.StreamingInputCallResponse::getAggregatedPayloadSize));
            for (int n : new int[] {27_182, 8, 1_828, 45_904}) {
                in.onNext(Messages.StreamingInputCallRequest.newBuilder().setPayload(payload(n)).build());
            }
            in.onCompleted();
            assertEquals(74_922, total.get(10, TimeUnit.SECONDS));

            // ping-pong: one request, one response, in lock step
            BlockingObserver<Messages.StreamingOutputCallResponse> responses = new BlockingObserver<>();
            StreamObserver<Messages.StreamingOutputCallRequest> bidi = TestServiceGrpc.newStub(ch).fullDuplexCall(responses);
            for (int n : new int[] {31_415, 9, 2_653, 58_979}) {
                bidi.onNext(Messages.StreamingOutputCallRequest.newBuilder()
                        .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(n)).build());
                assertEquals(n, responses.take().getPayload().getBody().size());
            }
            bidi.onCompleted();
            assertTrue(responses.awaitCompleted());

            // empty stream
            BlockingObserver<Messages.StreamingOutputCallResponse> none = new BlockingObserver<>();
            TestServiceGrpc.newStub(ch).fullDuplexCall(none).onCompleted();
            assertTrue(none.awaitCompleted());
            assertTrue(none.items.isEmpty());
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void metadataRoundTripAsciiAndBinary(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            Metadata extra = new Metadata();
            Metadata.Key<String> initial = Metadata.Key.of(EchoTestService.ECHO_INITIAL, Metadata.ASCII_STRING_MARSHALLER);
            Metadata.Key<byte[]> trailing = Metadata.Key.of(EchoTestService.ECHO_TRAILING_BIN, Metadata.BINARY_BYTE_MARSHALLER);
            byte[] bin = {(byte) 0xab, (byte) 0xab, (byte) 0xab, 0, 1, 2};
            extra.put(initial, "test_initial_metadata_value");
            extra.put(trailing, bin);
            AtomicReference<Metadata> headers = new AtomicReference<>();
            AtomicReference<Metadata> trailers = new AtomicReference<>();
            TestServiceGrpc.newBlockingStub(ch)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(extra),
                            MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                    .unaryCall(Messages.SimpleRequest.newBuilder().setResponseSize(10).build());
            assertEquals("test_initial_metadata_value", headers.get().get(initial));
            assertArrayEquals(bin, trailers.get().get(trailing));
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void statusCodeAndSpecialMessage(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            String msg = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n";
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> TestServiceGrpc
                    .newBlockingStub(ch).unaryCall(Messages.SimpleRequest.newBuilder().setResponseStatus(
                            Messages.EchoStatus.newBuilder().setCode(2).setMessage(msg)).build()));
            assertEquals(io.grpc.Status.Code.UNKNOWN, e.getStatus().getCode());
            assertEquals(msg, e.getStatus().getDescription());
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void unimplementedMethodAndService(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            StatusRuntimeException m = assertThrows(StatusRuntimeException.class,
                    () -> TestServiceGrpc.newBlockingStub(ch).unimplementedCall(EmptyProtos.Empty.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.UNIMPLEMENTED, m.getStatus().getCode());
            StatusRuntimeException s = assertThrows(StatusRuntimeException.class, () -> UnimplementedServiceGrpc
                    .newBlockingStub(ch).unimplementedCall(EmptyProtos.Empty.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.UNIMPLEMENTED, s.getStatus().getCode());
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void deadlinesEndTheCallAndTheHandlerLearns(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            TestServiceGrpc.newBlockingStub(ch).emptyCall(EmptyProtos.Empty.getDefaultInstance()); // connect first
            // grpc-java picks the unit by magnitude: 50 ms goes as nanoseconds, 150 ms as microseconds
            for (long ms : new long[] {50, 150}) {
                NEVER_CANCEL.set(null);
                MethodDescriptor<Messages.SimpleRequest, Messages.SimpleResponse> never = TestServiceGrpc
                        .getUnaryCallMethod().toBuilder().setFullMethodName("test.Slow/Never").build();
                long t0 = System.nanoTime();
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> io.grpc.stub.ClientCalls
                        .blockingUnaryCall(ch, never, CallOptions.DEFAULT.withDeadlineAfter(ms, TimeUnit.MILLISECONDS),
                                Messages.SimpleRequest.getDefaultInstance()));
                assertEquals(io.grpc.Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
                assertTrue(System.nanoTime() - t0 >= TimeUnit.MILLISECONDS.toNanos(ms) - 1_000_000);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (NEVER_CANCEL.get() == null && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                Status why = NEVER_CANCEL.get();
                assertNotNull(why, "the handler learned it must stop");
                assertTrue(why.code() == StatusCode.DEADLINE_EXCEEDED || why.code() == StatusCode.CANCELLED, why::toString);
                assertEquals(Boolean.TRUE, NEVER_FLAG.get(), "isCancelled() is true by then");
            }
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void cancellationReleasesRetainedAndQueuedBuffers(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            HOLD_CANCEL.set(null);
            MethodDescriptor<Messages.StreamingInputCallRequest, Messages.StreamingInputCallResponse> keep =
                    TestServiceGrpc.getStreamingInputCallMethod().toBuilder().setFullMethodName("test.Hold/Keep").build();
            ClientCall<Messages.StreamingInputCallRequest, Messages.StreamingInputCallResponse> call =
                    ch.newCall(keep, CallOptions.DEFAULT);
            CompletableFuture<io.grpc.Status> closed = new CompletableFuture<>();
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onClose(io.grpc.Status status, Metadata trailers) {
                    closed.complete(status);
                }
            }, new Metadata());
            for (int i = 0; i < 20; i++) {
                call.sendMessage(Messages.StreamingInputCallRequest.newBuilder().setPayload(payload(10_000)).build());
            }
            // the first is retained by the handler, the rest queue unrequested
            long firstBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < firstBy) {
                synchronized (HELD) {
                    if (!HELD.isEmpty()) {
                        break;
                    }
                }
                Thread.sleep(5);
            }
            Thread.sleep(100);
            synchronized (HELD) {
                assertEquals(1, HELD.size(), "exactly the one requested message was delivered");
            }
            call.cancel("test cancels", null);
            assertEquals(io.grpc.Status.Code.CANCELLED, closed.get(5, TimeUnit.SECONDS).getCode());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (HOLD_CANCEL.get() == null && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals(StatusCode.CANCELLED, HOLD_CANCEL.get().code());
            synchronized (HELD) {
                assertTrue(HELD.isEmpty());
            }
            // the leak check after this test proves the queued frames were released
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void compressionBothWays(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            AtomicReference<Metadata> headers = new AtomicReference<>();
            Messages.SimpleResponse r = TestServiceGrpc.newBlockingStub(ch).withCompression("gzip")
                    .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
                    .unaryCall(Messages.SimpleRequest.newBuilder()
                            .setExpectCompressed(Messages.BoolValue.newBuilder().setValue(true))
                            .setResponseCompressed(Messages.BoolValue.newBuilder().setValue(true))
                            .setResponseSize(314_159).setPayload(payload(271_828)).build());
            assertEquals(314_159, r.getPayload().getBody().size());
            assertEquals("gzip", headers.get().get(Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER)));
            // uncompressed but claiming expect_compressed is refused by the service (the interop probe case)
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> TestServiceGrpc
                    .newBlockingStub(ch).unaryCall(Messages.SimpleRequest.newBuilder()
                            .setExpectCompressed(Messages.BoolValue.newBuilder().setValue(true)).build()));
            assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void largeMessagesSpanFramesAndBytesFieldsAreAliasedNotCopied(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            SVC.lastPayloadDirect.set(null);
            int n = 8 * 1024 * 1024;
            Messages.SimpleResponse r = TestServiceGrpc.newBlockingStub(ch).unaryCall(Messages.SimpleRequest
                    .newBuilder().setResponseSize(n).setPayload(payload(n)).build());
            assertEquals(n, r.getPayload().getBody().size());
            assertEquals(Boolean.TRUE, SVC.lastPayloadDirect.get(),
                    "the parsed bytes field is a view of the direct network buffers");
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void answersFromAnotherThreadWithARetainedRequest(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            MethodDescriptor<Messages.SimpleRequest, Messages.SimpleResponse> echo = TestServiceGrpc
                    .getUnaryCallMethod().toBuilder().setFullMethodName("test.Offloop/Echo").build();
            List<CompletableFuture<Messages.SimpleResponse>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                CompletableFuture<Messages.SimpleResponse> f = new CompletableFuture<>();
                io.grpc.stub.ClientCalls.asyncUnaryCall(ch.newCall(echo, CallOptions.DEFAULT),
                        Messages.SimpleRequest.newBuilder().setPayload(payload(1000 + i)).build(), observer(f, x -> x));
                futures.add(f);
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(payload(1000 + i), futures.get(i).get(10, TimeUnit.SECONDS).getPayload());
            }
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void handlerExceptionIsInternalWithoutTheStackTrace(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            MethodDescriptor<Messages.SimpleRequest, Messages.SimpleResponse> boom = TestServiceGrpc
                    .getUnaryCallMethod().toBuilder().setFullMethodName("test.Boom/Throw").build();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> io.grpc.stub.ClientCalls
                    .blockingUnaryCall(ch, boom, CallOptions.DEFAULT, Messages.SimpleRequest.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.INTERNAL, e.getStatus().getCode());
            String d = e.getStatus().getDescription();
            assertFalse(d.contains("secret") || d.contains("IllegalStateException") || d.contains("at org."), d);
            String requestId = d.substring(d.indexOf("request id ") + 11, d.indexOf(')', d.indexOf("request id ")));
            long lines = server.log().lines().filter(l -> l.contains("\"handler_failed\"")
                    && l.contains("\"request_id\":\"" + requestId + "\"") && l.contains("secret internal detail")).count();
            assertEquals(1, lines, "the stack trace is logged once with the request id");
        } finally {
            Clients.close(ch);
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void slowHandlerPushesBackOnAFastSender(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            HOLD_CANCEL.set(null);
            MethodDescriptor<Messages.StreamingInputCallRequest, Messages.StreamingInputCallResponse> keep =
                    TestServiceGrpc.getStreamingInputCallMethod().toBuilder().setFullMethodName("test.Hold/Keep").build();
            AtomicLong sent = new AtomicLong();
            CountDownLatch blocked = new CountDownLatch(1);
            Messages.StreamingInputCallRequest msg = Messages.StreamingInputCallRequest.newBuilder()
                    .setPayload(payload(16_000)).build();
            ClientResponseObserver<Messages.StreamingInputCallRequest, Messages.StreamingInputCallResponse> obs =
                    new ClientResponseObserver<>() {
                        ClientCallStreamObserver<Messages.StreamingInputCallRequest> out;

                        @Override
                        public void beforeStart(ClientCallStreamObserver<Messages.StreamingInputCallRequest> requestStream) {
                            out = requestStream;
                            requestStream.setOnReadyHandler(() -> {
                                while (out.isReady() && sent.get() < 64L << 20) {
                                    out.onNext(msg);
                                    sent.addAndGet(msg.getSerializedSize() + 5);
                                }
                            });
                        }

                        @Override
                        public void onNext(Messages.StreamingInputCallResponse value) {
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    };
            io.grpc.stub.ClientCalls.asyncClientStreamingCall(ch.newCall(keep, CallOptions.DEFAULT), obs);
            long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (sent.get() == 0 && System.nanoTime() < start) {
                Thread.sleep(10);
            }
            long last = -1;
            for (int i = 0; i < 100 && last != sent.get(); i++) {
                last = sent.get();
                Thread.sleep(300);
            }
            long stalled = sent.get();
            // the handler took one message and asked for no more: the client is held back at about one
            // stream window (1 MiB) plus the client's own small buffer, far below the 64 MiB it wanted to send
            assertTrue(stalled < 3L << 20, "sender was not held back: " + stalled + " bytes");
            assertTrue(stalled > 500_000, "the window should let about 1 MiB through: " + stalled);
            blocked.countDown();
        } finally {
            Clients.close(ch);
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (HOLD_CANCEL.get() == null && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertNotNull(HOLD_CANCEL.get(), "closing the channel cancels the call");
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void metricsCountCallsAndStreamsReturnToZero(Clients client) throws Exception {
        ManagedChannel ch = client.channel(server.port());
        try {
            for (int i = 0; i < 3; i++) {
                TestServiceGrpc.newBlockingStub(ch).emptyCall(EmptyProtos.Empty.getDefaultInstance());
            }
        } finally {
            Clients.close(ch);
        }
        String text = scrape(server);
        assertTrue(text.contains("remotemedia_grpc_server_calls_total{code=\"OK\",method=\"grpc.testing.TestService/EmptyCall\"}"),
                text);
        assertTrue(server.metrics.latencies().stream().anyMatch(l -> "method".equals(l.labelName())
                && l.labelValue().equals("grpc.testing.TestService/EmptyCall") && l.cumulative().getTotalCount() >= 3));
        assertTrue(text.contains("remotemedia_grpc_server_handling_seconds_count{method=\"grpc.testing.TestService/EmptyCall\"}"),
                text);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!scrape(server).contains("remotemedia_grpc_server_streams 0.0") && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertTrue(scrape(server).contains("remotemedia_grpc_server_streams 0.0"));
    }

    /** The network buffers' direct memory is on /metrics: after a 200 KB request the pooled allocator holds some. */
    @Test
    void networkBufferMemoryIsAGauge() throws Exception {
        ManagedChannel ch = Clients.OKHTTP.channel(server.port()); // not netty: the gauge shows the server alone
        try {
            TestServiceGrpc.newBlockingStub(ch).unaryCall(Messages.SimpleRequest.newBuilder()
                    .setPayload(payload(200_000)).build());
        } finally {
            Clients.close(ch);
        }
        String line = scrape(server).lines().filter(l -> l.startsWith("remotemedia_grpc_server_network_buffer_bytes "))
                .findFirst().orElseThrow(() -> new AssertionError("no network_buffer_bytes gauge"));
        double bytes = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
        assertTrue(bytes >= 200_000, line);
    }

    static String scrape(TestServer s) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        new io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter(false).write(out,
                s.metrics.registry().scrape());
        return out.toString();
    }

    @Test
    void manyMessagesInOneDataFrame() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            java.io.ByteArrayOutputStream frame = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < 100; i++) {
                frame.writeBytes(RawH2Client.frame(Messages.StreamingInputCallRequest.newBuilder()
                        .setPayload(payload(10)).build().toByteArray(), false));
            }
            int id = c.headers(RawH2Client.grpcHeaders(EchoTestService.SERVICE + "StreamingInputCall"), false);
            c.data(id, frame.toByteArray(), true);
            RawH2Client.Response r = c.await(id, 5000);
            assertEquals(Integer.valueOf(0), r.grpcStatus());
            byte[] d = r.data();
            Messages.StreamingInputCallResponse resp = Messages.StreamingInputCallResponse.parseFrom(
                    java.util.Arrays.copyOfRange(d, 5, d.length));
            assertEquals(1000, resp.getAggregatedPayloadSize());
        }
    }

    @Test
    void perMessageCompressionFlags() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            byte[] req = Messages.StreamingOutputCallRequest.newBuilder()
                    .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(31_415)
                            .setCompressed(Messages.BoolValue.newBuilder().setValue(true)))
                    .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(92_653)
                            .setCompressed(Messages.BoolValue.newBuilder().setValue(false)))
                    .build().toByteArray();
            int id = c.headers(RawH2Client.grpcHeaders(EchoTestService.SERVICE + "StreamingOutputCall")
                    .set("grpc-accept-encoding", "gzip"), false);
            c.data(id, RawH2Client.frame(req, false), true);
            RawH2Client.Response r = c.await(id, 5000);
            assertEquals(Integer.valueOf(0), r.grpcStatus());
            assertEquals("gzip", r.header("grpc-encoding"));
            byte[] d = r.data();
            assertEquals(1, d[0], "first message compressed");
            int len1 = java.nio.ByteBuffer.wrap(d, 1, 4).getInt();
            assertTrue(len1 < 31_415, "and smaller: " + len1);
            assertEquals(0, d[5 + len1], "second message sent uncompressed");
            int expected = Messages.StreamingOutputCallResponse.newBuilder().setPayload(payload(92_653)).build()
                    .getSerializedSize();
            assertEquals(expected, java.nio.ByteBuffer.wrap(d, 6 + len1, 4).getInt(), "the plain message");
        }
    }

    @Test
    void xRequestIdIsHonoured() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            int id = c.headers(RawH2Client.grpcHeaders("/test.Boom/Throw").set("x-request-id", "req-abc-123"), false);
            c.data(id, RawH2Client.frame(new byte[0], false), true);
            RawH2Client.Response r = c.await(id, 5000);
            assertTrue(r.header("grpc-message").contains("req-abc-123"));
            assertTrue(server.log().contains("\"request_id\":\"req-abc-123\""));
        }
    }

    // ---- helpers

    static <T, R> StreamObserver<T> observer(CompletableFuture<R> f, java.util.function.Function<T, R> map) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                f.complete(map.apply(value));
            }

            @Override
            public void onError(Throwable t) {
                f.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    /** Collects a response stream for step-by-step assertions. */
    static final class BlockingObserver<T> implements StreamObserver<T> {
        final java.util.concurrent.LinkedBlockingQueue<T> items = new java.util.concurrent.LinkedBlockingQueue<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();

        @Override
        public void onNext(T value) {
            items.add(value);
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onCompleted() {
            done.complete(null);
        }

        T take() throws InterruptedException {
            T t = items.poll(10, TimeUnit.SECONDS);
            assertNotNull(t, "no response within 10 s");
            return t;
        }

        boolean awaitCompleted() throws Exception {
            done.get(10, TimeUnit.SECONDS);
            return true;
        }
    }
}
