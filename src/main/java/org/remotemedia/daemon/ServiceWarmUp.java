package org.remotemedia.daemon;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.Connection;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.service.ExecuteHandler;
import org.remotemedia.transport.InMemoryConnection;

/**
 * The second half of the start-up warm-up: ExecutePipeline calls through the whole request path
 * (HTTP/2 frames, header checks, deframing, protobuf parse, plan cache, engine, response
 * building, framing) on an {@link InMemoryConnection}, so that the first calls from the network
 * do not run it interpreted (measured: without it the first ~10 s of calls after start ran up to
 * twice as slow while the JIT caught up).
 *
 * <p>The calls go to a throw-away copy of the daemon's services (same settings, DSP inline, no
 * auth, own metrics and plan cache, silent log) on the daemon's own engine, so its buffer pool is
 * warm too: nothing here shows in the daemon's metrics or log. Covered:
 * h2c, the inline path; not covered: TLS, auth, the hand-off to DSP workers. Runs on the main
 * thread before the gRPC port opens.
 */
final class ServiceWarmUp {
    /** Enough calls for the hot methods to reach the optimizing compiler (C2's thresholds are ~10-15 k). */
    static final int MAX_CALLS = 20_000;

    /** What one warm-up did. */
    record Result(int calls, int failed, String firstFailure, long millis) {
    }

    private ServiceWarmUp() {
    }

    /** Calls for at most {@code millis} and {@link #MAX_CALLS} calls, executed on {@code engine} (the daemon's). */
    static Result run(ServerConfig cfg, PipelineEngine engine, long millis) {
        return run(cfg, engine, millis, MAX_CALLS);
    }

    static Result run(ServerConfig cfg, PipelineEngine engine, long millis, int maxCalls) {
        long t0 = System.nanoTime();
        long end = t0 + millis * 1_000_000L;
        JsonLog silent = JsonLog.silent();
        List<WarmUpRequest> requests = fitting(cfg);
        if (requests.isEmpty()) {
            return new Result(0, 0, null, 0);
        }
        int calls = 0;
        int failed = 0;
        String firstFailure = null;
        try (Services throwAway = Services.create(forWarmUp(cfg), new Metrics(), silent, engine);
                InMemoryConnection conn = InMemoryConnection.open(cfg.transport(), throwAway.registry, silent)) {
            while (calls < maxCalls && System.nanoTime() < end) {
                // one large request (spans many DATA frames) to seven small ones
                int kind = calls % 8 == 0 ? 0 : requests.size() - 1;
                InMemoryConnection.Reply reply = conn.unary(ExecuteHandler.PATH, requests.get(kind).message());
                // every answer's status; the first answer of each kind's content too (in-band errors are status OK)
                String problem = reply.status() != 0 ? "grpc-status " + reply.status()
                        : calls < 2 ? resultProblem(reply.message()) : null;
                calls++;
                if (problem != null && failed++ == 0) {
                    firstFailure = problem;
                }
                if (reply.status() < 0) {
                    break; // the connection is gone: no point in going on
                }
            }
        }
        return new Result(calls, failed, firstFailure, (System.nanoTime() - t0) / 1_000_000);
    }

    /** Null if the bytes are an ExecuteResponse with a result, else what is wrong. */
    static String resultProblem(byte[] message) {
        if (message == null) {
            return "no response message";
        }
        try {
            ExecuteResponse r = ExecuteResponse.parseFrom(message);
            return r.hasResult() ? null : "in-band error: " + r.getError().getMessage();
        } catch (InvalidProtocolBufferException e) {
            return "undecodable response: " + e.getMessage();
        }
    }

    /** The daemon's settings with DSP inline (an in-memory connection answers on its caller), auth and access log off. */
    static ServerConfig forWarmUp(ServerConfig cfg) {
        return cfg.with(cfg.execution().withDspMode("inline")).with(new ServerConfig.Auth(List.of(), null))
                .with(new ServerConfig.Logging(cfg.logging().level(), false, 16));
    }

    /** A serialized ExecuteRequest and how many sample frames it carries. */
    record WarmUpRequest(byte[] message, int frames) {
    }

    /**
     * The requests this daemon's limits admit (message size, samples per request, and the
     * stream window the in-memory client sends into without waiting), so that a tightly
     * configured daemon warms up with what it accepts instead of counting refusals.
     */
    static List<WarmUpRequest> fitting(ServerConfig cfg) {
        return requests().stream()
                .filter(r -> r.message().length <= cfg.transport().maxInboundMessageBytes()
                        && InMemoryConnection.fits(cfg.transport(), r.message().length)
                        && r.frames() <= cfg.execution().maxAudioSamples())
                .toList();
    }

    /** [0]: 1 s of 44.1 kHz mono f32 resampled to 16 kHz; [1]: 10 ms through Resample -> VAD. */
    static List<WarmUpRequest> requests() {
        PipelineManifest resample = manifest("warm-up resample", node("resample", "AudioResample",
                "{\"target_sample_rate\": 16000}"));
        PipelineManifest resampleVad = manifest("warm-up resample-vad",
                node("resample", "AudioResample", "{\"target_sample_rate\": 16000}"), node("vad", "VAD", "{}"));
        return List.of(request(resample, 44_100), request(resampleVad, 441));
    }

    private static NodeManifest node(String id, String type, String params) {
        return NodeManifest.newBuilder().setId(id).setNodeType(type).setParams(params).build();
    }

    private static PipelineManifest manifest(String name, NodeManifest... nodes) {
        PipelineManifest.Builder b = PipelineManifest.newBuilder().setVersion("v1")
                .setMetadata(ManifestMetadata.newBuilder().setName(name));
        for (int i = 0; i < nodes.length; i++) {
            b.addNodes(nodes[i]);
            if (i > 0) {
                b.addConnections(Connection.newBuilder().setFrom(nodes[i - 1].getId()).setTo(nodes[i].getId()));
            }
        }
        return b.build();
    }

    /** A 440 Hz tone at 44.1 kHz, mono f32, {@code frames} long, into the manifest's first node. */
    private static WarmUpRequest request(PipelineManifest m, int frames) {
        ByteBuffer bb = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            bb.putFloat((float) (0.5 * Math.sin(2 * Math.PI * 440 * i / 44_100.0)));
        }
        AudioBuffer audio = AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(bb.array())).setSampleRate(44_100)
                .setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(frames).build();
        return new WarmUpRequest(ExecuteRequest.newBuilder().setManifest(m).setClientVersion("v1")
                .putAudioInputs(m.getNodes(0).getId(), audio).build().toByteArray(), frames);
    }
}
