package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.GetMetricsRequest;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;
import org.remotemedia.testkit.Await;

/**
 * Scale, functionally (no timings: those are perf/'s): 1,000 concurrent StreamPipeline sessions
 * all complete with every result in order and right, and the session gauge and the engine's
 * pool return to idle; 2,000 concurrent connections each complete a call. Standard clients
 * (grpc-java) against the daemon's real wiring on a loopback port.
 */
class ScaleTest {
    private static final int RATE = 16_000;
    private static final int FRAMES = 160; // 10 ms: a low chunk rate in bytes and work

    /**
     * Chunk k of session s holds samples {@code (s * 7 + k * 3 + i) % 100 / 200}; Gain 2 doubles
     * each exactly (float), so every result can be checked sample by sample.
     */
    private static float sample(int session, int chunk, int i) {
        return ((session * 7 + chunk * 3 + i) % 100) / 200f;
    }

    private static AudioBuffer chunk(int session, int k) {
        ByteBuffer b = ByteBuffer.allocate(FRAMES * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < FRAMES; i++) {
            b.putFloat(sample(session, k, i));
        }
        return AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(b.array())).setSampleRate(RATE).setChannels(1)
                .setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(FRAMES).build();
    }

    static PipelineManifest gain2() {
        return PipelineManifest.newBuilder().setVersion("v1").setMetadata(ManifestMetadata.newBuilder().setName("scale"))
                .addNodes(NodeManifest.newBuilder().setId("g").setNodeType("Gain").setParams("{\"gain\": 2}")).build();
    }

    /** One session's client: results and the end queued for the test to check. */
    private static final class Session implements ClientResponseObserver<StreamRequest, StreamResponse> {
        final int index;
        final ConcurrentLinkedQueue<StreamResponse> responses = new ConcurrentLinkedQueue<>();
        final CountDownLatch readyOrEnded;
        final CountDownLatch[] rounds;
        final CountDownLatch ended;
        volatile Status status;
        ClientCallStreamObserver<StreamRequest> out;

        Session(int index, CountDownLatch ready, CountDownLatch[] rounds, CountDownLatch ended) {
            this.index = index;
            this.readyOrEnded = ready;
            this.rounds = rounds;
            this.ended = ended;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<StreamRequest> r) {
            out = r;
        }

        @Override
        public void onNext(StreamResponse r) {
            responses.add(r);
            if (r.hasReady()) {
                readyOrEnded.countDown();
            } else if (r.hasResult() && r.getResult().getSequence() < rounds.length) {
                rounds[(int) r.getResult().getSequence()].countDown();
            }
        }

        @Override
        public void onError(Throwable t) {
            status = Status.fromThrowable(t);
            readyOrEnded.countDown();
            ended.countDown();
        }

        @Override
        public void onCompleted() {
            status = Status.OK;
            ended.countDown();
        }
    }

    @Test
    void aThousandConcurrentSessionsAllCompleteInOrderAndTheGaugeReturnsToZero() throws Exception {
        int sessions = 1000;
        int chunks = 3;
        // the admission cap counts sessions as executions until sessions get their own cap (default 256)
        try (TestDaemon d = TestDaemon.start("execution.max_concurrent_executions", "2000", "logging.level", "warn")) {
            List<ManagedChannel> channels = new ArrayList<>();
            for (int c = 0; c < 4; c++) { // at most 1,000 streams per connection (transport.max_concurrent_streams)
                channels.add(NettyChannelBuilder.forAddress("127.0.0.1", d.port()).usePlaintext().build());
            }
            try {
                CountDownLatch ready = new CountDownLatch(sessions);
                CountDownLatch ended = new CountDownLatch(sessions);
                CountDownLatch[] rounds = new CountDownLatch[chunks];
                for (int k = 0; k < chunks; k++) {
                    rounds[k] = new CountDownLatch(sessions);
                }
                Session[] ss = new Session[sessions];
                StreamRequest init = StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifest(gain2())
                        .setClientVersion("v1")).build();
                for (int s = 0; s < sessions; s++) {
                    ss[s] = new Session(s, ready, rounds, ended);
                    ClientCalls.asyncBidiStreamingCall(channels.get(s % channels.size())
                            .newCall(StreamingPipelineServiceGrpc.getStreamPipelineMethod(), CallOptions.DEFAULT), ss[s]);
                    ss[s].out.onNext(init);
                }
                assertTrue(ready.await(120, TimeUnit.SECONDS), "sessions not ready: " + ready.getCount());
                for (Session s : ss) {
                    assertEquals(null, s.status, "session " + s.index + " ended before StreamReady");
                }
                assertEquals(sessions, metrics(channels.get(0)).getActiveStreams(), "the session gauge");
                // a low chunk rate: one chunk per session per round, the next round when all answered
                for (int k = 0; k < chunks; k++) {
                    for (Session s : ss) {
                        s.out.onNext(StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder().setNodeId("g")
                                .setSequence(k).setBuffer(chunk(s.index, k))).build());
                    }
                    assertTrue(rounds[k].await(120, TimeUnit.SECONDS), "round " + k + ": " + rounds[k].getCount()
                            + " sessions without a result");
                }
                for (Session s : ss) {
                    s.out.onNext(StreamRequest.newBuilder().setControl(StreamControl.newBuilder()
                            .setCommand(StreamControl.Command.COMMAND_CLOSE)).build());
                    s.out.onCompleted();
                }
                assertTrue(ended.await(120, TimeUnit.SECONDS), "sessions not ended: " + ended.getCount());
                for (Session s : ss) {
                    check(s, chunks);
                }
                Await.until(() -> metrics(channels.get(0)).getActiveStreams() == 0,
                        () -> "sessions still open on the server: " + metrics(channels.get(0)).getActiveStreams());
                Await.until(() -> d.engine().pool().inUseBytes() == 0,
                        () -> "engine pool bytes still in use: " + d.engine().pool().inUseBytes());
            } finally {
                for (ManagedChannel ch : channels) {
                    ch.shutdownNow();
                }
            }
        }
    }

    /** READY, results 0..chunks-1 in order with Gain 2 applied exactly, StreamClosed, status OK. */
    private static void check(Session s, int chunks) {
        assertEquals(Status.Code.OK, s.status.getCode(), "session " + s.index + ": " + s.status);
        List<StreamResponse> rs = new ArrayList<>(s.responses);
        assertTrue(rs.get(0).hasReady(), "session " + s.index + " first response " + rs.get(0));
        int k = 0;
        boolean closed = false;
        for (StreamResponse r : rs.subList(1, rs.size())) {
            switch (r.getResponseCase()) {
                case RESULT -> {
                    long seq = r.getResult().getSequence();
                    if (seq == chunks) {
                        continue; // the tail after COMMAND_CLOSE (Gain holds nothing back)
                    }
                    assertEquals(k, seq, "session " + s.index + ": results in order");
                    ByteBuffer out = r.getResult().getAudioOutputsOrThrow("g").getSamples().asReadOnlyByteBuffer()
                            .order(ByteOrder.LITTLE_ENDIAN);
                    assertEquals(FRAMES * 4, out.remaining(), "session " + s.index + " chunk " + k);
                    for (int i = 0; i < FRAMES; i++) {
                        float got = out.getFloat();
                        if (got != 2 * sample(s.index, k, i)) {
                            throw new AssertionError("session " + s.index + " chunk " + k + " sample " + i + ": "
                                    + got + " != " + 2 * sample(s.index, k, i) + " (another session's audio?)");
                        }
                    }
                    k++;
                }
                case CLOSED -> closed = true;
                case METRICS -> {
                }
                default -> throw new AssertionError("session " + s.index + ": unexpected " + r);
            }
        }
        assertEquals(chunks, k, "session " + s.index + ": every chunk answered");
        assertTrue(closed, "session " + s.index + ": StreamClosed");
    }

    @Test
    void twoThousandConcurrentConnectionsEachCompleteACall() throws Exception {
        int connections = 2000;
        try (TestDaemon d = TestDaemon.start("logging.level", "warn")) {
            boolean epoll = Epoll.isAvailable();
            var group = epoll ? new EpollEventLoopGroup(2) : new NioEventLoopGroup(2);
            List<ManagedChannel> channels = new ArrayList<>();
            try {
                for (int i = 0; i < connections; i++) {
                    channels.add(NettyChannelBuilder.forAddress("127.0.0.1", d.port()).usePlaintext()
                            .eventLoopGroup(group).channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                            .directExecutor().build());
                }
                AtomicInteger readyCount = new AtomicInteger();
                for (ManagedChannel ch : channels) {
                    whenReady(ch, readyCount);
                }
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (readyCount.get() < connections && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertEquals(connections, readyCount.get(), "connections READY");
                // every connection open at once on the server (the test's own channel has none yet)
                Await.until(() -> d.connectionCount() >= connections,
                        () -> "server sees " + d.connectionCount() + " connections");
                ExecuteRequest req = ExecuteRequest.newBuilder().setManifest(gain2()).setClientVersion("v1")
                        .putAudioInputs("g", chunk(1, 1)).build();
                Semaphore inFlight = new Semaphore(64); // well under execution.max_concurrent_executions
                CountDownLatch done = new CountDownLatch(connections);
                ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
                for (int i = 0; i < connections; i++) {
                    inFlight.acquire();
                    int idx = i;
                    ClientCalls.asyncUnaryCall(channels.get(i).newCall(
                            PipelineExecutionServiceGrpc.getExecutePipelineMethod(), CallOptions.DEFAULT), req,
                            new StreamObserver<ExecuteResponse>() {
                                @Override
                                public void onNext(ExecuteResponse r) {
                                    if (!r.hasResult() || r.getResult().getAudioOutputsOrThrow("g").getNumSamples() != FRAMES) {
                                        failures.add("connection " + idx + ": " + r);
                                    }
                                }

                                @Override
                                public void onError(Throwable t) {
                                    failures.add("connection " + idx + ": " + Status.fromThrowable(t));
                                    inFlight.release();
                                    done.countDown();
                                }

                                @Override
                                public void onCompleted() {
                                    inFlight.release();
                                    done.countDown();
                                }
                            });
                }
                assertTrue(done.await(120, TimeUnit.SECONDS), "calls not done: " + done.getCount());
                assertTrue(failures.isEmpty(), failures.size() + " failed, first: " + failures.peek());
                for (ManagedChannel ch : channels) {
                    ch.shutdownNow();
                }
                Await.until(() -> d.connectionCount() == 0, () -> d.connectionCount() + " connections still open");
            } finally {
                for (ManagedChannel ch : channels) {
                    ch.shutdownNow();
                }
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
        }
    }

    private static void whenReady(ManagedChannel ch, AtomicInteger ready) {
        ConnectivityState st = ch.getState(true);
        if (st == ConnectivityState.READY) {
            ready.incrementAndGet();
            return;
        }
        ch.notifyWhenStateChanged(st, () -> whenReady(ch, ready));
    }

    static org.remotemedia.proto.v1.GetMetricsResponse metrics(ManagedChannel ch) {
        return PipelineExecutionServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                .getMetrics(GetMetricsRequest.getDefaultInstance());
    }
}
