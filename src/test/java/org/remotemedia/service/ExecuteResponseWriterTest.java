package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.ExecutionControl;
import org.remotemedia.pipeline.ExecutionResult;
import org.remotemedia.pipeline.NodeMetrics;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.ResourceLimits;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.ExecutionMetrics;
import org.remotemedia.proto.v1.ExecutionStatus;
import org.remotemedia.proto.v1.NodeResult;
import org.remotemedia.proto.v1.NodeStatus;
import org.remotemedia.proto.v1.PipelineManifest;

/**
 * ExecuteResponseWriter writes exactly the bytes protobuf's generated code writes for the same
 * response built with builders (the way ExecuteHandler built it before), on real engine results:
 * several sinks, a sink with ports, data outputs, node metrics with and without custom JSON, and
 * figures that are zero, negative zero or large.
 */
class ExecuteResponseWriterTest {
    private static final PipelineEngine ENGINE = PipelineEngine.standard();

    private static ExecutionResult run(PipelineManifest m, String source, AudioBuffer audio) throws Exception {
        CompiledPlan plan = ENGINE.compile(ProtoConvert.manifest(m));
        return ENGINE.execute(plan, Map.of(source, ProtoConvert.audioInput(audio)), Map.of(), ResourceLimits.DEFAULTS,
                ExecutionControl.create());
    }

    /** The response as ExecuteHandler built it with protobuf builders. */
    private static ExecuteResponse reference(ExecuteResponseWriter.Response r) {
        ExecuteResponse.Builder resp = ExecuteResponse.newBuilder();
        org.remotemedia.proto.v1.ExecutionResult.Builder b = resp.getResultBuilder();
        for (AudioOutput out : r.result.audioOutputs().values()) {
            b.putAudioOutputs(out.nodeId(), ProtoConvert.audioBuffer(out));
        }
        b.putAllDataOutputs(r.result.dataOutputs());
        ExecutionMetrics.Builder m = b.getMetricsBuilder();
        List<NodeMetrics> nodes = r.result.nodeMetrics();
        for (int i = 0; i < nodes.size(); i++) {
            NodeMetrics nm = nodes.get(i);
            m.putNodeMetrics(nm.nodeId(), org.remotemedia.proto.v1.NodeMetrics.newBuilder()
                    .setExecutionTimeMs(nm.executionTimeMs()).setMemoryBytes(nm.memoryBytes())
                    .setSamplesProcessed(nm.samplesProcessed())
                    .setCustomMetrics(nm.customMetricsJson() == null ? "" : nm.customMetricsJson()).build());
            b.addNodeResults(NodeResult.newBuilder().setNodeId(nm.nodeId())
                    .setStatus(NodeStatus.forNumber(ExecuteResponseWriter.nodeStatus(nm.status())))
                    .setOutputMetadata(r.outputMetadata[i] == null ? "" : r.outputMetadata[i]));
        }
        b.setStatus(ExecutionStatus.EXECUTION_STATUS_SUCCESS);
        m.setMemoryUsedBytes(r.memoryUsedBytes);
        m.setSerializationTimeMs(r.serializationTimeMs);
        m.setWallTimeMs(r.wallTimeMs);
        m.setCpuTimeMs(r.cpuTimeMs);
        return resp.build();
    }

    private static byte[] written(ExecuteResponseWriter.Response r) {
        int size = ExecuteResponseWriter.INSTANCE.serializedSize(r);
        ByteBuffer dst = ByteBuffer.allocateDirect(size + 9);
        dst.position(4).limit(4 + size);
        ExecuteResponseWriter.INSTANCE.encode(r, dst);
        assertFalse(dst.hasRemaining(), "wrote fewer bytes than its size said");
        byte[] out = new byte[size];
        dst.get(4, out);
        return out;
    }

    private static void assertSameBytes(ExecuteResponseWriter.Response r) {
        byte[] want = reference(r).toByteArray();
        assertArrayEquals(want, written(r));
    }

    @Test
    void aResampleCallIsWrittenAsProtobufWritesIt() throws Exception {
        try (ExecutionResult result = run(Kit.resampleVad(), "resample", Kit.f32(Kit.sine(44_100, 44_100), 44_100))) {
            ExecuteResponseWriter.Response r = new ExecuteResponseWriter.Response();
            r.result = result;
            String[] meta = r.metadata(result.nodeMetrics().size());
            meta[0] = "{\"node_type\":\"AudioResample\",\"latency_ms\":1.5}";
            meta[1] = "{\"node_type\":\"VAD\",\"caf\u00e9\":\"\u2603\"}"; // UTF-8 of 2 and 3 bytes
            r.memoryUsedBytes = 123_456_789_012L;
            r.serializationTimeMs = 0.125;
            r.wallTimeMs = 3.5;
            r.cpuTimeMs = 2.75;
            assertFalse(result.dataOutputs().isEmpty(), "VAD gives data");
            assertSameBytes(r);
            ExecuteResponse parsed = ExecuteResponse.parseFrom(written(r));
            assertEquals(1, parsed.getResult().getAudioOutputsCount());
            assertEquals(2, parsed.getResult().getNodeResultsCount());
        }
    }

    @Test
    void zerosNegativeZeroMissingMetadataAndPortsToo() throws Exception {
        AudioBuffer stereo = Stereo.buffer();
        try (ExecutionResult result = run(Kit.manifest("split", Kit.node("split", "ChannelSplit", "{}")), "split",
                stereo)) {
            ExecuteResponseWriter.Response r = new ExecuteResponseWriter.Response();
            r.result = result;
            r.metadata(result.nodeMetrics().size()); // left null: no output_metadata
            r.memoryUsedBytes = 0;
            r.serializationTimeMs = -0.0; // proto3 writes it (its bits are not zero)
            r.wallTimeMs = 0;
            r.cpuTimeMs = Double.MAX_VALUE;
            assertTrue(result.audioOutputs().size() >= 2, "one output per port: " + result.audioOutputs().keySet());
            assertSameBytes(r);
        }
    }

    @Test
    void clearDropsTheReferences() {
        ExecuteResponseWriter.Response r = new ExecuteResponseWriter.Response();
        r.metadata(20)[19] = "x";
        r.clear();
        assertEquals(null, r.result);
        assertEquals(null, r.outputMetadata[19]);
    }

    /** Two channels of different sines, as f32. */
    private static final class Stereo {
        static AudioBuffer buffer() {
            int frames = 4_800;
            float[] interleaved = new float[frames * 2];
            for (int i = 0; i < frames; i++) {
                interleaved[2 * i] = (float) (0.5 * Math.sin(2 * Math.PI * 440 * i / 48_000.0));
                interleaved[2 * i + 1] = (float) (0.25 * Math.sin(2 * Math.PI * 1000 * i / 48_000.0));
            }
            return Kit.f32(interleaved, 48_000).toBuilder().setChannels(2).setNumSamples(frames * 2L).build();
        }
    }
}
