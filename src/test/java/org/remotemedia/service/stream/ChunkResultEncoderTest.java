package org.remotemedia.service.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.ChunkResult;
import org.remotemedia.pipeline.DataOutput;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.StreamingSession;
import org.remotemedia.proto.v1.Connection;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.service.ProtoConvert;

/**
 * {@link ChunkResultEncoder} writes exactly the bytes protobuf-java writes for the same
 * StreamResponse built with the generated builders (the reference below), for real engine
 * results: several audio sinks in f32 and i16, data deltas, empty first outputs, the final
 * flush, sequences 0 and past 2^32.
 */
class ChunkResultEncoderTest {
    private final PipelineEngine engine = PipelineEngine.standard();

    /** The generated-builder form of the same response: what the encoder must equal. */
    static StreamResponse reference(long sequence, ChunkResult r) {
        org.remotemedia.proto.v1.ChunkResult.Builder b = org.remotemedia.proto.v1.ChunkResult.newBuilder()
                .setSequence(sequence)
                .setProcessingTimeMs(r.processingTimeMs())
                .setTotalSamplesProcessed(r.totalSamplesProcessed());
        for (AudioOutput a : r.audio()) {
            b.putAudioOutputs(a.nodeId(), ProtoConvert.audioBuffer(a));
        }
        for (DataOutput d : r.data()) {
            b.putDataOutputs(d.nodeId(), d.json());
        }
        return StreamResponse.newBuilder().setResult(b).build();
    }

    /** Encodes as the transport does: asks the size, then writes exactly that many bytes. */
    static byte[] encode(ChunkResultEncoder enc, long sequence, ChunkResult r) {
        ChunkResultEncoder m = enc.of(sequence, r);
        int n = enc.serializedSize(m);
        ByteBuffer dst = ByteBuffer.allocateDirect(n + 16);
        dst.limit(n);
        enc.encode(m, dst);
        assertEquals(n, dst.position(), "wrote exactly serializedSize bytes");
        byte[] out = new byte[n];
        dst.flip().get(out);
        return out;
    }

    private static AudioInput tone(int frames, int rate, long offset) {
        ByteBuffer d = ByteBuffer.allocateDirect(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            d.putFloat((float) (0.5 * Math.sin(2 * Math.PI * 440 * (offset + i) / rate)));
        }
        d.flip();
        return AudioInput.of(new UnsafeBuffer(d), 0, frames * 4, frames, 1, rate, SampleFormat.F32);
    }

    private List<String> checkEveryChunk(PipelineManifest manifest, String source, long firstSequence) throws Exception {
        ChunkResultEncoder enc = new ChunkResultEncoder();
        StreamingSession s = engine.openSession(engine.compile(ProtoConvert.manifest(manifest)), Map.of(), null);
        List<String> seen = new ArrayList<>();
        try {
            for (int k = 0; k < 12; k++) {
                ChunkResult r = s.push(source, tone(4800, 48_000, k * 4800L), null);
                try {
                    long seq = firstSequence + k;
                    assertArrayEquals(reference(seq, r).toByteArray(), encode(enc, seq, r), "chunk " + k);
                    r.audio().forEach(a -> seen.add("audio " + a.nodeId() + " " + a.format() + " " + a.lengthBytes()));
                    r.data().forEach(d -> seen.add("data " + d.nodeId()));
                } finally {
                    r.release();
                }
            }
            ChunkResult last = s.finish(null);
            try {
                assertArrayEquals(reference(firstSequence + 12, last).toByteArray(),
                        encode(enc, firstSequence + 12, last), "the final flush");
            } finally {
                last.release();
            }
        } finally {
            s.close();
        }
        assertFalse(seen.isEmpty(), "the pipeline produced outputs to compare");
        return seen;
    }

    @Test
    void resampleThenVadAudioAndDataAsProtobufWritesThem() throws Exception {
        PipelineManifest m = PipelineManifest.newBuilder().setVersion("v1")
                .setMetadata(ManifestMetadata.newBuilder().setName("resample-vad"))
                .addNodes(NodeManifest.newBuilder().setId("resample").setNodeType("AudioResample")
                        .setParams("{\"target_sample_rate\": 16000}"))
                .addNodes(NodeManifest.newBuilder().setId("vad").setNodeType("VAD").setParams("{}"))
                .addConnections(Connection.newBuilder().setFrom("resample").setTo("vad")).build();
        List<String> seen = checkEveryChunk(m, "resample", 0);
        assertTrue(seen.stream().anyMatch(x -> x.startsWith("data vad")), "VAD data compared: " + seen);
        assertTrue(seen.stream().anyMatch(x -> x.startsWith("audio vad F32")), "audio compared: " + seen);
    }

    @Test
    void twoSinksInTwoFormatsAndASequencePast2To32() throws Exception {
        PipelineManifest m = PipelineManifest.newBuilder().setVersion("v1")
                .setMetadata(ManifestMetadata.newBuilder().setName("fan-out"))
                .addNodes(NodeManifest.newBuilder().setId("in").setNodeType("Gain").setParams("{\"gain_db\": -3}"))
                .addNodes(NodeManifest.newBuilder().setId("pcm16").setNodeType("AudioFormatConverter")
                        .setParams("{\"target_format\": \"i16\"}"))
                .addNodes(NodeManifest.newBuilder().setId("louder").setNodeType("Gain").setParams("{\"gain_db\": 6}"))
                .addConnections(Connection.newBuilder().setFrom("in").setTo("pcm16"))
                .addConnections(Connection.newBuilder().setFrom("in").setTo("louder")).build();
        List<String> seen = checkEveryChunk(m, "in", (1L << 32) + 7);
        assertTrue(seen.stream().anyMatch(x -> x.startsWith("audio pcm16 I16")), "i16 compared: " + seen);
        assertTrue(seen.stream().anyMatch(x -> x.startsWith("audio louder F32")), "f32 compared: " + seen);
    }

    @Test
    void anEmptyResultIsAResultWithOnlyItsCounters() {
        ChunkResultEncoder enc = new ChunkResultEncoder();
        StreamResponse parsed;
        try {
            StreamingSession s = engine.openSession(engine.compile(ProtoConvert.manifest(PipelineManifest.newBuilder()
                    .setVersion("v1").setMetadata(ManifestMetadata.newBuilder().setName("gain"))
                    .addNodes(NodeManifest.newBuilder().setId("g").setNodeType("Gain")
                            .setParams("{\"gain_db\": 0}")).build())), Map.of(), null);
            ChunkResult r = s.push("g", tone(0, 16_000, 0), null);
            byte[] bytes = encode(enc, 0, r);
            assertArrayEquals(reference(0, r).toByteArray(), bytes);
            parsed = StreamResponse.parseFrom(bytes);
            r.release();
            s.close();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertTrue(parsed.hasResult());
        assertEquals(0, parsed.getResult().getSequence());
    }
}
