package org.remotemedia.service.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.Connection;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;

/**
 * One StreamPipeline call from a standard client (grpc-java's generated async stub): requests go
 * out through the stub's observer, every response and the final status are queued for the test
 * to take in order. With {@code manualInbound}, responses are only read when the test asks
 * ({@link #request}), so the client's own window can fill (a client that does not read).
 */
final class StreamClient implements AutoCloseable {
    /** The call ended: status (OK for onCompleted) and trailers. */
    record End(Status status, Metadata trailers) {
    }

    static final long TIMEOUT_MS = 20_000;

    private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final ClientCallStreamObserver<StreamRequest> requests;
    private volatile ClientCallStreamObserver<StreamRequest> early;

    StreamClient(Channel channel) {
        this(channel, false);
    }

    StreamClient(Channel channel, boolean manualInbound) {
        this(channel.newCall(StreamingPipelineServiceGrpc.getStreamPipelineMethod(), io.grpc.CallOptions.DEFAULT),
                manualInbound);
    }

    /** On a call the test made (call options such as a deadline). */
    StreamClient(ClientCall<StreamRequest, StreamResponse> call) {
        this(call, false);
    }

    private StreamClient(ClientCall<StreamRequest, StreamResponse> call, boolean manualInbound) {
        ClientResponseObserver<StreamRequest, StreamResponse> observer = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<StreamRequest> r) {
                early = r;
                if (manualInbound) {
                    r.disableAutoRequestWithInitial(0);
                }
            }

            @Override
            public void onNext(StreamResponse value) {
                events.add(value);
            }

            @Override
            public void onError(Throwable t) {
                Status s = Status.fromThrowable(t);
                Metadata m = t instanceof StatusRuntimeException e ? e.getTrailers() : null;
                events.add(new End(s, m));
            }

            @Override
            public void onCompleted() {
                events.add(new End(Status.OK, null));
            }
        };
        ClientCalls.asyncBidiStreamingCall(call, observer);
        this.requests = early;
    }

    ClientCallStreamObserver<StreamRequest> requests() {
        return requests;
    }

    void send(StreamRequest r) {
        requests.onNext(r);
    }

    void request(int n) {
        requests.request(n);
    }

    /** The next response; fails if the call ends first or nothing comes in time. */
    StreamResponse next() throws InterruptedException {
        Object o = events.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (o == null) { // a hang: say where every thread is (event loops, DSP workers, the gate)
            StringBuilder dump = new StringBuilder();
            Thread.getAllStackTraces().forEach((t, stack) -> {
                dump.append('\n').append(t.getName()).append(" (").append(t.getState()).append(')');
                for (StackTraceElement e : stack) {
                    dump.append("\n    at ").append(e);
                }
            });
            System.err.println("StreamClient: no response within " + TIMEOUT_MS + " ms; threads:" + dump);
            fail("no response within " + TIMEOUT_MS + " ms (thread dump on stderr)");
        }
        if (o instanceof End e) {
            fail("the call ended (" + e.status() + ") where a response was expected");
        }
        return (StreamResponse) o;
    }

    /** The next response, which must be of case {@code c}. */
    StreamResponse next(StreamResponse.ResponseCase c) throws InterruptedException {
        StreamResponse r = next();
        assertEquals(c, r.getResponseCase(), () -> "expected " + c + ", got " + r);
        return r;
    }

    /** The end of the call; fails if a response comes first. */
    End end() throws InterruptedException {
        Object o = events.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (o == null) {
            fail("the call did not end within " + TIMEOUT_MS + " ms");
        }
        if (o instanceof StreamResponse r) {
            fail("expected the end of the call, got " + r);
        }
        return (End) o;
    }

    /** Everything until the end of the call (responses only), with the end checked OK. */
    List<StreamResponse> restUntilOk() throws InterruptedException {
        List<StreamResponse> out = new ArrayList<>();
        while (true) {
            Object o = events.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (o == null) {
                fail("the call did not end within " + TIMEOUT_MS + " ms; got so far " + out);
            }
            if (o instanceof End e) {
                assertTrue(e.status().isOk(), () -> "expected OK, got " + e.status());
                return out;
            }
            out.add((StreamResponse) o);
        }
    }

    /** A response or the end queued right now, without waiting (null if none). */
    Object poll() {
        return events.poll();
    }

    @Override
    public void close() {
        try {
            requests.cancel("test over", null);
        } catch (RuntimeException ignored) {
            // already ended
        }
    }

    // ---- requests ----

    static NodeManifest node(String id, String type, String paramsJson) {
        return NodeManifest.newBuilder().setId(id).setNodeType(type).setParams(paramsJson).build();
    }

    /** A linear pipeline of {@code nodes}. */
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

    static PipelineManifest resampleVad() {
        return manifest("resample-vad", node("resample", "AudioResample", "{\"target_sample_rate\": 16000}"),
                node("vad", "VAD", "{}"));
    }

    static PipelineManifest resample16k() {
        return manifest("resample", node("resample", "AudioResample", "{\"target_sample_rate\": 16000}"));
    }

    static StreamRequest init(PipelineManifest m) {
        return StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifest(m).setClientVersion("v1")).build();
    }

    static StreamRequest chunk(long sequence, String nodeId, AudioBuffer buffer) {
        return StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder().setSequence(sequence)
                .setNodeId(nodeId).setBuffer(buffer).setTimestampMs(sequence * 100)).build();
    }

    static StreamRequest closeCommand() {
        return control(StreamControl.Command.COMMAND_CLOSE);
    }

    static StreamRequest cancel() {
        return control(StreamControl.Command.COMMAND_CANCEL);
    }

    static StreamRequest control(StreamControl.Command c) {
        return StreamRequest.newBuilder().setControl(StreamControl.newBuilder().setCommand(c)).build();
    }

    static AudioBuffer f32(float[] s, int from, int frames, int rate) {
        ByteBuffer bb = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            bb.putFloat(s[from + i]);
        }
        return AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(bb.array())).setSampleRate(rate).setChannels(1)
                .setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(frames).build();
    }

    static float[] decodeF32(AudioBuffer b) {
        ByteBuffer bb = b.getSamples().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[bb.remaining() / 4];
        for (int i = 0; i < out.length; i++) {
            out[i] = bb.getFloat();
        }
        return out;
    }

    /** 0.5 s of silence, 1 s of a 300 Hz tone at -6 dBFS, then silence, {@code seconds} long in all. */
    static float[] speechLike(int rate, double seconds) {
        int n = (int) Math.round(rate * seconds);
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = i >= rate / 2 && i < 3 * rate / 2 ? (float) (0.5 * Math.sin(2 * Math.PI * 300 * i / rate)) : 0f;
        }
        return s;
    }
}
