package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCalls;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.Messages;
import io.grpc.testing.integration.TestServiceGrpc;
import io.netty.handler.codec.http2.Http2Error;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.remotemedia.service.ProtoCodec;
import org.remotemedia.grpc.MessageEncoder;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.LeakCheck;

/** TLS, limits seen by grpc-java, graceful drain, keepalive, and a client that stops reading. */
@ExtendWith(LeakCheck.class)
class LifecycleTest {
    static final String GATE = "/test.Gate/Wait";
    static final MethodDescriptor<Messages.SimpleRequest, Messages.SimpleResponse> GATE_METHOD = TestServiceGrpc
            .getUnaryCallMethod().toBuilder().setFullMethodName("test.Gate/Wait").build();

    /** A gate: calls park here until the test answers them. */
    static final class Gate {
        final BlockingQueue<ServerCall> calls = new LinkedBlockingQueue<>();
        final AtomicInteger active = new AtomicInteger();
        final AtomicInteger maxActive = new AtomicInteger();
        final AtomicReference<Status> cancelled = new AtomicReference<>();

        MethodRegistry.Builder register(MethodRegistry.Builder b) {
            return b.unary(GATE, (call, req) -> {
                maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                call.setListener(new CallListener() {
                    @Override
                    public void onCancel(Status reason) {
                        active.decrementAndGet();
                        cancelled.set(reason);
                    }

                    @Override
                    public void onComplete() {
                        active.decrementAndGet();
                    }
                });
                calls.add(call);
            });
        }

        ServerCall next() throws InterruptedException {
            ServerCall c = calls.poll(5, TimeUnit.SECONDS);
            assertNotNull(c, "no call reached the handler");
            return c;
        }

        static void answer(ServerCall c) {
            c.sendMessage(Messages.SimpleResponse.getDefaultInstance(), ProtoCodec.ENCODER);
            c.close(Status.OK);
        }
    }

    // ------------------------------------------------------------------ TLS

    /** A self-signed certificate for localhost, made with the JDK's keytool, written as PEM. */
    static Path[] selfSigned(Path dir) throws Exception {
        Path ks = dir.resolve("ks.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "s", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("s", "changeit".toCharArray());
        Certificate cert = store.getCertificate("s");
        Path certPem = dir.resolve("cert.pem");
        Path keyPem = dir.resolve("key.pem");
        Base64.Encoder mime = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(certPem, "-----BEGIN CERTIFICATE-----\n" + mime.encodeToString(cert.getEncoded())
                + "\n-----END CERTIFICATE-----\n");
        Files.writeString(keyPem, "-----BEGIN PRIVATE KEY-----\n" + mime.encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return new Path[] {certPem, keyPem};
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void tlsWithAlpnH2(Clients client, @TempDir Path dir) throws Exception {
        Path[] pem = selfSigned(dir);
        EchoTestService svc = new EchoTestService();
        try (TestServer s = new TestServer(svc.register(MethodRegistry.builder()).build(),
                "transport.tls_cert_chain", pem[0].toString(), "transport.tls_private_key", pem[1].toString())) {
            ChannelCredentials creds = TlsChannelCredentials.newBuilder().trustManager(pem[0].toFile()).build();
            ManagedChannel ch = client.channel(s.port(), creds);
            try {
                assertEquals(1000, TestServiceGrpc.newBlockingStub(ch).unaryCall(Messages.SimpleRequest.newBuilder()
                        .setResponseSize(1000).build()).getPayload().getBody().size());
            } finally {
                Clients.close(ch);
            }
            // a plaintext client gets nowhere on the TLS port, and the server carries on
            ManagedChannel plain = client.channel(s.port());
            try {
                assertThrows(StatusRuntimeException.class, () -> TestServiceGrpc.newBlockingStub(plain)
                        .withDeadlineAfter(3, TimeUnit.SECONDS).emptyCall(EmptyProtos.Empty.getDefaultInstance()));
            } finally {
                Clients.close(plain);
            }
            ManagedChannel again = client.channel(s.port(), creds);
            try {
                TestServiceGrpc.newBlockingStub(again).emptyCall(EmptyProtos.Empty.getDefaultInstance());
            } finally {
                Clients.close(again);
            }
        }
    }

    // ------------------------------------------------------------------ limits via grpc-java

    @ParameterizedTest
    @EnumSource(Clients.class)
    void messageSizeLimitIsResourceExhausted(Clients client) throws Exception {
        EchoTestService svc = new EchoTestService();
        try (TestServer s = new TestServer(svc.register(MethodRegistry.builder()).build(),
                "transport.max_inbound_message_bytes", "1024")) {
            ManagedChannel ch = client.channel(s.port());
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> TestServiceGrpc
                        .newBlockingStub(ch).unaryCall(Messages.SimpleRequest.newBuilder()
                                .setPayload(TransportIntegrationTest.payload(2000)).build()));
                assertEquals(io.grpc.Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("1024"));
                // the connection goes on serving
                TestServiceGrpc.newBlockingStub(ch).unaryCall(Messages.SimpleRequest.newBuilder()
                        .setPayload(TransportIntegrationTest.payload(900)).build());
            } finally {
                Clients.close(ch);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void concurrentStreamLimitIsRespected(Clients client) throws Exception {
        Gate gate = new Gate();
        try (TestServer s = new TestServer(gate.register(MethodRegistry.builder()).build(),
                "transport.max_concurrent_streams", "2")) {
            ManagedChannel ch = client.channel(s.port());
            try {
                List<CompletableFuture<Messages.SimpleResponse>> fs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    CompletableFuture<Messages.SimpleResponse> f = new CompletableFuture<>();
                    ClientCalls.asyncUnaryCall(ch.newCall(GATE_METHOD, CallOptions.DEFAULT),
                            Messages.SimpleRequest.getDefaultInstance(), TransportIntegrationTest.observer(f, x -> x));
                    fs.add(f);
                }
                for (int i = 0; i < 4; i++) {
                    Gate.answer(gate.next());
                    Thread.sleep(50);
                }
                for (CompletableFuture<Messages.SimpleResponse> f : fs) {
                    f.get(5, TimeUnit.SECONDS);
                }
                assertEquals(2, gate.maxActive.get(), "never more than 2 calls at once on the connection");
            } finally {
                Clients.close(ch);
            }
        }
    }

    // ------------------------------------------------------------------ graceful drain

    @Test
    void drainIsTwoPhaseAndInFlightCallsFinish() throws Exception {
        Gate gate = new Gate();
        TestServer s = new TestServer(gate.register(MethodRegistry.builder()).build());
        try (RawH2Client c = new RawH2Client(s.port())) {
            int id = c.headers(RawH2Client.grpcHeaders(GATE), false);
            c.data(id, RawH2Client.frame(new byte[0], false), true);
            ServerCall inFlight = gate.next();
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> {
                try {
                    s.server.shutdown(10_000);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            RawH2Client.Event first = c.awaitType("GOAWAY", 5000);
            assertNotNull(first);
            assertEquals(Integer.MAX_VALUE, first.lastStreamId(), "phase one: 2^31-1");
            assertEquals(Http2Error.NO_ERROR.code(), first.code());
            RawH2Client.Event second = c.awaitType("GOAWAY", 5000);
            assertNotNull(second);
            assertEquals(id, second.lastStreamId(), "phase two: the real last stream id");
            // a call that was accepted finishes normally during the drain
            Gate.answer(inFlight);
            RawH2Client.Response r = c.await(id, 5000);
            assertEquals(Integer.valueOf(0), r.grpcStatus());
            assertTrue(c.awaitClosed(5000), "the connection closes once its last call ended");
            shutdown.get(10, TimeUnit.SECONDS);
        } finally {
            s.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void drainLetsGrpcJavaFinishAndRefusesNewCalls(Clients client) throws Exception {
        Gate gate = new Gate();
        TestServer s = new TestServer(gate.register(MethodRegistry.builder()).build());
        ManagedChannel ch = client.channel(s.port());
        try {
            CompletableFuture<Messages.SimpleResponse> f = new CompletableFuture<>();
            ClientCalls.asyncUnaryCall(ch.newCall(GATE_METHOD, CallOptions.DEFAULT),
                    Messages.SimpleRequest.getDefaultInstance(), TransportIntegrationTest.observer(f, x -> x));
            ServerCall inFlight = gate.next();
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(() -> {
                try {
                    s.server.shutdown(10_000);
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                }
            });
            // the probe must start after the client saw the first GOAWAY, else it is a call the
            // server still takes (and parks at the gate)
            Await.until(() -> ch.getState(false) != io.grpc.ConnectivityState.READY,
                    () -> "the client never left READY after GOAWAY");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                    ch, GATE_METHOD, CallOptions.DEFAULT.withDeadlineAfter(3, TimeUnit.SECONDS),
                    Messages.SimpleRequest.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.UNAVAILABLE, e.getStatus().getCode());
            Gate.answer(inFlight);
            f.get(5, TimeUnit.SECONDS);
            shutdown.get(10, TimeUnit.SECONDS);
        } finally {
            Clients.close(ch);
            s.close();
        }
    }

    @Test
    void callsStillRunningAtTheEndOfTheGraceAreCancelled() throws Exception {
        Gate gate = new Gate();
        TestServer s = new TestServer(gate.register(MethodRegistry.builder()).build());
        try (RawH2Client c = new RawH2Client(s.port())) {
            int id = c.headers(RawH2Client.grpcHeaders(GATE), false);
            c.data(id, RawH2Client.frame(new byte[0], false), true);
            gate.next();
            long t0 = System.nanoTime();
            s.server.shutdown(300);
            // 300 ms grace + force-close; the bound only says "does not wait for the call"
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20));
            RawH2Client.Response r = c.await(id, 5000);
            assertEquals(Integer.valueOf(14), r.grpcStatus(), "UNAVAILABLE after the grace period");
            assertEquals(org.remotemedia.grpc.StatusCode.UNAVAILABLE, gate.cancelled.get().code(),
                    "the handler was told to stop");
        } finally {
            s.close();
        }
    }

    // ------------------------------------------------------------------ keepalive

    @Test
    void keepaliveClosesAConnectionThatNeverAcksPings() throws Exception {
        try (TestServer s = new TestServer(MethodRegistry.empty(), "transport.keepalive_time_ms", "1000",
                "transport.keepalive_timeout_ms", "300");
                Socket sock = new Socket("127.0.0.1", s.port());
                RawH2Client acking = new RawH2Client(s.port())) {
            OutputStream out = sock.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
            out.flush();
            sock.setSoTimeout(8000);
            InputStream in = sock.getInputStream();
            boolean sawPing = false;
            long t0 = System.nanoTime();
            byte[] header = new byte[9];
            while (true) {
                if (in.readNBytes(header, 0, 9) < 9) {
                    break; // closed by the server
                }
                int len = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                in.readNBytes(len);
                if (header[3] == 6 && (header[4] & 1) == 0) {
                    sawPing = true;
                }
            }
            assertTrue(sawPing, "the server pinged the idle connection");
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(6));
            // a client that answers pings keeps its connection
            assertTrue(acking.isOpen());
            assertEquals(Integer.valueOf(12), acking.call("/a.B/C", new byte[0]).grpcStatus());
        }
    }

    @Test
    void grpcJavaPingingTooOftenGetsTooManyPingsAndRecovers() throws Exception {
        EchoTestService svc = new EchoTestService();
        // the client pings every 10 s (grpc-java's minimum); the server permits one per 60 s, no strikes
        try (TestServer s = new TestServer(svc.register(MethodRegistry.builder()).build(),
                "transport.permit_keepalive_time_ms", "60000", "transport.permit_keepalive_without_calls", "true",
                "transport.max_ping_strikes", "0")) {
            ManagedChannel ch = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext()
                    .keepAliveTime(10, TimeUnit.SECONDS).keepAliveWithoutCalls(true).build();
            try {
                TestServiceGrpc.newBlockingStub(ch).emptyCall(EmptyProtos.Empty.getDefaultInstance());
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
                while (!s.log().contains("\"event\":\"too_many_pings\"") && System.nanoTime() < until) {
                    Thread.sleep(100);
                }
                assertTrue(s.log().contains("\"event\":\"too_many_pings\""), s.log());
                // grpc-java backs off its keepalive and reconnects; the server keeps serving it
                TestServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .emptyCall(EmptyProtos.Empty.getDefaultInstance());
            } finally {
                Clients.close(ch);
            }
        }
    }

    @Test
    void idleConnectionsAreDrainedAfterMaxConnectionIdle() throws Exception {
        Gate gate = new Gate();
        try (TestServer s = new TestServer(gate.register(MethodRegistry.builder()).build(),
                "transport.max_connection_idle_ms", "300");
                RawH2Client c = new RawH2Client(s.port())) {
            // a call in progress keeps it open past the idle time
            int id = c.headers(RawH2Client.grpcHeaders(GATE), false);
            c.data(id, RawH2Client.frame(new byte[0], false), true);
            ServerCall call = gate.next();
            Thread.sleep(700);
            assertTrue(c.isOpen());
            assertEquals(null, c.awaitType("GOAWAY", 10));
            Gate.answer(call);
            assertEquals(Integer.valueOf(0), c.await(id, 5000).grpcStatus());
            // then, idle: GOAWAY and close
            RawH2Client.Event g = c.awaitType("GOAWAY", 5000);
            assertNotNull(g);
            assertEquals(Http2Error.NO_ERROR.code(), g.code());
            assertTrue(c.awaitClosed(5000));
        }
    }

    @Test
    void aConnectionPastMaxConnectionAgeIsDrainedAndItsCallsFinish() throws Exception {
        Gate gate = new Gate();
        try (TestServer s = new TestServer(gate.register(MethodRegistry.builder()).build(),
                "transport.max_connection_age_ms", "300");
                RawH2Client c = new RawH2Client(s.port())) {
            int id = c.headers(RawH2Client.grpcHeaders(GATE), false);
            c.data(id, RawH2Client.frame(new byte[0], false), true);
            ServerCall call = gate.next();
            // the age (300 ms +-10%) passes with the call in flight: GOAWAY, but the call goes on
            RawH2Client.Event g = c.awaitType("GOAWAY", 5000);
            assertNotNull(g, "no GOAWAY after the connection's maximum age");
            assertEquals(Http2Error.NO_ERROR.code(), g.code());
            assertTrue(c.isOpen());
            Gate.answer(call);
            assertEquals(Integer.valueOf(0), c.await(id, 5000).grpcStatus(), "the call in flight finished normally");
            assertTrue(c.awaitClosed(5000), "closed once its last call ended");
            assertTrue(s.log().contains("\"event\":\"connection_max_age\""), s.log());
        }
    }

    @Test
    void afterTheAgeGraceTheCallsStillRunningEndUnavailableSayingWhy() throws Exception {
        Gate gate = new Gate();
        try (TestServer s = new TestServer(gate.register(MethodRegistry.builder()).build(),
                "transport.max_connection_age_ms", "200", "transport.max_connection_age_grace_ms", "300");
                RawH2Client c = new RawH2Client(s.port())) {
            int id = c.headers(RawH2Client.grpcHeaders(GATE), false);
            c.data(id, RawH2Client.frame(new byte[0], false), true);
            gate.next(); // never answered
            RawH2Client.Response r = c.await(id, 5000);
            assertEquals(Integer.valueOf(StatusCode.UNAVAILABLE.value()), r.grpcStatus());
            assertTrue(r.header("grpc-message").contains("maximum age"), r.header("grpc-message"));
            assertTrue(c.awaitClosed(5000));
            assertTrue(s.log().contains("\"event\":\"connection_max_age_grace\""), s.log());
        }
    }

    @ParameterizedTest
    @EnumSource(Clients.class)
    void standardClientsReconnectAfterMaxConnectionAgeWithoutAFailedCall(Clients client) throws Exception {
        EchoTestService svc = new EchoTestService();
        try (TestServer s = new TestServer(svc.register(MethodRegistry.builder()).build(),
                "transport.max_connection_age_ms", "150")) {
            ManagedChannel ch = client.channel(s.port());
            try {
                TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(ch);
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                int calls = 0;
                while (System.nanoTime() < end) { // every call succeeds across several connection ages
                    stub.withDeadlineAfter(5, TimeUnit.SECONDS).emptyCall(EmptyProtos.Empty.getDefaultInstance());
                    calls++;
                    Thread.sleep(20);
                }
                assertTrue(calls > 10, "calls " + calls);
            } finally {
                Clients.close(ch);
            }
            long aged = s.log().lines().filter(l -> l.contains("\"event\":\"connection_max_age\"")).count();
            assertTrue(aged >= 2, "connections drained for their age: " + aged + "\n" + s.log());
        }
    }

    // ------------------------------------------------------------------ a client that stops reading

    static final MessageEncoder<byte[]> RAW = new MessageEncoder<>() {
        @Override
        public int serializedSize(byte[] m) {
            return m.length;
        }

        @Override
        public void encode(byte[] m, java.nio.ByteBuffer dst) {
            dst.put(m);
        }
    };

    @Test
    void aClientThatStopsReadingHoldsOnlyItsOwnCall() throws Exception {
        AtomicLong sent = new AtomicLong();
        AtomicReference<Status> cancel = new AtomicReference<>();
        AtomicReference<Status> ignoreCancel = new AtomicReference<>();
        byte[] chunk = new byte[64 * 1024];
        MethodRegistry.Builder b = new EchoTestService().register(MethodRegistry.builder());
        // respects isReady / onReady
        b.serverStreaming("/test.Flood/Polite", (call, req) -> {
            Runnable pump = () -> {
                while (call.isReady() && sent.get() < 10L << 20 && !call.isCancelled()) {
                    call.sendMessage(chunk, RAW);
                    sent.addAndGet(chunk.length);
                }
            };
            call.setListener(new CallListener() {
                @Override
                public void onReady() {
                    pump.run();
                }

                @Override
                public void onCancel(Status reason) {
                    cancel.set(reason);
                }
            });
            pump.run();
        });
        // ignores isReady: cut off at the outbound limit
        b.serverStreaming("/test.Flood/Rude", (call, req) -> {
            call.setListener(new CallListener() {
                @Override
                public void onCancel(Status reason) {
                    ignoreCancel.set(reason);
                }
            });
            for (int i = 0; i < 128 && !call.isCancelled(); i++) {
                call.sendMessage(chunk, RAW);
            }
        });
        try (TestServer s = new TestServer(b.build(), "transport.max_inbound_message_bytes", "1024",
                "transport.max_stream_unread_bytes", String.valueOf(4 << 20));
                RawH2Client stuck = new RawH2Client(s.port())) {
            stuck.stopReading();
            int id = stuck.headers(RawH2Client.grpcHeaders("/test.Flood/Polite"), false);
            stuck.data(id, RawH2Client.frame(new byte[0], false), true);
            Thread.sleep(500);
            long held = sent.get();
            assertTrue(held < 1L << 20, "the handler is held back by the client's window: " + held);
            // other connections are unaffected
            ManagedChannel other = Clients.NETTY.channel(s.port());
            try {
                TestServiceGrpc.newBlockingStub(other).emptyCall(EmptyProtos.Empty.getDefaultInstance());
            } finally {
                Clients.close(other);
            }
            // so is another stream on the stuck connection... as far as its own window allows
            int rude = stuck.headers(RawH2Client.grpcHeaders("/test.Flood/Rude"), false);
            stuck.data(rude, RawH2Client.frame(new byte[0], false), true);
            RawH2Client.Event rst = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < until) {
                RawH2Client.Event e = stuck.awaitType("RST_STREAM", 200);
                if (e != null && e.streamId() == rude) {
                    rst = e;
                    break;
                }
            }
            assertNotNull(rst, () -> "a handler that ignores isReady is cut off\n" + stuck.events + "\n" + s.log());
            assertEquals(Http2Error.CANCEL.code(), rst.code());
            assertEquals(org.remotemedia.grpc.StatusCode.RESOURCE_EXHAUSTED, ignoreCancel.get().code());
            stuck.rst(id, Http2Error.CANCEL.code());
            until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (cancel.get() == null && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            assertEquals(org.remotemedia.grpc.StatusCode.CANCELLED, cancel.get().code());
        }
    }
}
