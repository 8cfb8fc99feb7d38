package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Settings;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.LeakCheck;

/**
 * 1,000 ExecutePipeline calls from peers that never open their flow-control window: their
 * answers cannot leave. They hold no execution slot (the slot goes back once the answer is
 * produced), so a well-behaved grpc-java client's calls all succeed meanwhile; and after
 * {@code transport.stalled_stream_timeout_ms} each stalled stream is reset and its queued
 * answer freed (LeakCheck: no buffer outlives it).
 */
@ExtendWith(LeakCheck.class)
class SlowReaderTest {
    static final int CONNECTIONS = 4;
    static final int STREAMS_EACH = 250;

    static ExecuteRequest request() {
        int frames = 4410;
        ByteBuffer bb = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            bb.putFloat((float) (0.5 * Math.sin(2 * Math.PI * 440 * i / 44_100.0)));
        }
        AudioBuffer audio = AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(bb.array())).setSampleRate(44_100)
                .setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(frames).build();
        PipelineManifest m = PipelineManifest.newBuilder().setVersion("v1")
                .setMetadata(ManifestMetadata.newBuilder().setName("resample"))
                .addNodes(NodeManifest.newBuilder().setId("resample").setNodeType("AudioResample")
                        .setParams("{\"target_sample_rate\": 16000}"))
                .build();
        return ExecuteRequest.newBuilder().setManifest(m).putAudioInputs("resample", audio).setClientVersion("v1")
                .build();
    }

    static double metric(TestDaemon d, String name) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            new io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter(false).write(out,
                    d.metrics().registry().scrape());
            return out.toString().lines().filter(l -> l.startsWith(name + " "))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The answer's headers arrived, and they are not a Trailers-Only refusal. */
    static boolean answered(RawH2Client c, int id) {
        for (RawH2Client.Event e : c.events) {
            if (e.type().equals("HEADERS") && e.streamId() == id) {
                if (e.headers().get("grpc-status") != null) {
                    throw new AssertionError("stream " + id + " refused: " + e.headers());
                }
                return true;
            }
        }
        return false;
    }

    static long resets(RawH2Client c) {
        return c.events.stream().filter(e -> e.type().equals("RST_STREAM") && e.code() == Http2Error.CANCEL.code())
                .count();
    }

    @Test
    void peersThatNeverOpenTheirWindowNeitherStarveOthersNorHoldTheirAnswersForever() throws Exception {
        ExecuteRequest req = request();
        byte[] framed = RawH2Client.frame(req.toByteArray(), false);
        // DSP-pressure shedding off: on a loaded machine the first calls (cold JIT) can wait past its
        // 250 ms and be refused, and this test is about slow readers, not about shedding
        try (TestDaemon d = TestDaemon.start("execution.max_concurrent_executions", "16",
                "execution.dsp_mode", "workers", "transport.stalled_stream_timeout_ms", "1000",
                "limits.shed_dsp_queue_delay_ms", "0")) {
            List<RawH2Client> slow = new ArrayList<>();
            try {
                for (int c = 0; c < CONNECTIONS; c++) {
                    RawH2Client r = new RawH2Client(d.port(), Http2Settings.defaultSettings().initialWindowSize(0));
                    slow.add(r);
                    assertTrue(r.awaitServerSettings(5000));
                    // in batches of 8 under a cap of 16 executions: every call is admitted, runs, and
                    // gives its slot back; its answer's headers leave, its DATA never can
                    for (int s = 0; s < STREAMS_EACH; s += 8) {
                        List<Integer> batch = new ArrayList<>();
                        for (int k = 0; k < 8 && s + k < STREAMS_EACH; k++) {
                            int id = r.headers(RawH2Client.grpcHeaders(
                                    "/remotemedia.v1.PipelineExecutionService/ExecutePipeline"), false);
                            r.data(id, framed, true);
                            batch.add(id);
                        }
                        for (int id : batch) {
                            Await.until(() -> answered(r, id), () -> "response headers of stream " + id + ": "
                                    + r.events + "\n" + d.log().lines().filter(l -> !l.contains("call_")
                                    && !l.contains("execut")).toList());
                        }
                    }
                }
                assertEquals(0, d.limits().executionsInFlight(), "stalled answers hold no execution slot");
                var stub = PipelineExecutionServiceGrpc.newBlockingStub(d.channel());
                for (int i = 0; i < 50; i++) {
                    ExecuteResponse r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).executePipeline(req);
                    assertTrue(r.hasResult(), "call " + i + ": " + r);
                }
                // each stream is reset a timeout after its answer stalled, so the resets trail the batches:
                // wait as long as they keep coming (a loaded CI box)
                double seen = -1;
                while (metric(d, "remotemedia_grpc_server_stalled_streams_reset_total") < CONNECTIONS * STREAMS_EACH) {
                    double now = metric(d, "remotemedia_grpc_server_stalled_streams_reset_total");
                    double last = seen;
                    assertTrue(now > last, () -> "stalled streams reset stopped at " + last);
                    seen = now;
                    double from = now;
                    try {
                        Await.until(() -> metric(d, "remotemedia_grpc_server_stalled_streams_reset_total") > from
                                || from >= CONNECTIONS * STREAMS_EACH, () -> "no stalled stream reset since " + from);
                    } catch (AssertionError stuck) {
                        break;
                    }
                }
                assertEquals(CONNECTIONS * STREAMS_EACH, metric(d, "remotemedia_grpc_server_stalled_streams_reset_total"));
                for (RawH2Client r : slow) {
                    Await.until(() -> resets(r) == STREAMS_EACH, () -> "RST_STREAM(CANCEL) received: " + resets(r));
                }
                assertEquals(0, d.limits().executionsInFlight());
                assertTrue(stub.executePipeline(req).hasResult(), "still serving");
            } finally {
                for (RawH2Client r : slow) {
                    r.close();
                }
            }
        }
    }
}
