package org.remotemedia.service;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamRequest;

/**
 * What {@link NestedLengthCheck} adds to the in-place parse of a request from a direct buffer:
 * {@code checked} is ProtoCodec.parse (check, then protobuf), {@code unchecked} protobuf's
 * aliasing parse alone (the code before the check), {@code checkOnly} the walk. Requests: an
 * ExecuteRequest with a three-node manifest and 1 s of 44.1 kHz mono float32; a StreamRequest
 * chunk of 20 ms.
 *
 * <pre>scripts/bench ParseCheckBench</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ParseCheckBench {
    @Param({"execute", "chunk"})
    public String request;

    private ByteBuffer direct;
    private Parser<?> parser;
    private com.google.protobuf.Descriptors.Descriptor type;

    @Setup
    public void setUp() {
        byte[] bytes;
        if (request.equals("execute")) {
            PipelineManifest m = PipelineManifest.newBuilder().setVersion("v1")
                    .setMetadata(ManifestMetadata.newBuilder().setName("bench"))
                    .addNodes(NodeManifest.newBuilder().setId("in").setNodeType("Resample").setParams("{\"target_rate\":16000}"))
                    .addNodes(NodeManifest.newBuilder().setId("gain").setNodeType("Gain").setParams("{\"gain_db\":-3}"))
                    .addNodes(NodeManifest.newBuilder().setId("vad").setNodeType("VAD").setParams("{}"))
                    .build();
            bytes = ExecuteRequest.newBuilder().setClientVersion("v1").setManifest(m)
                    .putAudioInputs("in", audio(44_100)).build().toByteArray();
            parser = ExecuteRequest.parser();
            type = ExecuteRequest.getDescriptor();
        } else {
            bytes = StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder().setNodeId("in").setSequence(42)
                    .setBuffer(audio(882))).build().toByteArray();
            parser = StreamRequest.parser();
            type = StreamRequest.getDescriptor();
        }
        direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static AudioBuffer audio(int frames) {
        return AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(new byte[frames * 4])).setSampleRate(44_100)
                .setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(frames).build();
    }

    @Benchmark
    public Object checked() throws InvalidProtocolBufferException {
        return ProtoCodec.parse(direct, parser);
    }

    @Benchmark
    public Object unchecked() throws InvalidProtocolBufferException {
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(direct).newCodedInput();
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        return parser.parseFrom(in);
    }

    @Benchmark
    public ByteBuffer checkOnly() throws InvalidProtocolBufferException {
        NestedLengthCheck.check(direct, type);
        return direct;
    }
}
