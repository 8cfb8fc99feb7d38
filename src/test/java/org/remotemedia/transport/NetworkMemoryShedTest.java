package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import io.netty.handler.codec.http2.Http2Error;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.grpc.Status;
import org.remotemedia.limits.Limits;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.MethodKind;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.UnaryHandler;
import org.remotemedia.rpc.Workload;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.LeakCheck;

/**
 * Direct memory held by network buffers counts in the shedding decision: a client holding many
 * large partial uploads fills them (each unary request grows toward its declared length, so
 * the server gives window for it), and new work is then refused with UNAVAILABLE
 * NETWORK_BUFFER_MEMORY, telling it apart from the engine's own buffer pool; the refused calls
 * add no memory that stays, and once the uploads end, calls are served again. The figure is the
 * real pooled allocator's, as in production, sampled by the limits timer.
 */
@ExtendWith(LeakCheck.class)
class NetworkMemoryShedTest {
    private static final String PUT = "/test.Upload/Put";
    private static final int UPLOADS = 32;
    private static final int MIB = 1 << 20;

    private static String reason(RawH2Client.Response r) throws Exception {
        String details = r.header("grpc-status-details-bin");
        if (details == null) {
            return null;
        }
        com.google.rpc.Status s = com.google.rpc.Status.parseFrom(Base64.getDecoder().decode(details));
        return s.getDetails(0).unpack(ErrorInfo.class).getReason();
    }

    private static double shed(Metrics m, String reason) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        new io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter(false).write(out, m.registry().scrape());
        String prefix = "remotemedia_limits_shed_total{reason=\"" + reason + "\"} ";
        return out.toString().lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).sum();
    }

    private static long chunks() {
        return io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
    }

    private static int unsent(RawH2Client c) {
        try {
            return c.streamsWithUnsentData();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void partialUploadsFillingNetworkBuffersShedNewWorkUntilTheyEnd() throws Exception {
        long base = GrpcServer.networkBufferBytesInUse();
        long cap = base + 16L * MIB;
        ServerConfig cfg = ServerConfig.from(Map.of("limits.shed_network_bytes", Long.toString(cap),
                "limits.shed_pool_bytes", "0", "limits.shed_dsp_queue_delay_ms", "0"));
        Metrics limitsMetrics = new Metrics();
        UnaryHandler put = (call, request) -> {
            call.sendMessage(new byte[0], LifecycleTest.RAW);
            call.close(Status.OK);
        };
        try (Limits limits = new Limits(cfg, limitsMetrics, () -> 0, GrpcServer::networkBufferBytesInUse, 1L << 34,
                JsonLog.silent())) {
            MethodRegistry registry = MethodRegistry.builder().add(PUT, MethodKind.UNARY, Workload.EXECUTION, put)
                    .intercept(limits.quota()).build();
            try (TestServer s = new TestServer(registry, "transport.max_inbound_message_bytes", Integer.toString(8 * MIB));
                    RawH2Client uploader = new RawH2Client(s.port());
                    RawH2Client other = new RawH2Client(s.port())) {
                assertEquals(0, other.call(PUT, new byte[16]).grpcStatus(), "served before the uploads");

                // 32 requests that each declare 8 MiB and send 2 MiB, never ending: 64 MiB held
                byte[] prefix = {0, 0, (byte) 0x80, 0, 0}; // not compressed, 8 MiB
                byte[] chunk = new byte[MIB];
                int[] ids = new int[UPLOADS];
                for (int i = 0; i < UPLOADS; i++) {
                    ids[i] = uploader.headers(RawH2Client.grpcHeaders(PUT), false);
                }
                assertTrue(uploader.roundTrip(), "all 32 admitted before their bytes come");
                for (int i = 0; i < UPLOADS; i++) {
                    uploader.data(ids[i], prefix, false);
                    for (int j = 0; j < 2; j++) {
                        uploader.data(ids[i], chunk, false);
                    }
                }
                Await.until(() -> unsent(uploader) == 0, () -> "the uploads are sent: " + unsent(uploader)
                        + " streams still wait for window\n" + s.log());
                assertTrue(uploader.roundTrip(), "the server read all of them");
                Await.until(() -> limits.notReadyReason() != null, () -> "network buffers fill: "
                        + GrpcServer.networkBufferBytesInUse() + " bytes (base " + base + ", cap " + cap + ")");
                assertTrue(limits.notReadyReason().contains("limits.shed_network_bytes"), limits.notReadyReason());

                // new work is refused, with its own reason, and adds nothing that stays
                long before = GrpcServer.networkBufferBytesInUse();
                for (int i = 0; i < 16; i++) {
                    RawH2Client.Response r = other.call(PUT, new byte[MIB]);
                    assertEquals(14, r.grpcStatus(), "UNAVAILABLE while the uploads hold the memory");
                    assertEquals("NETWORK_BUFFER_MEMORY", reason(r));
                    assertTrue(r.header("grpc-message").contains("limits.shed_network_bytes"), r.header("grpc-message"));
                }
                assertTrue(other.roundTrip(), "the refusing connection stays usable");
                long after = GrpcServer.networkBufferBytesInUse();
                System.out.printf("network buffers in use: base %d, cap %d, uploads held %d, after 16 refused %d;"
                        + " arenas' chunks %d%n", base, cap, before, after, chunks());
                assertTrue(after <= before + 4L * MIB, "16 MiB of refused requests held nothing: " + before + " -> "
                        + after);
                assertEquals(16, shed(limitsMetrics, "network_buffer_memory"));
                assertEquals(0, shed(limitsMetrics, "buffer_pool_memory"));

                // the uploads end: their buffers go back and new work is served again
                for (int id : ids) {
                    uploader.rst(id, Http2Error.CANCEL.code());
                }
                Await.until(() -> limits.notReadyReason() == null, () -> "memory given back: "
                        + GrpcServer.networkBufferBytesInUse() + " bytes (cap " + cap + ")");
                System.out.printf("network buffers once the uploads ended: in use %d, arenas' chunks %d%n",
                        GrpcServer.networkBufferBytesInUse(), chunks());
                assertEquals(0, other.call(PUT, new byte[16]).grpcStatus(), "served once the uploads ended");
                assertTrue(uploader.roundTrip(), "the uploader's connection was not ended for its uploads");
            }
        }
    }
}
