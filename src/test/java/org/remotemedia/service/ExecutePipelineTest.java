package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.ExecutionControl;
import org.remotemedia.pipeline.ExecutionResult;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.ResourceLimits;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.ExecutionStatus;
import org.remotemedia.proto.v1.NodeResult;
import org.remotemedia.proto.v1.NodeStatus;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.testkit.LeakCheck;

/**
 * ExecutePipeline through grpc-java stubs against the daemon's real wiring on 127.0.0.1:0, in both
 * DSP modes: results equal the engine's own local output, outputs keyed by sink, node results in
 * execution order, measured metrics.
 */
@ExtendWith(LeakCheck.class)
class ExecutePipelineTest {

    /** 1 s of 44.1 kHz resampled to 16 kHz: exactly 16000 samples, equal within 1e-6 to the engine run locally. */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers", "auto"})
    void oneSecondAt44k1ResampledTo16kEqualsLocalEngine(String mode) throws Exception {
        float[] in = Kit.sine(44_100, 44_100);
        float[] local = localRun(Kit.resample16k(), "resample", in, 44_100).get("resample");
        assertEquals(16_000, local.length);
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode)) {
            assertEquals(mode, d.dspMode());
            ExecuteResponse resp = stub(d).executePipeline(Kit.request(Kit.resample16k(), "resample",
                    Kit.f32(in, 44_100)));
            assertTrue(resp.hasResult(), () -> "expected a result, got " + resp);
            AudioBuffer out = resp.getResult().getAudioOutputsOrThrow("resample");
            assertEquals(16_000, out.getNumSamples());
            assertEquals(16_000, out.getSampleRate());
            assertEquals(1, out.getChannels());
            assertEquals(AudioFormat.AUDIO_FORMAT_F32, out.getFormat());
            float[] got = Kit.decodeF32(out);
            assertEquals(16_000, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(local[i], got[i], 1e-6, "sample " + i);
            }
            // and the resampled sine is the sine: a sanity check against the analytic signal
            for (int i = 2000; i < 14_000; i += 997) {
                assertEquals(0.5 * Math.sin(2 * Math.PI * Kit.SINE_HZ * i / 16_000.0), got[i], 1e-4, "sine at " + i);
            }
            assertEquals(ExecutionStatus.EXECUTION_STATUS_SUCCESS, resp.getResult().getStatus());
        }
    }

    /** A ChannelSplit sink: one mono output per port under "<id>.<k>", listed in its node result. */
    @Test
    void channelSplitSinkReturnsOneOutputPerPort() throws Exception {
        int frames = 4800;
        float[] stereo = new float[2 * frames];
        for (int i = 0; i < frames; i++) {
            stereo[2 * i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * i / 48_000.0));
            stereo[2 * i + 1] = (float) (0.25 * Math.cos(2 * Math.PI * 1000 * i / 48_000.0));
        }
        AudioBuffer in = Kit.f32(stereo, 48_000).toBuilder().setChannels(2).build();
        try (TestDaemon d = TestDaemon.start()) {
            ExecuteResponse resp = stub(d).executePipeline(Kit.request(
                    Kit.manifest("split", Kit.node("split", "ChannelSplit", "{}")), "split", in));
            assertTrue(resp.hasResult(), () -> "expected a result, got " + resp);
            var r = resp.getResult();
            assertEquals(Set.of("split.0", "split.1"), r.getAudioOutputsMap().keySet());
            for (int ch = 0; ch < 2; ch++) {
                AudioBuffer out = r.getAudioOutputsOrThrow("split." + ch);
                assertEquals(1, out.getChannels());
                float[] got = Kit.decodeF32(out);
                assertEquals(frames, got.length);
                for (int i = 0; i < frames; i++) {
                    assertEquals(stereo[2 * i + ch], got[i], 0.0, "port " + ch + " frame " + i);
                }
            }
            String meta = r.getNodeResults(0).getOutputMetadata();
            assertTrue(meta.contains("\"audio_ports\":{\"0\":{\"sample_rate\":48000,\"channels\":1")
                    && meta.contains("\"1\":{\"sample_rate\":48000,\"channels\":1"), meta);
        }
    }

    /** Resample -> VAD: VAD's audio and data come back, node results and metrics in execution order. */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers", "auto"})
    void resampleThenVadReturnsBothOutputsAndPerNodeMetricsInOrder(String mode) throws Exception {
        // 0.5 s silence, 1 s tone, 0.5 s silence: VAD finds one segment
        int rate = 44_100;
        float[] in = Kit.signal(2 * rate, rate, i -> i >= rate / 2 && i < 3 * rate / 2
                ? 0.5 * Math.sin(2 * Math.PI * 300 * i / rate) : 0.0);
        Map<String, float[]> local = localRun(Kit.resampleVad(), "resample", in, rate);
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode)) {
            ExecuteResponse resp = stub(d).executePipeline(Kit.request(Kit.resampleVad(), "resample", Kit.f32(in, rate)));
            assertTrue(resp.hasResult(), () -> "expected a result, got " + resp);
            var r = resp.getResult();
            assertEquals(List.of("vad"), List.copyOf(r.getAudioOutputsMap().keySet()), "audio keyed by sink id");
            float[] got = Kit.decodeF32(r.getAudioOutputsOrThrow("vad"));
            float[] want = local.get("vad");
            assertEquals(want.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(want[i], got[i], 1e-6, "sample " + i);
            }
            String vad = r.getDataOutputsOrThrow("vad");
            assertTrue(vad.contains("\"is_speech\":true") && vad.contains("\"segments\""), vad);

            assertEquals(List.of("resample", "vad"), r.getNodeResultsList().stream().map(NodeResult::getNodeId).toList());
            for (NodeResult nr : r.getNodeResultsList()) {
                assertEquals(NodeStatus.NODE_STATUS_SUCCESS, nr.getStatus());
                assertTrue(nr.getOutputMetadata().startsWith("{\"node_type\":"), nr.getOutputMetadata());
            }
            assertTrue(r.getNodeResults(1).getOutputMetadata().contains("\"sample_rate\":16000"));
            var m = r.getMetrics();
            assertEquals(2, m.getNodeMetricsCount());
            assertEquals(2L * rate, m.getNodeMetricsOrThrow("resample").getSamplesProcessed());
            assertEquals(32_000L, m.getNodeMetricsOrThrow("vad").getSamplesProcessed());
            assertTrue(m.getNodeMetricsOrThrow("resample").getExecutionTimeMs() > 0);
            assertTrue(m.getNodeMetricsOrThrow("resample").getMemoryBytes() > 0);
            assertTrue(m.getWallTimeMs() > 0 && m.getWallTimeMs() >= m.getNodeMetricsOrThrow("resample").getExecutionTimeMs());
            assertTrue(m.getCpuTimeMs() > 0, "cpu time measured");
            assertTrue(m.getMemoryUsedBytes() >= 32_000L * 4, "memory holds at least the output: " + m.getMemoryUsedBytes());
            assertTrue(m.getSerializationTimeMs() > 0);
        }
    }

    /** The JSON manifest form gives the same audio as the protobuf form. */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers", "auto"})
    void manifestJsonEqualsProtobufManifest(String mode) throws Exception {
        float[] in = Kit.sine(22_050, 44_100);
        String json = """
                {"version": "v1", "metadata": {"name": "json form"},
                 "nodes": [{"id": "resample", "node_type": "AudioResample", "params": {"target_sample_rate": 16000}}],
                 "connections": []}""";
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode)) {
            var stub = stub(d);
            ExecuteResponse a = stub.executePipeline(Kit.request(Kit.resample16k(), "resample", Kit.f32(in, 44_100)));
            ExecuteResponse b = stub.executePipeline(ExecuteRequest.newBuilder().setManifestJson(json)
                    .putAudioInputs("resample", Kit.f32(in, 44_100)).build());
            assertTrue(b.hasResult(), () -> b.toString());
            assertEquals(a.getResult().getAudioOutputsOrThrow("resample").getSamples(),
                    b.getResult().getAudioOutputsOrThrow("resample").getSamples());
        }
    }

    /** Large and multi-channel input (spans many DATA frames and network buffers), i16 in, f32 out. */
    @ParameterizedTest
    @ValueSource(strings = {"inline", "workers", "auto"})
    void largeStereoI16RequestSpanningManyFrames(String mode) throws Exception {
        int rate = 48_000;
        int frames = 10 * rate;
        ByteBuffer bb = ByteBuffer.allocate(frames * 2 * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            bb.putShort((short) Math.round(16_000 * Math.sin(2 * Math.PI * 1000 * i / rate)));
            bb.putShort((short) Math.round(-8_000 * Math.sin(2 * Math.PI * 250 * i / rate)));
        }
        AudioBuffer audio = AudioBuffer.newBuilder().setSamples(com.google.protobuf.ByteString.copyFrom(bb.array()))
                .setSampleRate(rate).setChannels(2).setFormat(AudioFormat.AUDIO_FORMAT_I16)
                .setNumSamples(2L * frames).build();
        PipelineManifest m = Kit.manifest("big", Kit.node("resample", "AudioResample", "{\"target_sample_rate\": 16000}"));
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode)) {
            ExecuteResponse resp = stub(d).executePipeline(Kit.request(m, "resample", audio));
            assertTrue(resp.hasResult(), () -> resp.toString());
            AudioBuffer out = resp.getResult().getAudioOutputsOrThrow("resample");
            assertEquals(2L * 10 * 16_000, out.getNumSamples());
            float[] got = Kit.decodeF32(out);
            for (int i = 16_000; i < 9 * 16_000; i += 1231) {
                assertEquals(16_000 / 32768.0 * Math.sin(2 * Math.PI * 1000 * i / 16_000.0), got[2 * i], 2e-4);
                assertEquals(-8_000 / 32768.0 * Math.sin(2 * Math.PI * 250 * i / 16_000.0), got[2 * i + 1], 2e-4);
            }
        }
    }

    static PipelineExecutionServiceGrpc.PipelineExecutionServiceBlockingStub stub(TestDaemon d) {
        return PipelineExecutionServiceGrpc.newBlockingStub(d.channel())
                .withDeadlineAfter(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** The same pipeline on the engine in this JVM: decoded f32 audio by sink id. */
    static Map<String, float[]> localRun(PipelineManifest m, String source, float[] in, int rate) throws Exception {
        PipelineEngine engine = PipelineEngine.standard();
        ByteBuffer bb = ByteBuffer.allocateDirect(in.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : in) {
            bb.putFloat(v);
        }
        bb.flip();
        AudioInput input = AudioInput.of(bb, in.length, 1, rate, SampleFormat.F32);
        try (ExecutionResult r = engine.execute(engine.compile(ProtoConvert.manifest(m)), Map.of(source, input),
                Map.of(), ResourceLimits.DEFAULTS, ExecutionControl.none())) {
            java.util.Map<String, float[]> out = new java.util.HashMap<>();
            for (AudioOutput o : r.audioOutputs().values()) {
                float[] f = new float[(int) o.numSamples()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = o.buffer().getFloat(4 * i, java.nio.ByteOrder.LITTLE_ENDIAN);
                }
                out.put(o.nodeId(), f);
            }
            return out;
        }
    }

}
