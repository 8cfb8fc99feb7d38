package org.remotemedia.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Durations;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.proto.v1.ChunkResult;
import org.remotemedia.proto.v1.ErrorType;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.StreamReady;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;
import org.remotemedia.proto.v1.VersionRequest;
import org.remotemedia.proto.v1.VersionResponse;

/**
 * The Java client against the real daemon (a child process on 127.0.0.1), and against small
 * grpc-java servers that misbehave on purpose (a stream that ends mid-way, RetryInfo): results,
 * streaming, and every bad case of the issue as a typed exception, never a hang.
 */
class ClientTest {
    private static final String RESAMPLE = "{\"version\":\"v1\",\"metadata\":{\"name\":\"r\"},\"nodes\":[{\"id\":\"resample\","
            + "\"node_type\":\"AudioResample\",\"params\":{\"target_sample_rate\":16000}}],\"connections\":[]}";
    private static final String GAIN = "{\"version\":\"v1\",\"metadata\":{\"name\":\"g\"},\"nodes\":[{\"id\":\"g\","
            + "\"node_type\":\"Gain\",\"params\":{\"gain\":0.5}}],\"connections\":[]}";
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(TestServer.acceptToken("t0ken"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static RemoteMediaClient client() {
        return RemoteMediaClient.builder(server.target()).token("t0ken").build();
    }

    private static float[] sine(int frames, int rate) {
        float[] s = new float[frames];
        for (int i = 0; i < frames; i++) {
            s[i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * i / rate));
        }
        return s;
    }

    @Test
    void versionExecuteAndDataNodes() {
        try (RemoteMediaClient c = client()) {
            VersionResponse v = c.version();
            assertEquals("v1", v.getVersionInfo().getProtocolVersion());
            assertTrue(v.getVersionInfo().getSupportedNodeTypesList().contains("CalculatorNode"));

            ExecuteResult r = c.execute(RESAMPLE, Map.of("resample", Audio.ofFloats(sine(44_100, 44_100), 44_100, 1)),
                    Map.of());
            Audio out = r.audio().get("resample");
            assertEquals(16_000, out.frames());
            assertEquals(16_000, out.sampleRate());
            float[] f = out.toFloats();
            for (int i = 2000; i < 14_000; i += 997) {
                assertEquals(0.5 * Math.sin(2 * Math.PI * 440 * i / 16_000.0), f[i], 1e-4, "sample " + i);
            }
            ExecuteResult calc = c.execute("{\"version\":\"v1\",\"metadata\":{\"name\":\"c\"},\"nodes\":[{\"id\":\"calc\","
                    + "\"node_type\":\"CalculatorNode\",\"params\":{\"operation\":\"multiply\",\"operand\":6}}]}",
                    Map.of(), Map.of("calc", "7"));
            assertEquals("42", calc.data().get("calc"));
        }
    }

    @Test
    void pipelineErrorsAreTypedWithTheErrorResponse() {
        try (RemoteMediaClient c = client()) {
            PipelineException e = assertThrows(PipelineException.class, () -> c.execute(
                    "{\"version\":\"v1\",\"metadata\":{\"name\":\"c\"},\"nodes\":[{\"id\":\"d\",\"node_type\":\"CalculatorNode\","
                            + "\"params\":{\"operation\":\"divide\",\"operand\":0}}]}", Map.of(), Map.of("d", "1")));
            assertEquals(ErrorType.ERROR_TYPE_NODE_EXECUTION, e.errorType());
            assertEquals("d", e.failingNodeId());
            PipelineException v = assertThrows(PipelineException.class, () -> c.execute(RESAMPLE.replace("16000", "5"),
                    Map.of("resample", Audio.ofFloats(new float[100], 16_000, 1)), Map.of()));
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, v.errorType());
            assertTrue(v.context().contains("/nodes/0/params/target_sample_rate"), v.context());
        }
    }

    @Test
    void streamsNChunksAndGetsNResultsThenClosed() {
        List<ChunkResult> results = new ArrayList<>();
        try (RemoteMediaClient c = client();
             PipelineStream s = c.stream(GAIN, Map.of(), r -> {
                 synchronized (results) {
                     results.add(r);
                 }
             })) {
            StreamReady ready = s.ready();
            assertTrue(!ready.getSessionId().isEmpty());
            float[] pcm = sine(1600, 16_000);
            for (int i = 0; i < 20; i++) {
                s.send("g", Audio.ofFloats(pcm, 16_000, 1));
            }
            var closed = s.finish();
            assertTrue(closed.getReason().contains("COMMAND_CLOSE"), closed.getReason());
        }
        assertEquals(20, results.size(), "one result per chunk, no empty flush");
        for (int i = 0; i < 20; i++) {
            assertEquals(i, results.get(i).getSequence());
            float[] out = Audio.ofBytes(results.get(i).getAudioOutputsOrThrow("g").getSamples(), 16_000, 1,
                    SampleFormat.F32).toFloats();
            assertEquals(0.25 * Math.sin(2 * Math.PI * 440 * 100 / 16_000.0), out[100], 1e-6);
        }
    }

    /** The Python and TypeScript clients' unsupported-array cases, as Java's typed arrays and bytes have them. */
    @Test
    void unsupportedAudioIsRefusedBeforeAnyCallWithASpecificError() {
        InvalidAudioException shape = assertThrows(InvalidAudioException.class,
                () -> Audio.ofFloats(new float[3], 16_000, 2));
        assertEquals("3 samples is not a whole number of 2-channel frames: interleave the channels, frames x 2"
                + " samples", shape.getMessage());
        assertTrue(assertThrows(InvalidAudioException.class, () -> Audio.ofShorts(new short[5], 16_000, 4))
                .getMessage().startsWith("5 samples is not a whole number of 4-channel frames"));
        // bytes that are not samples of the format they are declared as (the dtype does not fit)
        InvalidAudioException dtype = assertThrows(InvalidAudioException.class,
                () -> Audio.ofBytes(ByteString.copyFrom(new byte[6]), 16_000, 1, SampleFormat.F32));
        assertEquals("6 bytes is not a whole number of 1-channel F32 frames (4 bytes each): are the bytes F32?",
                dtype.getMessage());
        assertTrue(assertThrows(InvalidAudioException.class, () -> Audio.ofBytes(ByteString.copyFrom(new byte[4]),
                16_000, 1, null)).getMessage().contains("use SampleFormat.F32, I16 or I32"));
        assertEquals("sample rate must be > 0 Hz, got 0", assertThrows(InvalidAudioException.class,
                () -> Audio.ofFloats(new float[4], 0, 1)).getMessage());
        assertEquals("channels must be > 0, got 0", assertThrows(InvalidAudioException.class,
                () -> Audio.ofShorts(new short[4], 16_000, 0)).getMessage());
        assertEquals("no samples (null)", assertThrows(InvalidAudioException.class,
                () -> Audio.ofFloats(null, 16_000, 1)).getMessage());
        assertInstanceOf(RemoteMediaException.class, shape, "one catch for every client failure");
    }

    // ---- back-pressure ----------------------------------------------------------------------
    // 16 kHz in, 48 kHz out: each result is three times its chunk, so the client's window fills early
    private static final String UPSAMPLE = "{\"version\":\"v1\",\"metadata\":{\"name\":\"up\"},\"nodes\":[{\"id\":\"up\","
            + "\"node_type\":\"AudioResample\",\"params\":{\"target_sample_rate\":48000}}]}";
    /** What a client without back-pressure would take from the producer: 128 MB of 100 ms chunks. */
    private static final int MANY = 20_000;
    /**
     * Chunks in flight at most: the server's stream window (1 MiB) and queue (16 chunks), grpc-java's
     * 32 KiB of outbound buffer, plus the chunks whose results fill the client's receive window.
     */
    private static final int BOUND = 2500;

    /**
     * The server is slower than the sender because the caller's result callback is: while it blocks,
     * grpc-java reads no more responses, the server's window to us fills, the daemon stops reading
     * chunks, its queue and window fill, and {@code send()} must wait. One that queued what it is given
     * would accept all MANY chunks. After the check the callback is released: every chunk sent gets
     * its result, in order.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void sendWaitsWhileTheServerIsSlowerThanTheSender() throws Exception {
        Audio chunk = Audio.ofFloats(new float[1600], 16_000, 1); // 100 ms, 6.4 kB on the wire
        CountDownLatch release = new CountDownLatch(1);
        List<Long> sequences = new ArrayList<>();
        AtomicLong accepted = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        try (RemoteMediaClient c = client()) {
            c.execute(UPSAMPLE, Map.of("up", chunk), Map.of()); // a warm server: a stall below is flow control
            try (PipelineStream s = c.stream(UPSAMPLE, Map.of(), r -> {
                try {
                    release.await(3, TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (sequences) {
                    sequences.add(r.getSequence());
                }
            })) {
                Thread producer = new Thread(() -> {
                    try {
                        for (int i = 0; i < MANY && !stop.get(); i++) {
                            s.send("up", chunk);
                            accepted.incrementAndGet();
                        }
                    } catch (Throwable t) {
                        producerFailure.set(t);
                    }
                }, "producer");
                producer.start();
                long held = heldBack(accepted);
                assertTrue(held > 0 && held <= BOUND, "send() accepted " + held + " of " + MANY
                        + " chunks while no result was consumed");
                stop.set(true);
                release.countDown();
                producer.join(TimeUnit.MINUTES.toMillis(2));
                assertFalse(producer.isAlive(), "send() did not resume once the results were read");
                assertNull(producerFailure.get());
                assertTrue(s.finish().getReason().contains("COMMAND_CLOSE"));
                assertEquals(accepted.get(), s.chunksSent());
            }
        } finally {
            release.countDown();
        }
        long sent = accepted.get();
        synchronized (sequences) {
            // a result per chunk, in order (the resampler's tail may add one more)
            assertTrue(sequences.size() == sent || sequences.size() == sent + 1, sequences.size() + " results, " + sent
                    + " chunks");
            for (int i = 0; i < sent; i++) {
                assertEquals((long) i, (long) sequences.get(i));
            }
        }
    }

    /**
     * Polls {@code count} until it stops growing (12 polls, 250 ms apart) or passes BOUND, at most
     * 90 s; returns it then.
     */
    private static long heldBack(AtomicLong count) throws InterruptedException {
        long last = -1;
        int quiet = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < end) {
            Thread.sleep(250);
            long n = count.get();
            if (n > BOUND) {
                return n;
            }
            quiet = n == last ? quiet + 1 : 0;
            last = n;
            if (quiet >= 12 && n > 0) {
                return n;
            }
        }
        return count.get();
    }

    @Test
    void aWrongTokenIsAnAuthenticationException() {
        try (RemoteMediaClient c = RemoteMediaClient.builder(server.target()).token("wrong").build()) {
            RpcException e = assertThrows(RpcException.AuthenticationException.class, c::version);
            assertEquals(Status.Code.UNAUTHENTICATED, e.code());
            assertThrows(RpcException.AuthenticationException.class, () -> c.stream(GAIN, Map.of(), r -> { }));
        }
    }

    @Test
    void aServerThatIsDownIsUnavailable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there now
        }
        try (RemoteMediaClient c = RemoteMediaClient.builder("127.0.0.1:" + port).timeout(Duration.ofSeconds(20)).build()) {
            RpcException e = assertThrows(RpcException.UnavailableException.class, c::version);
            assertTrue(e.getMessage().contains("is the server running"), e.getMessage());
        }
    }

    @Test
    void aPortThatDoesNotSpeakGrpcIsATypedErrorNotAHang() throws Exception {
        try (ServerSocket http = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = new Thread(() -> {
                while (!http.isClosed()) {
                    try (Socket sock = http.accept(); OutputStream o = sock.getOutputStream()) {
                        sock.getInputStream().read(new byte[1024]);
                        o.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                    } catch (Exception ignored) {
                        // closed
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            try (RemoteMediaClient c = RemoteMediaClient.builder("127.0.0.1:" + http.getLocalPort())
                    .timeout(Duration.ofSeconds(20)).build()) {
                RpcException e = assertThrows(RpcException.class, c::version);
                assertTrue(e.code() == Status.Code.UNAVAILABLE || e.code() == Status.Code.INTERNAL
                        || e.code() == Status.Code.UNKNOWN, e.getMessage());
            }
        }
    }

    @Test
    void aStreamCancelledByTheCallerIsCancelled() {
        try (RemoteMediaClient c = client()) {
            PipelineStream s = c.stream(GAIN, Map.of(), r -> { });
            s.send("g", Audio.ofFloats(new float[160], 16_000, 1));
            s.cancel();
            assertThrows(RpcException.CancelledException.class, s::finish);
            assertThrows(RpcException.CancelledException.class, () -> s.send("g", Audio.ofFloats(new float[160], 16_000, 1)));
        }
    }

    @Test
    void aServerThatEndsTheStreamMidWayIsStreamInterrupted() throws Exception {
        Server fake = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new StreamingPipelineServiceGrpc.StreamingPipelineServiceImplBase() {
                    @Override
                    public StreamObserver<StreamRequest> streamPipeline(StreamObserver<StreamResponse> out) {
                        return new StreamObserver<>() {
                            int chunks;

                            @Override
                            public void onNext(StreamRequest r) {
                                if (r.hasInit()) {
                                    out.onNext(StreamResponse.newBuilder().setReady(StreamReady.newBuilder()
                                            .setSessionId("fake")).build());
                                } else if (r.hasAudioChunk() && ++chunks == 2) {
                                    out.onCompleted(); // gone mid-way, without StreamClosed
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                            }

                            @Override
                            public void onCompleted() {
                            }
                        };
                    }
                }).build().start();
        try (RemoteMediaClient c = RemoteMediaClient.builder("127.0.0.1:" + fake.getPort()).build()) {
            PipelineStream s = c.stream(GAIN, Map.of(), r -> { });
            RemoteMediaException e = assertThrows(RemoteMediaException.class, () -> {
                for (int i = 0; i < 1000; i++) {
                    s.send("g", Audio.ofFloats(new float[160], 16_000, 1));
                }
                s.finish();
            });
            assertInstanceOf(StreamInterruptedException.class, e);
            assertTrue(e.getMessage().contains("without StreamClosed"), e.getMessage());
        } finally {
            fake.shutdownNow();
        }
    }

    @Test
    void retryIsOptInAndHonoursRetryInfo() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Server fake = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new PipelineExecutionServiceGrpc.PipelineExecutionServiceImplBase() {
                    @Override
                    public void getVersion(VersionRequest r, StreamObserver<VersionResponse> out) {
                        if (calls.incrementAndGet() == 1) {
                            out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                                    .setCode(Code.UNAVAILABLE_VALUE).setMessage("overloaded")
                                    .addDetails(com.google.protobuf.Any.pack(RetryInfo.newBuilder()
                                            .setRetryDelay(Durations.fromMillis(50)).build())).build()));
                            return;
                        }
                        out.onNext(VersionResponse.newBuilder().setCompatible(true).build());
                        out.onCompleted();
                    }
                }).build().start();
        try (RemoteMediaClient once = RemoteMediaClient.builder("127.0.0.1:" + fake.getPort()).build()) {
            RpcException e = assertThrows(RpcException.UnavailableException.class, once::version);
            assertTrue(e.isRetryable());
            assertEquals(Duration.ofMillis(50), e.retryDelay().orElseThrow());
        }
        calls.set(0);
        try (RemoteMediaClient retrying = RemoteMediaClient.builder("127.0.0.1:" + fake.getPort())
                .retry(3, Duration.ofSeconds(1)).build()) {
            assertTrue(retrying.version().getCompatible());
            assertEquals(2, calls.get());
        } finally {
            fake.shutdownNow();
        }
    }

    @Test
    void aStreamRefusedBeforeStreamReadyIsRetriedAfterRetryInfo() throws Exception {
        RefusingStreams refusing = new RefusingStreams(1, 500, false);
        Server fake = refusing.start();
        List<Long> results = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (RemoteMediaClient c = RemoteMediaClient.builder("127.0.0.1:" + fake.getPort())
                .retry(3, Duration.ofSeconds(5)).build();
             PipelineStream s = c.stream(GAIN, Map.of(), r -> results.add(r.getSequence()))) {
            for (int i = 0; i < 8; i++) {
                s.send("g", Audio.ofFloats(new float[160], 16_000, 1));
            }
            assertEquals("closed by client", s.finish().getReason());
            assertEquals("s2", s.ready().getSessionId());
            assertEquals(8, s.chunksSent());
        } finally {
            fake.shutdownNow();
        }
        assertEquals(2, refusing.attempts.size());
        assertEquals(List.of(), refusing.attempts.get(0)); // refused on init: stream() had not returned, no chunk sent
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), refusing.attempts.get(1));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), results);
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(refusing.started.get(1) - refusing.refused.get(0));
        assertTrue(waitedMs >= 0.8 * 500, "waited " + waitedMs + " ms"); // RetryInfo's delay
    }

    @Test
    void aStreamIsNotRetriedWithoutRetryNorAfterStreamReady() throws Exception {
        RefusingStreams refusing = new RefusingStreams(1, 50, false);
        RefusingStreams admitted = new RefusingStreams(0, 50, true);
        Server fake = refusing.start();
        Server fake2 = admitted.start();
        try (RemoteMediaClient once = RemoteMediaClient.builder("127.0.0.1:" + fake.getPort()).build();
             RemoteMediaClient c = RemoteMediaClient.builder("127.0.0.1:" + fake2.getPort())
                     .retry(3, Duration.ofSeconds(5)).build()) {
            RpcException e = assertThrows(RpcException.UnavailableException.class,
                    () -> once.stream(GAIN, Map.of(), r -> { }));
            assertTrue(e.isRetryable());
            assertEquals(1, refusing.attempts.size());
            assertThrows(RpcException.UnavailableException.class, () -> {
                try (PipelineStream s = c.stream(GAIN, Map.of(), r -> { })) {
                    for (int i = 0; i < 8; i++) {
                        s.send("g", Audio.ofFloats(new float[160], 16_000, 1));
                    }
                    s.finish();
                }
            });
            assertEquals(1, admitted.attempts.size()); // admitted (StreamReady came): never opened again
        } finally {
            fake.shutdownNow();
            fake2.shutdownNow();
        }
    }

    @Test
    void aStreamRetryKeepsWithinTheTimeout() throws Exception {
        RefusingStreams refusing = new RefusingStreams(3, 5_000, false);
        Server fake = refusing.start();
        try (RemoteMediaClient c = RemoteMediaClient.builder("127.0.0.1:" + fake.getPort())
                .timeout(Duration.ofSeconds(1)).retry(3, Duration.ofSeconds(30)).build()) {
            assertThrows(RpcException.UnavailableException.class, () -> c.stream(GAIN, Map.of(), r -> { }));
            assertEquals(1, refusing.attempts.size()); // a 5 s wait would overrun the 1 s timeout
        } finally {
            fake.shutdownNow();
        }
    }

    @Test
    void tlsWithAPrivateCa(@TempDir Path dir) throws Exception {
        Path[] pem = TestServer.selfSignedCert(dir);
        try (TestServer tls = TestServer.start("transport.tls_cert_chain=" + pem[0], "transport.tls_private_key=" + pem[1]);
             RemoteMediaClient c = RemoteMediaClient.builder(tls.target()).tls(pem[0]).build();
             RemoteMediaClient plain = RemoteMediaClient.builder(tls.target()).timeout(Duration.ofSeconds(20)).build()) {
            assertEquals("v1", c.version().getVersionInfo().getProtocolVersion());
            assertThrows(RpcException.class, plain::version); // h2c against a TLS port: typed, no hang
        }
        assertTrue(Files.exists(pem[0]));
    }
}
