package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.testkit.DrainLoad;
import org.remotemedia.testkit.StaticAddresses;

/**
 * Shutdown under load, at CI scale: grpc-java clients keep unary calls in flight and stream in
 * sessions over two servers (round robin) while one of them drains as on SIGTERM. Nothing is
 * lost: every unary call completes OK (those the draining server accepted run to the end; those
 * its final GOAWAY refused are retried transparently by grpc-java), every session on the
 * draining server ends with StreamClosed "server shutting down" (and its client opens a new one,
 * which lands on the other server), no call is cut off at the end of the grace period, results
 * stay in order. The full-size run (32 calls, 200 sessions, SIGTERM to a daemon process) is
 * perf/shutdown-under-load.
 */
class ShutdownUnderLoadTest {
    @Test
    void aDrainingServerLosesNoCallAndClosesEverySession() throws Exception {
        String[] settings = {"execution.max_concurrent_executions", "1000", "logging.level", "info"};
        try (TestDaemon a = TestDaemon.start(settings); TestDaemon b = TestDaemon.start(settings)) {
            ManagedChannel ch = StaticAddresses.over(NettyChannelBuilder.forTarget("static:///servers"), a.port(),
                    b.port()).usePlaintext().build();
            // round robin connects to every address once the channel leaves IDLE: wait for both, so
            // that the sessions spread over both servers rather than over whichever came up first
            ch.getState(true);
            org.remotemedia.testkit.Await.until(() -> a.connectionCount() >= 1 && b.connectionCount() >= 1
                    && ch.getState(false) == io.grpc.ConnectivityState.READY,
                    () -> "channel connected to both servers: " + a.connectionCount() + ", " + b.connectionCount());
            try (DrainLoad load = new DrainLoad(ch, request(), init(), chunks(10_000), 50)) {
                load.start(8, 40);
                waitFor(() -> load.sessionsOpened.sum(), 40, "sessions open", load);
                waitFor(load::unaryOk, 200, "unary calls answered", load);
                load.markDrain();
                long t0 = System.nanoTime();
                a.drainAndStop(20_000);
                System.err.println("drain took " + (System.nanoTime() - t0) / 1_000_000 + " ms: " + load.summary());
                long after = load.unaryOk();
                waitFor(load::unaryOk, after + 100, "unary calls answered by the remaining server", load);
                assertTrue(load.stop(60_000), "every call and session ended after the stop: " + load.summary());
                String summary = load.summary();
                assertEquals(Map.of(), DrainLoad.sums(load.unaryFailed), summary);
                assertEquals(0, load.outOfOrder.sum(), summary);
                assertTrue(load.sessionsClosedByShutdown.sum() >= 1, summary);
                // sessions that were on A: closed by the drain; the only other failure allowed is a
                // session refused (UNAVAILABLE + RetryInfo) at open while A drained
                for (String k : DrainLoad.sums(load.sessionsFailed).keySet()) {
                    assertEquals("UNAVAILABLE (at open)", k, summary);
                }
                String log = a.log();
                assertTrue(log.contains("\"event\":\"drain_finished\",\"connections_cancelled\":0"),
                        "every call on the draining server ended within the grace period; " + summary + "\n"
                                + log.lines().filter(l -> l.contains("drain")).toList());
                Map<String, Long> byServer = DrainLoad.sums(load.sessionsByServer);
                assertEquals(2, byServer.size(), "sessions ran on both servers: " + summary);
            } finally {
                ch.shutdownNow();
            }
        }
    }

    private static void waitFor(LongSupplier value, long atLeast, String what, DrainLoad load)
            throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (value.getAsLong() < atLeast) {
            if (System.nanoTime() > until) {
                throw new AssertionError(what + ": " + value.getAsLong() + " < " + atLeast + "; " + load.summary());
            }
            Thread.sleep(10);
        }
    }

    private static AudioBuffer audio() {
        return AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(new byte[160 * 4])).setSampleRate(16_000)
                .setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(160).build();
    }

    private static ExecuteRequest request() {
        return ExecuteRequest.newBuilder().setManifest(ScaleTest.gain2()).setClientVersion("v1")
                .putAudioInputs("g", audio()).build();
    }

    private static StreamRequest init() {
        return StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifest(ScaleTest.gain2())
                .setClientVersion("v1")).build();
    }

    private static StreamRequest[] chunks(int n) {
        AudioBuffer a = audio();
        StreamRequest[] r = new StreamRequest[n];
        for (int k = 0; k < n; k++) {
            r[k] = StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder().setNodeId("g").setSequence(k)
                    .setBuffer(a)).build();
        }
        return r;
    }
}
