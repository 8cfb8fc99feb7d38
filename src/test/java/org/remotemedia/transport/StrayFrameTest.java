package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.Messages;
import io.grpc.testing.integration.TestServiceGrpc;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.grpc.Status;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.testkit.LeakCheck;

/**
 * Frames a client still has in flight on a stream the server reset or refused are ignored (RFC
 * 9113 §5.1): they neither end the connection nor draw RST_STREAMs that would count against the
 * connection's reset budget. The calls on the other streams, and a grpc-java client on another
 * connection, carry on.
 */
@ExtendWith(LeakCheck.class)
class StrayFrameTest {
    static final String EMPTY = EchoTestService.SERVICE + "EmptyCall";
    static final String HOLD = "/test.Hold/Wait";
    static final int MAX_MESSAGE = 64 * 1024;
    static final int UPLOAD = 8 << 20;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        MethodRegistry.Builder b = new EchoTestService().register(MethodRegistry.builder());
        b.clientStreaming(HOLD, call -> {
            call.request(Integer.MAX_VALUE);
            return new CallListener() {
                @Override
                public void onHalfClose() {
                    call.close(Status.OK);
                }
            };
        });
        // the default budget of sent resets (200 per 30 s), 2 concurrent streams per connection, and
        // stream windows larger than what the server reads in one turn of its event loop, so a refused
        // upload still has DATA on the way after the server's RST_STREAM
        server = new TestServer(b.build(), "transport.max_inbound_message_bytes", Integer.toString(MAX_MESSAGE),
                "transport.max_concurrent_streams", "2", "transport.initial_window_bytes", Integer.toString(UPLOAD));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static long logged(String event) {
        return server.log().lines().filter(l -> l.contains("\"event\":\"" + event + "\"")).count();
    }

    static double metric(String name) throws Exception {
        return TransportIntegrationTest.scrape(server).lines().filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    static void stillWorks(RawH2Client c) throws Exception {
        assertEquals(Integer.valueOf(0), c.call(EMPTY, new byte[0]).grpcStatus(), "a new call on the connection");
        assertTrue(c.goAways().isEmpty(), () -> "no GOAWAY: " + c.goAways() + "\n" + server.log());
    }

    @Test
    void tenRefusedOversizedUploadsFromGrpcJavaLeaveItsConnectionUsable() throws Exception {
        long opened = logged("connection_open");
        long ended = endedByTheServer();
        double strays = metric("remotemedia_grpc_server_stray_frames_ignored_total");
        ManagedChannel ch = Clients.NETTY.channel(server.port());
        try {
            TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(30, TimeUnit.SECONDS);
            Messages.SimpleRequest big = Messages.SimpleRequest.newBuilder().setPayload(Messages.Payload.newBuilder()
                    .setBody(ByteString.copyFrom(new byte[UPLOAD]))).build();
            for (int i = 0; i < 10; i++) {
                try {
                    stub.unaryCall(big);
                    throw new AssertionError("an 8 MiB request over a " + MAX_MESSAGE + "-byte limit was accepted");
                } catch (StatusRuntimeException e) {
                    assertEquals(io.grpc.Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
                }
            }
            for (int i = 0; i < 10; i++) {
                stub.emptyCall(EmptyProtos.Empty.getDefaultInstance());
            }
        } finally {
            Clients.close(ch);
        }
        assertEquals(opened + 1, logged("connection_open"), "grpc-java used one connection throughout");
        assertEquals(ended, endedByTheServer(), server::log);
        assertTrue(metric("remotemedia_grpc_server_stray_frames_ignored_total") > strays,
                "the uploads had DATA in flight when they were refused (else this test proves nothing)");
    }

    /**
     * grpc-java answers a status that arrives before it half-closed with RST_STREAM(CANCEL), on a
     * stream the server has already reset: more such calls than the reset budget (200 per 30 s)
     * must still leave the connection. Here a refused streaming upload.
     */
    @Test
    void moreRefusedStreamingUploadsThanTheResetBudgetLeaveTheConnectionUsable() throws Exception {
        Messages.StreamingInputCallRequest big = Messages.StreamingInputCallRequest.newBuilder()
                .setPayload(Messages.Payload.newBuilder().setBody(ByteString.copyFrom(new byte[2 * MAX_MESSAGE])))
                .build();
        endedBeforeTheClientHalfClosed(io.grpc.Status.Code.RESOURCE_EXHAUSTED, (stub, response) -> {
            stub.streamingInputCall(response).onNext(big); // and no half-close: still sending when refused
        });
    }

    /** The same for a bidirectional call the server ends with an error while the client still sends. */
    @Test
    void moreCallsEndedByTheServerFirstThanTheResetBudgetLeaveTheConnectionUsable() throws Exception {
        Messages.StreamingOutputCallRequest fail = Messages.StreamingOutputCallRequest.newBuilder()
                .setResponseStatus(Messages.EchoStatus.newBuilder().setCode(9).setMessage("ended by the server"))
                .build();
        endedBeforeTheClientHalfClosed(io.grpc.Status.Code.FAILED_PRECONDITION, (stub, response) -> {
            stub.fullDuplexCall(new StreamObserver<Messages.StreamingOutputCallResponse>() {
                @Override
                public void onNext(Messages.StreamingOutputCallResponse r) {
                }

                @Override
                public void onError(Throwable t) {
                    response.onError(t);
                }

                @Override
                public void onCompleted() {
                    response.onCompleted();
                }
            }).onNext(fail);
        });
    }

    interface EarlyEnd {
        void start(TestServiceGrpc.TestServiceStub stub, StreamObserver<Messages.StreamingInputCallResponse> response);
    }

    /** 250 calls on one grpc-java connection, each ended by the server while the client still sends. */
    static void endedBeforeTheClientHalfClosed(io.grpc.Status.Code expected, EarlyEnd call) throws Exception {
        long opened = logged("connection_open");
        long ended = endedByTheServer();
        ManagedChannel ch = Clients.NETTY.channel(server.port());
        try {
            for (int i = 0; i < 250; i++) {
                CompletableFuture<Throwable> done = new CompletableFuture<>();
                call.start(TestServiceGrpc.newStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS),
                        new StreamObserver<>() {
                            @Override
                            public void onNext(Messages.StreamingInputCallResponse r) {
                            }

                            @Override
                            public void onError(Throwable t) {
                                done.complete(t);
                            }

                            @Override
                            public void onCompleted() {
                                done.complete(null);
                            }
                        });
                Throwable t = done.get(30, TimeUnit.SECONDS);
                int n = i;
                assertEquals(expected, io.grpc.Status.fromThrowable(t).getCode(), () -> "call " + n + ": " + t);
            }
            TestServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .emptyCall(EmptyProtos.Empty.getDefaultInstance());
        } finally {
            Clients.close(ch);
        }
        assertEquals(opened + 1, logged("connection_open"), () -> "grpc-java used one connection throughout\n"
                + server.log().lines().filter(l -> l.contains("budget_exceeded") || l.contains("connection_error"))
                .toList());
        assertEquals(ended, endedByTheServer(), server::log);
    }

    /**
     * Connections the server ended with an HTTP/2 error (a budget, a protocol error), not the
     * TCP resets of earlier tests' raw clients, whose lines may still come in.
     */
    static long endedByTheServer() {
        return server.log().lines().filter(l -> l.contains("\"event\":\"connection_error\"")
                && l.contains("Http2Exception")).count();
    }

    @Test
    void framesInFlightOnAResetStreamAreIgnored() throws Exception {
        try (BystanderClient bystander = new BystanderClient(server.port());
                RawH2Client c = new RawH2Client(server.port())) {
            double before = metric("remotemedia_grpc_server_stray_frames_ignored_total");
            for (int upload = 0; upload < 10; upload++) {
                int id = c.headers(RawH2Client.grpcHeaders(HOLD), false);
                c.data(id, new byte[] {0, 0, 0x10, 0, 0}, false); // announces 1 MiB > the limit
                RawH2Client.Response r = c.await(id, 5000);
                assertEquals(Integer.valueOf(8), r.grpcStatus(), r.toString());
                RawH2Client.Event rst = c.awaitType("RST_STREAM", 5000);
                assertNotNull(rst, "the server resets the refused upload");
                // what a client had already sent: 64 DATA frames, trailers, a window update, a reset
                c.raw(RawH2Client.inFlight(id, 64, 1024));
            }
            stillWorks(c);
            assertTrue(c.awaitType("RST_STREAM", 0) == null, () -> "no RST_STREAM for stray frames: " + c.events);
            assertEquals(before + 10 * 67, metric("remotemedia_grpc_server_stray_frames_ignored_total"));
            assertTrue(bystander.finish() > 0);
        }
    }

    @Test
    void aClientOverMaxConcurrentStreamsGetsRefusedStreamAndTheOthersComplete() throws Exception {
        try (BystanderClient bystander = new BystanderClient(server.port());
                RawH2Client c = new RawH2Client(server.port())) {
            assertTrue(c.awaitServerSettings(5000), "the server's SETTINGS");
            int a = c.headers(RawH2Client.grpcHeaders(HOLD), false);
            int b = c.headers(RawH2Client.grpcHeaders(HOLD), false);
            c.data(a, RawH2Client.frame(new byte[10], false), false);
            c.allowStreams(100); // a client that ignores the server's MAX_CONCURRENT_STREAMS of 2
            for (int extra = 0; extra < 5; extra++) {
                int over = c.headers(RawH2Client.grpcHeaders(HOLD), false);
                RawH2Client.Event rst = c.awaitType("RST_STREAM", 5000);
                assertNotNull(rst, () -> c.events + "\n" + server.log());
                assertEquals(over, rst.streamId());
                assertEquals(Http2Error.REFUSED_STREAM.code(), rst.code());
                // its request body was already on the way: the newest stream id, never created by netty
                c.raw(RawH2Client.inFlight(over, 4, 1024));
            }
            c.data(a, RawH2Client.frame(new byte[10], false), true);
            c.data(b, new byte[0], true);
            assertEquals(Integer.valueOf(0), c.await(a, 5000).grpcStatus());
            assertEquals(Integer.valueOf(0), c.await(b, 5000).grpcStatus());
            // REFUSED_STREAM means "not processed, retry": the retry on a new stream succeeds
            stillWorks(c);
            assertTrue(bystander.finish() > 0);
        }
    }

    @Test
    void aMalformedRequestOnOneStreamLeavesItsNeighboursAlone() throws Exception {
        try (BystanderClient bystander = new BystanderClient(server.port());
                RawH2Client c = new RawH2Client(server.port())) {
            int a = c.headers(RawH2Client.grpcHeaders(HOLD), false);
            c.data(a, RawH2Client.frame(new byte[10], false), false);
            for (int i = 0; i < 5; i++) {
                Http2Headers bad = new DefaultHttp2Headers(false).method("POST").scheme("http").path(HOLD)
                        .authority("localhost").add("content-type", "application/grpc").add("te", "trailers")
                        .add("X-Upper-Case", "not allowed in HTTP/2"); // RFC 9113 8.2.1: a malformed request
                int bad1 = c.headers(bad, false);
                RawH2Client.Event rst = c.awaitType("RST_STREAM", 5000);
                assertNotNull(rst, () -> c.events + "\n" + server.log());
                assertEquals(bad1, rst.streamId());
                assertEquals(Http2Error.PROTOCOL_ERROR.code(), rst.code());
                c.raw(RawH2Client.inFlight(bad1, 4, 1024));
            }
            c.data(a, RawH2Client.frame(new byte[10], false), true);
            assertEquals(Integer.valueOf(0), c.await(a, 5000).grpcStatus(), "the neighbour's call completes");
            stillWorks(c);
            assertTrue(bystander.finish() > 0);
        }
    }
}
