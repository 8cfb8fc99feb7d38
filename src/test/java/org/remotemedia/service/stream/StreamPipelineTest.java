package org.remotemedia.service.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.testkit.Await;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.ChunkResult;
import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ErrorType;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.GetMetricsRequest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamClosed;
import org.remotemedia.proto.v1.StreamMetrics;
import org.remotemedia.proto.v1.StreamReady;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamResponse.ResponseCase;
import org.remotemedia.testkit.LeakCheck;

/**
 * StreamPipeline through grpc-java's generated stub against the daemon's real wiring on
 * 127.0.0.1:0, in both DSP modes: real-time chunks through Resample -> VAD, CLOSE with the tail,
 * CANCEL, disconnects, sequence rules, the streamed output against ExecutePipeline on the same
 * audio, and that every session releases what it held.
 */
@ExtendWith(LeakCheck.class)
class StreamPipelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int RATE = 44_100;
    static final int CHUNK = RATE / 10; // 100 ms

    /**
     * The acceptance run: 100 chunks of 100 ms at 10 Hz through Resample -> VAD, each result back
     * before the next chunk is due (asserted as order and correctness; the latency is printed,
     * and measured properly by perf/stream-bench), StreamMetrics every 10 chunks, CLOSE with the
     * tail, and the concatenated output equal to ExecutePipeline on the concatenated input.
     */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void hundredRealTimeChunksThroughResampleVad(String mode) throws Exception {
        float[] in = twoUtterances(RATE, 10.0);
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode);
             StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.resampleVad()));
            StreamReady ready = c.next(ResponseCase.READY).getReady();
            assertFalse(ready.getSessionId().isEmpty());
            assertEquals(1600, ready.getRecommendedChunkSize());
            assertEquals(100, ready.getMaxBufferLatencyMs());

            ByteArrayOutputStream audio = new ByteArrayOutputStream();
            List<JsonNode> segments = new ArrayList<>();
            long vadFrames = 0;
            long[] latencyNs = new long[100];
            long start = System.nanoTime();
            int metricsSeen = 0;
            for (int i = 0; i < 100; i++) {
                long due = start + i * 100_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                long sent = System.nanoTime();
                c.send(StreamClient.chunk(i, "resample", StreamClient.f32(in, i * CHUNK, CHUNK, RATE)));
                ChunkResult r = c.next(ResponseCase.RESULT).getResult();
                latencyNs[i] = System.nanoTime() - sent;
                assertEquals(i, r.getSequence(), "results come back in order, one per chunk");
                assertEquals((long) (i + 1) * CHUNK, r.getTotalSamplesProcessed());
                assertTrue(r.getProcessingTimeMs() > 0);
                vadFrames += collect(r, audio, segments);
                if ((i + 1) % 10 == 0) {
                    StreamMetrics m = c.next(ResponseCase.METRICS).getMetrics();
                    metricsSeen++;
                    assertEquals(ready.getSessionId(), m.getSessionId());
                    assertEquals(i + 1, m.getChunksProcessed());
                    assertEquals((long) (i + 1) * CHUNK, m.getTotalSamples());
                    assertEquals(0, m.getChunksDropped());
                    assertTrue(m.getAverageLatencyMs() > 0 && m.getPeakMemoryBytes() > 0, m.toString());
                }
            }
            assertEquals(10, metricsSeen);
            c.send(StreamClient.closeCommand());
            ChunkResult last = c.next(ResponseCase.RESULT).getResult();
            assertEquals(100, last.getSequence(), "the flushed tail continues the sequence");
            vadFrames += collect(last, audio, segments);
            StreamClosed closed = c.next(ResponseCase.CLOSED).getClosed();
            assertEquals(ready.getSessionId(), closed.getSessionId());
            assertTrue(closed.getReason().contains("COMMAND_CLOSE"), closed.getReason());
            var fm = closed.getFinalMetrics();
            assertEquals(100L * CHUNK, fm.getNodeMetricsOrThrow("resample").getSamplesProcessed());
            assertEquals(160_000L, fm.getNodeMetricsOrThrow("vad").getSamplesProcessed());
            assertTrue(fm.getWallTimeMs() >= 9_000, "the session lived ~10 s: " + fm.getWallTimeMs());
            assertTrue(fm.getCpuTimeMs() > 0 && fm.getMemoryUsedBytes() > 0 && fm.getSerializationTimeMs() > 0, fm.toString());
            assertTrue(c.end().status().isOk());

            // the same audio in one ExecutePipeline call: equal within 1e-6, same VAD segments
            ExecuteResponse one = execute(d, StreamClient.resampleVad(), "resample", in, RATE);
            float[] want = StreamClient.decodeF32(one.getResult().getAudioOutputsOrThrow("vad"));
            float[] got = floats(audio.toByteArray());
            assertEquals(160_000, want.length);
            assertEquals(want.length, got.length, "streamed length = one-shot length");
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-6, "sample " + i);
            }
            JsonNode summary = JSON.readTree(one.getResult().getDataOutputsOrThrow("vad"));
            assertEquals(summary.get("segments").size(), segments.size(), "segments " + segments + " vs " + summary);
            assertEquals(2, segments.size(), "two utterances: " + segments);
            for (int k = 0; k < segments.size(); k++) {
                assertEquals(summary.get("segments").get(k), segments.get(k));
            }
            assertEquals(summary.get("frames").asLong(), vadFrames);
            awaitReleased(d);
            System.out.println("[" + mode + "] per-chunk round trip over 100 real-time chunks: " + summary(latencyNs));
        }
    }

    /** CLOSE flushes the resampler's held-back samples: any chunking gives exactly ExecutePipeline's 16000 samples. */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void closeFlushesTheResamplerTail(String mode) throws Exception {
        float[] in = new float[RATE];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * i / RATE));
        }
        int[] sizes = {1, 4410, 13, 20_000, 999, 7, 18_670};
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode);
             StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.resample16k()));
            c.next(ResponseCase.READY);
            ByteArrayOutputStream audio = new ByteArrayOutputStream();
            int at = 0;
            for (int i = 0; i < sizes.length; i++) {
                c.send(StreamClient.chunk(i, "", StreamClient.f32(in, at, sizes[i], RATE))); // empty node_id: the only source
                at += sizes[i];
                collect(c.next(ResponseCase.RESULT).getResult(), audio, new ArrayList<>());
            }
            assertEquals(RATE, at);
            int before = audio.size() / 4;
            c.send(StreamClient.closeCommand());
            ChunkResult last = c.next(ResponseCase.RESULT).getResult();
            assertEquals(sizes.length, last.getSequence());
            AudioBuffer tail = last.getAudioOutputsOrThrow("resample");
            assertTrue(tail.getNumSamples() > 0, "the resampler held samples back until the close");
            collect(last, audio, new ArrayList<>());
            StreamClosed closed = c.next(ResponseCase.CLOSED).getClosed();
            assertEquals(RATE, closed.getFinalMetrics().getNodeMetricsOrThrow("resample").getSamplesProcessed());
            assertTrue(c.end().status().isOk());
            float[] got = floats(audio.toByteArray());
            float[] want = StreamClient.decodeF32(execute(d, StreamClient.resample16k(), "resample", in, RATE)
                    .getResult().getAudioOutputsOrThrow("resample"));
            assertEquals(16_000, want.length);
            assertEquals(16_000, got.length, "streamed " + before + " + tail " + tail.getNumSamples());
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-6, "sample " + i);
            }
            awaitReleased(d);
        }
    }

    /** COMMAND_CANCEL: StreamClosed with the reason, no tail, no further results, then OK; everything released. */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void cancelStopsAtOnce(String mode) throws Exception {
        float[] in = twoUtterances(RATE, 1.0);
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode);
             StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.resampleVad()));
            String id = c.next(ResponseCase.READY).getReady().getSessionId();
            for (int i = 0; i < 3; i++) {
                c.send(StreamClient.chunk(i, "resample", StreamClient.f32(in, i * CHUNK, CHUNK, RATE)));
                assertEquals(i, c.next(ResponseCase.RESULT).getResult().getSequence());
            }
            assertEquals(1, activeStreams(d));
            c.send(StreamClient.cancel());
            StreamClosed closed = c.next(ResponseCase.CLOSED).getClosed();
            assertEquals(id, closed.getSessionId());
            assertTrue(closed.getReason().contains("COMMAND_CANCEL") && closed.getReason().contains("no tail"),
                    closed.getReason());
            assertEquals(3L * CHUNK, closed.getFinalMetrics().getNodeMetricsOrThrow("resample").getSamplesProcessed());
            assertTrue(c.end().status().isOk());
            awaitReleased(d);
            assertEquals(1, d.metrics().registry().scrape().stream().filter(s -> s.getMetadata().getPrometheusName()
                    .equals("remotemedia_stream_sessions")).count());
        }
    }

    /** A client that goes away mid-stream (RST_STREAM): the session ends and releases everything. */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void disconnectReleasesTheSession(String mode) throws Exception {
        float[] in = twoUtterances(RATE, 1.0);
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode);
             org.remotemedia.observe.MetricsServer port = org.remotemedia.observe.MetricsServer.start("127.0.0.1", 0,
                     d.metrics())) {
            StreamClient c = new StreamClient(d.channel());
            c.send(StreamClient.init(StreamClient.resampleVad()));
            c.next(ResponseCase.READY);
            for (int i = 0; i < 4; i++) {
                c.send(StreamClient.chunk(i, "resample", StreamClient.f32(in, i * CHUNK, CHUNK, RATE)));
            }
            c.next(ResponseCase.RESULT);
            assertEquals(1, activeStreams(d));
            assertEquals(1.0, gaugeOnMetricsPort(port.port()));
            c.close(); // RST_STREAM(CANCEL)
            awaitReleased(d);
            assertEquals(0.0, gaugeOnMetricsPort(port.port()));
            assertEquals(1, d.metrics().registry().scrape().stream()
                    .filter(s -> s.getMetadata().getPrometheusName().equals("remotemedia_stream_sessions")).count());
        }
    }

    /** A half-close without COMMAND_CLOSE is handled as one: tail, StreamClosed, OK. */
    @Test
    void halfCloseIsHandledAsClose() throws Exception {
        float[] in = twoUtterances(RATE, 0.5);
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.resample16k()));
            c.next(ResponseCase.READY);
            c.send(StreamClient.chunk(0, "resample", StreamClient.f32(in, 0, in.length, RATE)));
            c.requests().onCompleted();
            ChunkResult first = c.next(ResponseCase.RESULT).getResult();
            assertEquals(0, first.getSequence());
            ChunkResult tail = c.next(ResponseCase.RESULT).getResult();
            assertEquals(1, tail.getSequence());
            assertEquals(8000, first.getAudioOutputsOrThrow("resample").getNumSamples()
                    + tail.getAudioOutputsOrThrow("resample").getNumSamples(), "0.5 s at 16 kHz in all");
            assertTrue(c.next(ResponseCase.CLOSED).getClosed().getReason().contains("without COMMAND_CLOSE"));
            assertTrue(c.end().status().isOk());
            awaitReleased(d);
        }
    }

    /**
     * Flow control both ways: a client that sends 2000 chunks as fast as it can (ignoring isReady)
     * and reads nothing is held back -- the server stops answering when the client's window is
     * full, stops reading when its bounded queue is full, and the HTTP/2 window stops the sender --
     * without any error; once the client reads, every result arrives, in order.
     */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void aClientThatDoesNotReadIsHeldBackNotFailed(String mode) throws Exception {
        int n = 2000;
        float[] pcm = new float[1600];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (float) Math.sin(i * 0.05);
        }
        AudioBuffer buf = StreamClient.f32(pcm, 0, pcm.length, 16_000);
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode);
             StreamClient c = new StreamClient(d.channel(), true)) {
            c.send(StreamClient.init(StreamClient.manifest("p", StreamClient.node("p", "PassThrough", "{}"))));
            c.request(1);
            c.next(ResponseCase.READY);
            for (int i = 0; i < n; i++) {
                c.send(StreamClient.chunk(i, "p", buf)); // grpc-java buffers what the window does not take
            }
            // wait until the server stops making progress
            long answered = -1;
            for (int k = 0; k < 100; k++) {
                Thread.sleep(200);
                long now = chunksAnswered(d);
                if (now == answered && now > 0) {
                    break;
                }
                answered = now;
            }
            assertTrue(answered > 0 && answered < n / 2, "the server stalls well before " + n + ": " + answered);
            assertFalse(c.requests().isReady(), "the client's sends are held back by the HTTP/2 window");
            assertEquals(1, activeStreams(d), "the session is paused, not failed");
            var counters = PipelineExecutionServiceGrpc.newBlockingStub(d.channel()).getMetrics(
                    GetMetricsRequest.getDefaultInstance()).getCountersMap();
            counters.forEach((k, v) -> assertTrue(!k.startsWith("remotemedia_stream_errors_total") || v == 0,
                    "no stream error was sent: " + k + " = " + v));

            c.request(Integer.MAX_VALUE);
            long next = 0;
            int metrics = 0;
            while (next < n) {
                StreamResponse r = c.next();
                if (r.hasMetrics()) {
                    metrics++;
                    continue;
                }
                assertEquals(ResponseCase.RESULT, r.getResponseCase(), r::toString);
                assertEquals(next, r.getResult().getSequence());
                assertEquals(6400, r.getResult().getAudioOutputsOrThrow("p").getSamples().size());
                next++;
            }
            assertEquals(n / 10, metrics + (c.next().hasMetrics() ? 1 : 0));
            c.send(StreamClient.closeCommand());
            List<StreamResponse> rest = c.restUntilOk();
            assertEquals(ResponseCase.CLOSED, rest.get(rest.size() - 1).getResponseCase(), rest::toString);
            awaitReleased(d);
            System.out.println("[" + mode + "] a non-reading client was held back after " + answered + " of " + n
                    + " chunks");
        }
    }

    static long chunksAnswered(TestDaemon d) {
        return PipelineExecutionServiceGrpc.newBlockingStub(d.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getMetrics(GetMetricsRequest.getDefaultInstance()).getCountersOrDefault("remotemedia_stream_chunks_total", 0);
    }

    // ---- sequences ----

    /** Gaps, repeats and late chunks: INVALID_SEQUENCE with the failing sequence, and the session goes on. */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers"})
    void invalidSequencesAreReportedAndTheSessionGoesOn(String mode) throws Exception {
        float[] in = twoUtterances(RATE, 1.0);
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode);
             StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.resample16k()));
            String id = c.next(ResponseCase.READY).getReady().getSessionId();
            c.send(StreamClient.chunk(0, "resample", StreamClient.f32(in, 0, CHUNK, RATE)));
            assertEquals(0, c.next(ResponseCase.RESULT).getResult().getSequence());
            c.send(StreamClient.chunk(1, "resample", StreamClient.f32(in, CHUNK, CHUNK, RATE)));
            assertEquals(1, c.next(ResponseCase.RESULT).getResult().getSequence());

            c.send(StreamClient.chunk(3, "resample", StreamClient.f32(in, 2 * CHUNK, CHUNK, RATE))); // 2 is missing
            JsonNode gap = streamError(c.next(ResponseCase.ERROR).getError(), "STREAM_ERROR_INVALID_SEQUENCE", 3, id);
            assertEquals(2, gap.get("expected_sequence").asLong());
            assertEquals("processed", gap.get("action").asText());
            assertEquals(3, c.next(ResponseCase.RESULT).getResult().getSequence());

            c.send(StreamClient.chunk(3, "resample", StreamClient.f32(in, 3 * CHUNK, CHUNK, RATE))); // repeated
            ErrorResponse rep = c.next(ResponseCase.ERROR).getError();
            JsonNode repCtx = streamError(rep, "STREAM_ERROR_INVALID_SEQUENCE", 3, id);
            assertEquals(4, repCtx.get("expected_sequence").asLong());
            assertEquals("dropped", repCtx.get("action").asText());
            assertTrue(rep.getMessage().contains("already used (expected 4)"), rep.getMessage());
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, rep.getErrorType());

            c.send(StreamClient.chunk(2, "resample", StreamClient.f32(in, 3 * CHUNK, CHUNK, RATE))); // late
            streamError(c.next(ResponseCase.ERROR).getError(), "STREAM_ERROR_INVALID_SEQUENCE", 2, id);

            c.send(StreamClient.chunk(4, "resample", StreamClient.f32(in, 3 * CHUNK, CHUNK, RATE)));
            ChunkResult r4 = c.next(ResponseCase.RESULT).getResult();
            assertEquals(4, r4.getSequence());
            assertEquals(4L * CHUNK, r4.getTotalSamplesProcessed(), "the two dropped chunks were not processed");
            c.send(StreamClient.closeCommand());
            c.next(ResponseCase.RESULT);
            c.next(ResponseCase.CLOSED);
            assertTrue(c.end().status().isOk());
            awaitReleased(d);
        }
    }

    /** streaming.strict_sequence: the first sequence error ends the session (error, then OK). */
    @Test
    void strictSequenceEndsTheSession() throws Exception {
        float[] in = twoUtterances(RATE, 1.0);
        try (TestDaemon d = TestDaemon.start("streaming.strict_sequence", "true");
             StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.resample16k()));
            String id = c.next(ResponseCase.READY).getReady().getSessionId();
            c.send(StreamClient.chunk(0, "resample", StreamClient.f32(in, 0, CHUNK, RATE)));
            c.next(ResponseCase.RESULT);
            c.send(StreamClient.chunk(2, "resample", StreamClient.f32(in, CHUNK, CHUNK, RATE)));
            JsonNode ctx = streamError(c.next(ResponseCase.ERROR).getError(), "STREAM_ERROR_INVALID_SEQUENCE", 2, id);
            assertEquals("session_ended", ctx.get("action").asText());
            assertTrue(c.end().status().isOk());
            awaitReleased(d);
        }
    }

    // ---- helpers ----

    /** Checks the contract's stream fields in ErrorResponse.context and returns the context. */
    static JsonNode streamError(ErrorResponse e, String type, long failingSequence, String sessionId) throws Exception {
        JsonNode ctx = JSON.readTree(e.getContext());
        assertEquals(type, ctx.get("stream_error_type").asText(), e.toString());
        assertEquals(failingSequence, ctx.get("failing_sequence").asLong(), e.toString());
        if (sessionId != null) {
            assertEquals(sessionId, ctx.get("session_id").asText(), e.toString());
        } else {
            assertFalse(ctx.get("session_id").asText().isEmpty());
        }
        assertFalse(e.getMessage().isEmpty());
        return ctx;
    }

    /** Appends the result's "vad" or "resample" audio and VAD segments; returns the VAD frames it reports. */
    static long collect(ChunkResult r, ByteArrayOutputStream audio, List<JsonNode> segments) throws Exception {
        AudioBuffer b = r.getAudioOutputsMap().containsKey("vad") ? r.getAudioOutputsOrThrow("vad")
                : r.getAudioOutputsMap().get("resample");
        if (b != null) {
            audio.writeBytes(b.getSamples().toByteArray());
        }
        String vad = r.getDataOutputsMap().get("vad");
        if (vad == null) {
            return 0;
        }
        JsonNode n = JSON.readTree(vad);
        n.get("segments").forEach(segments::add);
        return n.get("frames").asLong();
    }

    static float[] floats(byte[] le) {
        ByteBuffer bb = ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[le.length / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = bb.getFloat();
        }
        return out;
    }

    /** Tone bursts (300 Hz, -6 dBFS) at 0.5-1.5 s and 4-6 s, silence elsewhere. */
    static float[] twoUtterances(int rate, double seconds) {
        int n = (int) Math.round(rate * seconds);
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            double t = (double) i / rate;
            boolean on = t >= 0.5 && t < 1.5 || t >= 4 && t < 6;
            s[i] = on ? (float) (0.5 * Math.sin(2 * Math.PI * 300 * t)) : 0f;
        }
        return s;
    }

    static ExecuteResponse execute(TestDaemon d, PipelineManifest m, String source, float[] in, int rate) {
        ExecuteResponse r = PipelineExecutionServiceGrpc.newBlockingStub(d.channel())
                .withDeadlineAfter(60, TimeUnit.SECONDS)
                .executePipeline(ExecuteRequest.newBuilder().setManifest(m).setClientVersion("v1")
                        .putAudioInputs(source, StreamClient.f32(in, 0, in.length, rate)).build());
        assertTrue(r.hasResult(), r::toString);
        return r;
    }

    static long activeStreams(TestDaemon d) {
        return PipelineExecutionServiceGrpc.newBlockingStub(d.channel()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getMetrics(GetMetricsRequest.getDefaultInstance()).getActiveStreams();
    }

    static double gaugeOnMetricsPort(int port) throws Exception {
        var resp = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        for (String line : resp.body().split("\n")) {
            if (line.startsWith("remotemedia_stream_sessions_active ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
            }
        }
        throw new AssertionError("no remotemedia_stream_sessions_active on /metrics:\n" + resp.body());
    }

    /** Waits until no session is open and the engine holds no pooled memory (ends are asynchronous). */
    static void awaitReleased(TestDaemon d) throws InterruptedException {
        Await.until(() -> activeStreams(d) == 0 && d.engine().pool().inUseBytes() == 0,
                () -> "sessions still open: " + activeStreams(d) + ", pooled bytes in use: " + d.engine().pool().inUseBytes());
    }

    static String summary(long[] ns) {
        long[] s = ns.clone();
        java.util.Arrays.sort(s);
        return String.format("p50 %.3f ms, p90 %.3f ms, max %.3f ms", s[s.length / 2] / 1e6,
                s[(int) (s.length * 0.9)] / 1e6, s[s.length - 1] / 1e6);
    }
}
