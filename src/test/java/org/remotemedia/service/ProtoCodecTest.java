package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.ExecutionControl;
import org.remotemedia.pipeline.ExecutionResult;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.ResourceLimits;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.ExecuteRequest;

/** The zero-copy paths: samples parsed as views of the (direct) input, outputs serialized from off-heap. */
class ProtoCodecTest {
    @Test
    void samplesParsedFromADirectBufferAreAViewNotACopy() throws Exception {
        ExecuteRequest req = Kit.request(Kit.resample16k(), "resample", Kit.f32(Kit.sine(4410, 44_100), 44_100));
        byte[] bytes = req.toByteArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        ExecuteRequest parsed = ProtoCodec.parse(direct, ExecuteRequest.parser());
        ByteBuffer samples = parsed.getAudioInputsOrThrow("resample").getSamples().asReadOnlyByteBuffer();
        assertTrue(samples.isDirect(), "aliased to the input buffer");
        AudioInput in = ProtoConvert.audioInput(parsed.getAudioInputsOrThrow("resample"));
        long addr = in.buffer().addressOffset() + in.offset();
        long base = org.agrona.BufferUtil.address(direct);
        assertTrue(addr >= base && addr < base + bytes.length, "AudioInput points into the network buffer");
        assertEquals(4410, in.frames());
    }

    @Test
    void outputsAreWrappedNotCopiedAndSerializeToTheSameBytes() throws Exception {
        PipelineEngine engine = PipelineEngine.standard();
        float[] sig = Kit.sine(44_100, 44_100);
        ExecuteRequest req = Kit.request(Kit.resample16k(), "resample", Kit.f32(sig, 44_100));
        byte[] bytes = req.toByteArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        ExecuteRequest parsed = ProtoCodec.parse(direct, ExecuteRequest.parser());
        try (ExecutionResult r = engine.execute(engine.compile(ProtoConvert.manifest(parsed.getManifest())),
                java.util.Map.of("resample", ProtoConvert.audioInput(parsed.getAudioInputsOrThrow("resample"))),
                java.util.Map.of(), ResourceLimits.DEFAULTS, ExecutionControl.none())) {
            AudioOutput out = r.audioOutputs().get("resample");
            AudioBuffer b = ProtoConvert.audioBuffer(out);
            assertTrue(b.getSamples().asReadOnlyByteBuffer().isDirect(), "a view of the off-heap output");
            ByteBuffer dst = ByteBuffer.allocateDirect(b.getSerializedSize());
            ProtoCodec.ENCODER.encode(b, dst);
            assertEquals(b.getSerializedSize(), dst.position());
            AudioBuffer back = AudioBuffer.parseFrom(dst.flip());
            assertEquals(16_000, back.getNumSamples());
            assertEquals(b.getSamples(), back.getSamples());
        }
        assertEquals(0, engine.pool().inUseBytes());
    }
}
