package org.remotemedia.service.stream;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.grpc.BufferRefs;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.MessageEncoder;
import org.remotemedia.grpc.Status;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.testkit.StubServerCall;
import org.remotemedia.pipeline.ChunkResult;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.StreamingSession;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.Connection;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.rpc.MethodKind;
import org.remotemedia.service.ProtoConvert;
import org.remotemedia.service.ServiceContext;
import org.remotemedia.service.ServiceMetrics;

/**
 * One StreamPipeline chunk through the service layer on one thread, without the network: the
 * request bytes sit in a direct buffer as the transport would hand them over; {@code service}
 * runs StreamCall.onMessage (parse with aliasing, queue, sequence check, session push, build and
 * serialize the ChunkResult into a direct buffer, StreamMetrics every 10th); {@code engine} is the
 * floor, the same chunk pushed straight into a StreamingSession. 100 ms of 44.1 kHz mono f32 through
 * Resample (16 kHz) -> VAD. With -prof gc: heap bytes per chunk.
 *
 * <pre>scripts/bench StreamChunkBench -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
    "--sun-misc-unsafe-memory-access=allow"})
public class StreamChunkBench {
    static final int RATE = 44_100;
    static final int FRAMES = 4410;

    private PipelineEngine engine;
    private StreamingService svc;
    private StreamCall call;
    private BenchCall transport;
    private InboundMessage message;
    private ByteBuffer[] chunks;
    private long sequence;

    private StreamingSession session;
    private AudioInput input;

    @Setup(Level.Trial)
    public void setUp() {
        engine = PipelineEngine.standard();
        engine.warmUp(500);
        Metrics metrics = new Metrics();
        StreamingMetrics sm = new StreamingMetrics(metrics);
        ServiceContext ctx = ServiceContext.builder().engine(engine).metrics(new ServiceMetrics(metrics))
                .log(new JsonLog(new PrintStream(OutputStream.nullOutputStream()), JsonLog.Level.ERROR))
                .activeStreams(sm::active).conclude();
        svc = new StreamingService(ctx, ServerConfig.defaults().streaming(), sm);
        transport = new BenchCall();
        call = (StreamCall) svc.startCall(transport);
        message = new InboundMessage(new BufferRefs() {
            @Override
            public void retain(Object owner) {
            }

            @Override
            public void release(Object owner) {
            }
        });
        deliver(direct(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifest(manifest())
                .setClientVersion("v1")).build().toByteArray()));
        // a ring of pre-encoded chunks (sequence numbers are rewritten per op: varint at a fixed place)
        float[] pcm = new float[FRAMES];
        for (int i = 0; i < FRAMES; i++) {
            pcm[i] = (float) (0.5 * Math.sin(2 * Math.PI * 300 * i / RATE));
        }
        ByteBuffer le = ByteBuffer.allocate(FRAMES * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : pcm) {
            le.putFloat(v);
        }
        AudioBuffer buf = AudioBuffer.newBuilder().setSamples(com.google.protobuf.ByteString.copyFrom(le.array()))
                .setSampleRate(RATE).setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(FRAMES).build();
        chunks = new ByteBuffer[1024];
        for (int k = 0; k < chunks.length; k++) {
            chunks[k] = direct(StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder().setNodeId("resample")
                    .setSequence(k).setBuffer(buf)).build().toByteArray());
        }

        try {
            session = engine.openSession(engine.compile(ProtoConvert.manifest(manifest())), Map.of(), null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer d = ByteBuffer.allocateDirect(FRAMES * 4);
        d.put(le.array()).flip();
        input = AudioInput.of(new UnsafeBuffer(d), 0, FRAMES * 4, FRAMES, 1, RATE, SampleFormat.F32);
    }

    /** The service path for one chunk (a new session every 1024 chunks, so sequences stay in range). */
    @Benchmark
    public int service() {
        int k = (int) (sequence++ & 1023);
        if (k == 0 && sequence > 1) {
            call.onCancel(Status.CANCELLED);
            transport = new BenchCall();
            call = (StreamCall) svc.startCall(transport);
            deliver(direct(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifest(manifest())
                    .setClientVersion("v1")).build().toByteArray()));
        }
        ByteBuffer b = chunks[k];
        deliver(b);
        return transport.lastBytes;
    }

    @Benchmark
    public long engine() throws Exception {
        ChunkResult r = session.push("resample", input, null);
        long n = r.totalSamplesProcessed();
        r.release();
        return n;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        call.onCancel(Status.CANCELLED);
        session.close();
        svc.close();
    }

    private void deliver(ByteBuffer b) {
        message.resetToSingle(b, 0, b.capacity(), b);
        call.onMessage(message);
        message.takeTempOwner();
        message.reset();
    }

    private static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    static PipelineManifest manifest() {
        return PipelineManifest.newBuilder().setVersion("v1").setMetadata(ManifestMetadata.newBuilder().setName("bench"))
                .addNodes(NodeManifest.newBuilder().setId("resample").setNodeType("AudioResample")
                        .setParams("{\"target_sample_rate\": 16000}"))
                .addNodes(NodeManifest.newBuilder().setId("vad").setNodeType("VAD").setParams("{}"))
                .addConnections(Connection.newBuilder().setFrom("resample").setTo("vad"))
                .build();
    }

    /** The transport's side: serializes each message into one reused direct buffer, as the framer would. */
    static final class BenchCall extends StubServerCall {
        BenchCall() {
            super(StreamingService.PATH, MethodKind.BIDI_STREAMING);
        }

        private final ByteBuffer out = ByteBuffer.allocateDirect(1 << 20);
        int lastBytes;

        @Override
        public <T> void sendMessage(T m, MessageEncoder<? super T> encoder) {
            int n = encoder.serializedSize(m);
            out.clear().limit(n);
            encoder.encode(m, out);
            lastBytes = n;
        }
    }
}
