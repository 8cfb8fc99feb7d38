package org.remotemedia.service;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.IntToDoubleFunction;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.Connection;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineManifest;

/** Test helpers for the remotemedia.v1 service: requests, signals, decoding, status details. */
final class Kit {
    static final double SINE_HZ = 440;

    private Kit() {
    }

    static NodeManifest node(String id, String type, String paramsJson) {
        return NodeManifest.newBuilder().setId(id).setNodeType(type).setParams(paramsJson).build();
    }

    static PipelineManifest manifest(String name, NodeManifest... nodes) {
        PipelineManifest.Builder b = PipelineManifest.newBuilder().setVersion("v1")
                .setMetadata(ManifestMetadata.newBuilder().setName(name));
        for (NodeManifest n : nodes) {
            b.addNodes(n);
        }
        for (int i = 0; i + 1 < nodes.length; i++) {
            b.addConnections(Connection.newBuilder().setFrom(nodes[i].getId()).setTo(nodes[i + 1].getId()));
        }
        return b.build();
    }

    /** Resample 44.1 kHz to 16 kHz: one node, id "resample". */
    static PipelineManifest resample16k() {
        return manifest("resample", node("resample", "AudioResample", "{\"target_sample_rate\": 16000}"));
    }

    /** Resample to 16 kHz, then VAD. */
    static PipelineManifest resampleVad() {
        return manifest("resample-vad",
                node("resample", "AudioResample", "{\"target_sample_rate\": 16000}"),
                node("vad", "VAD", "{}"));
    }

    static float[] signal(int frames, int rate, IntToDoubleFunction f) {
        float[] s = new float[frames];
        for (int i = 0; i < frames; i++) {
            s[i] = (float) f.applyAsDouble(i);
        }
        return s;
    }

    /** A 440 Hz sine at -6 dBFS of {@code frames} frames at {@code rate}. */
    static float[] sine(int frames, int rate) {
        return signal(frames, rate, i -> 0.5 * Math.sin(2 * Math.PI * SINE_HZ * i / rate));
    }

    static AudioBuffer f32(float[] samples, int rate) {
        ByteBuffer bb = ByteBuffer.allocate(samples.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : samples) {
            bb.putFloat(v);
        }
        return AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(bb.array())).setSampleRate(rate).setChannels(1)
                .setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(samples.length).build();
    }

    static ExecuteRequest request(PipelineManifest m, String sourceId, AudioBuffer audio) {
        return ExecuteRequest.newBuilder().setManifest(m).putAudioInputs(sourceId, audio).setClientVersion("v1").build();
    }

    static float[] decodeF32(AudioBuffer b) {
        ByteBuffer bb = b.getSamples().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bb.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = bb.getFloat();
        }
        return out;
    }

    /** The google.rpc.Status in grpc-status-details-bin (null if none). */
    static com.google.rpc.Status details(StatusRuntimeException e) {
        return StatusProto.fromThrowable(e);
    }

    static Metadata bearer(String token) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return m;
    }
}
