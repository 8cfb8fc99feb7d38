package org.remotemedia.transport;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.grpc.testing.integration.Messages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.remotemedia.grpc.MessageEncoder;
import org.remotemedia.grpc.MessageFramer;
import org.remotemedia.service.ProtoCodec;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Frame a response whose body is 64,000 bytes with the transport's own framer
 * ({@link MessageFramer} over the channels' pooled allocator): a pooled direct buffer of exactly
 * 5 + size bytes, the prefix, and the encoder writing the protobuf straight into it.
 * {@code viaByteArray} is the usual alternative (serialize to byte[], then copy into the
 * buffer) for comparison. The buffer is released at the end of each op, as the socket write
 * would.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameBenchmark {
    static final MessageEncoder<MessageLite> ENCODER = ProtoCodec.ENCODER;

    private final MessageFramer framer = new MessageFramer(new NettyBufferRefs(PooledByteBufAllocator.DEFAULT));
    private Messages.SimpleResponse response;

    @Setup(Level.Trial)
    public void setUp() {
        response = Messages.SimpleResponse.newBuilder()
                .setPayload(Messages.Payload.newBuilder().setBody(ByteString.copyFrom(new byte[64_000 - 8])))
                .build();
        if (response.getSerializedSize() != 64_000) {
            throw new IllegalStateException("size " + response.getSerializedSize());
        }
    }

    @Benchmark
    public int frameDirect() {
        ByteBuf buf = (ByteBuf) framer.frame(response, ENCODER);
        int n = buf.readableBytes();
        buf.release();
        return n;
    }

    @Benchmark
    public int viaByteArray() {
        byte[] bytes = response.toByteArray();
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(MessageFramer.PREFIX_BYTES + bytes.length);
        buf.writeByte(0).writeInt(bytes.length).writeBytes(bytes);
        int n = buf.readableBytes();
        buf.release();
        return n;
    }
}
