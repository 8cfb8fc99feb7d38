package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.TestServiceGrpc;
import io.netty.handler.codec.http2.Http2Error;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.LeakCheck;

/**
 * Answers queued behind clients that do not read are capped per connection and server-wide,
 * not only per stream: the stream that would pass a cap is reset with RESOURCE_EXHAUSTED, the
 * bytes it held are given back, and other clients keep working.
 */
@ExtendWith(LeakCheck.class)
class UnreadBytesCapTest {
    /** A handler that ignores isReady: 64 x 64 KiB, so 4 MiB, whatever the client reads. */
    private static MethodRegistry flood() {
        MethodRegistry.Builder b = new EchoTestService().register(MethodRegistry.builder());
        byte[] chunk = new byte[64 * 1024];
        b.serverStreaming("/test.Flood/Rude", (call, req) -> {
            for (int i = 0; i < 64 && !call.isCancelled(); i++) {
                call.sendMessage(chunk, LifecycleTest.RAW);
            }
        });
        return b.build();
    }

    private static RawH2Client.Event resetOf(RawH2Client c, int id) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            RawH2Client.Event e = c.awaitType("RST_STREAM", 200);
            if (e != null && e.streamId() == id) {
                return e;
            }
        }
        return null;
    }

    private static int rude(RawH2Client c) throws Exception {
        int id = c.headers(RawH2Client.grpcHeaders("/test.Flood/Rude"), false);
        c.data(id, RawH2Client.frame(new byte[0], false), true);
        return id;
    }

    private static double metric(TestServer s, String line) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        new io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter(false).write(out,
                s.metrics.registry().scrape());
        return out.toString().lines().filter(l -> l.startsWith(line + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private static void otherClientsStillServed(TestServer s) throws InterruptedException {
        ManagedChannel other = Clients.NETTY.channel(s.port());
        try {
            TestServiceGrpc.newBlockingStub(other).emptyCall(EmptyProtos.Empty.getDefaultInstance());
        } finally {
            Clients.close(other);
        }
    }

    @Test
    void aConnectionThatStopsReadingLosesTheStreamThatPassesItsCap() throws Exception {
        try (TestServer s = new TestServer(flood(), "transport.max_connection_unread_bytes", String.valueOf(1 << 20));
                RawH2Client stuck = new RawH2Client(s.port())) {
            stuck.stopReading();
            int id = rude(stuck);
            RawH2Client.Event rst = resetOf(stuck, id);
            assertNotNull(rst, () -> "reset at the connection's cap\n" + s.log());
            assertEquals(Http2Error.CANCEL.code(), rst.code());
            assertTrue(s.log().contains("max_connection_unread_bytes"), s.log());
            assertEquals(1.0, metric(s, "remotemedia_grpc_server_unread_resets_total{scope=\"connection\"}"));
            Await.until(() -> metricQuietly(s) == 0, () -> "unread bytes given back: " + metricQuietly(s));
            otherClientsStillServed(s);
        }
    }

    @Test
    void slowReadersTogetherAreCappedServerWide() throws Exception {
        try (TestServer s = new TestServer(flood(), "transport.max_unread_bytes", String.valueOf(6 << 20));
                RawH2Client first = new RawH2Client(s.port());
                RawH2Client second = new RawH2Client(s.port())) {
            first.stopReading();
            second.stopReading();
            int a = rude(first);
            Await.until(() -> metricQuietly(s) > 3_500_000, () -> "the first holds almost its 4 MiB: " + metricQuietly(s));
            int b = rude(second);
            RawH2Client.Event rst = resetOf(second, b);
            assertNotNull(rst, () -> "the second is reset at the server's cap\n" + s.log());
            assertTrue(s.log().contains("max_unread_bytes"), s.log());
            assertEquals(1.0, metric(s, "remotemedia_grpc_server_unread_resets_total{scope=\"server\"}"));
            otherClientsStillServed(s);
            first.rst(a, Http2Error.CANCEL.code());
            Await.until(() -> metricQuietly(s) == 0, () -> "all given back: " + metricQuietly(s));
        }
    }

    private static double metricQuietly(TestServer s) {
        try {
            return metric(s, "remotemedia_grpc_server_unread_bytes");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
