package org.remotemedia.perf;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.remotemedia.buffer.wav.WavAudio;
import org.remotemedia.buffer.wav.WavReader;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.Connection;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;

/**
 * What the load generator sends: audio (a WAV file, converted to f32 once, or synthetic
 * speech-like bursts: a 300 Hz tone on for 1 s, off for 1 s), the pipeline, and the requests
 * built from them once, before the load starts, so building them costs the run nothing. The
 * source node is always named {@code in}; results are checked against the last node's id.
 * Immutable after construction; any thread.
 */
final class LoadPayload {
    /** The source node's id in every pipeline. */
    static final String SOURCE = "in";

    final int sampleRate;
    final int channels;
    /** Interleaved f32 little-endian samples of the whole signal. */
    private final byte[] samples;
    private final int frames;
    final String pipeline;
    final PipelineManifest manifest;
    /** The node whose output every result must carry (the pipeline's last node). */
    final String sink;

    LoadPayload(LoadSettings s) throws IOException {
        this.pipeline = s.pipeline();
        if (s.wav() != null) {
            WavAudio w = WavReader.read(s.wav());
            sampleRate = w.sampleRate();
            channels = w.channels();
            frames = w.frames();
            ByteBuffer bb = ByteBuffer.allocate(frames * channels * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < frames * channels; i++) {
                bb.putFloat((float) w.format().read(w.samples(), 0, i));
            }
            samples = bb.array();
        } else {
            sampleRate = s.sampleRate();
            channels = 1;
            frames = sampleRate * 10;
            ByteBuffer bb = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < frames; i++) {
                bb.putFloat((i / sampleRate) % 2 == 0 ? (float) (0.5 * Math.sin(2 * Math.PI * 300.0 * i / sampleRate)) : 0f);
            }
            samples = bb.array();
        }
        this.manifest = manifest(pipeline);
        this.sink = switch (pipeline) {
            case "resample-vad" -> "vad";
            default -> SOURCE;
        };
    }

    static PipelineManifest manifest(String pipeline) {
        PipelineManifest.Builder m = PipelineManifest.newBuilder().setVersion("v1")
                .setMetadata(ManifestMetadata.newBuilder().setName("loadgen-" + pipeline));
        switch (pipeline) {
            case "passthrough" -> m.addNodes(NodeManifest.newBuilder().setId(SOURCE).setNodeType("PassThrough")
                    .setParams("{}"));
            case "resample" -> m.addNodes(NodeManifest.newBuilder().setId(SOURCE).setNodeType("AudioResample")
                    .setParams("{\"target_sample_rate\": 16000}"));
            case "resample-vad" -> m.addNodes(NodeManifest.newBuilder().setId(SOURCE).setNodeType("AudioResample")
                            .setParams("{\"target_sample_rate\": 16000}"))
                    .addNodes(NodeManifest.newBuilder().setId("vad").setNodeType("VAD").setParams("{}"))
                    .addConnections(Connection.newBuilder().setFrom(SOURCE).setTo("vad"));
            default -> throw new IllegalArgumentException("unknown pipeline " + pipeline);
        }
        return m.build();
    }

    /** Frames in {@code ms} of audio at this payload's rate. */
    int framesIn(int ms) {
        return (int) Math.round(sampleRate * ms / 1000.0);
    }

    /** {@code n} frames starting at frame {@code from} of the signal, looping over its end. */
    AudioBuffer audio(long from, int n) {
        int frameBytes = channels * 4;
        byte[] out = new byte[n * frameBytes];
        int start = (int) (from % frames);
        int done = 0;
        while (done < n) {
            int take = Math.min(n - done, frames - start);
            System.arraycopy(samples, start * frameBytes, out, done * frameBytes, take * frameBytes);
            done += take;
            start = 0;
        }
        return AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(out)).setSampleRate(sampleRate)
                .setChannels(channels).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(n).build();
    }

    ExecuteRequest unaryRequest(int audioMs) {
        return ExecuteRequest.newBuilder().setManifest(manifest).setClientVersion("v1")
                .putAudioInputs(SOURCE, audio(0, framesIn(audioMs))).build();
    }

    StreamRequest init() {
        return StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifest(manifest).setClientVersion("v1"))
                .build();
    }

    /**
     * Chunk requests for sequences 0 .. count-1, every session sending the same audio; the
     * chunks' buffers repeat after the signal's length, so memory holds one signal's worth.
     */
    StreamRequest[] chunks(int chunkMs, int count) {
        int n = framesIn(chunkMs);
        int distinct = Math.max(1, frames / n);
        AudioBuffer[] buffers = new AudioBuffer[Math.min(distinct, count)];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = audio((long) i * n, n);
        }
        StreamRequest[] r = new StreamRequest[count];
        for (int k = 0; k < count; k++) {
            r[k] = StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder().setNodeId(SOURCE).setSequence(k)
                    .setBuffer(buffers[k % buffers.length])).build();
        }
        return r;
    }
}
