package org.remotemedia.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.testing.integration.Messages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ReferenceCounted;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
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
import org.remotemedia.transport.SharedNioView;

/**
 * Deframe (and parse) a request whose audio field is 176,400 bytes (1 s of 44.1 kHz stereo
 * 16-bit) arriving in 16 KiB DATA frames, the way the transport does it: each frame a retained
 * slice of netty's pooled direct read buffer, queued in the {@link MessageDeframer} by the
 * root buffer's shared NIO view ({@code SharedNioView}, as {@code ServerStream.onData} does), the message handed out as views, parsed with protobuf aliasing.
 *
 * <p>{@code deframe}: the transport's own work. {@code deframeAndParse}: plus the protobuf
 * objects (a message, a rope of aliased ByteStrings). {@code copyThenParse}: the usual
 * alternative, a heap byte[] of the message then parse (the copy this design avoids).
 * Run with {@code -prof gc} to read allocation per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DeframeBenchmark {
    static final int AUDIO_BYTES = 176_400;
    static final int FRAME_PAYLOAD = 16 * 1024;
    static final int FRAME_HEADER = 9;

    static final BufferRefs NETTY_REFS = new BufferRefs() {
        @Override
        public void retain(Object owner) {
            ((ReferenceCounted) owner).retain();
        }

        @Override
        public void release(Object owner) {
            ((ReferenceCounted) owner).release();
        }
    };

    private ByteBuf wire;
    private ByteBuf smallWire;
    private int[] frameOffsets;
    private int[] frameLengths;
    private MessageDeframer deframer;
    int messageBytes;

    @Setup(Level.Trial)
    public void setUp() {
        byte[] audio = new byte[AUDIO_BYTES];
        for (int i = 0; i < audio.length; i++) {
            audio[i] = (byte) (i * 7);
        }
        byte[] msg = Messages.SimpleRequest.newBuilder().setResponseSize(10)
                .setPayload(Messages.Payload.newBuilder().setBody(ByteString.copyFrom(audio))).build().toByteArray();
        messageBytes = msg.length;
        byte[] grpc = new byte[msg.length + 5];
        grpc[1] = (byte) (msg.length >>> 24);
        grpc[2] = (byte) (msg.length >>> 16);
        grpc[3] = (byte) (msg.length >>> 8);
        grpc[4] = (byte) msg.length;
        System.arraycopy(msg, 0, grpc, 5, msg.length);
        int frames = (grpc.length + FRAME_PAYLOAD - 1) / FRAME_PAYLOAD;
        frameOffsets = new int[frames];
        frameLengths = new int[frames];
        // one read buffer holding all frames with their 9-byte headers, as netty's cumulation does
        wire = PooledByteBufAllocator.DEFAULT.directBuffer(grpc.length + frames * FRAME_HEADER);
        for (int f = 0, p = 0; f < frames; f++) {
            int len = Math.min(FRAME_PAYLOAD, grpc.length - p);
            wire.writeZero(FRAME_HEADER);
            frameOffsets[f] = wire.writerIndex();
            frameLengths[f] = len;
            wire.writeBytes(grpc, p, len);
            p += len;
        }
        deframer = new MessageDeframer(NETTY_REFS, 64 << 20);
        smallWire = PooledByteBufAllocator.DEFAULT.directBuffer(1029);
        smallWire.writeByte(0).writeInt(1024).writeZero(1024);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        deframer.close();
        wire.release();
        smallWire.release();
    }

    private InboundMessage feedAll() {
        for (int f = 0; f < frameOffsets.length; f++) {
            ByteBuf frame = wire.retainedSlice(frameOffsets[f], frameLengths[f]);
            ByteBuffer base = SharedNioView.of(frame);
            deframer.add(base, base.position(), frameLengths[f], frame);
        }
        if (deframer.poll() != MessageDeframer.MESSAGE) {
            throw new IllegalStateException("no message");
        }
        return deframer.message();
    }

    /**
     * Baseline: only netty's part, the retained slice per DATA frame that its HTTP/2 reader
     * makes anyway (recycled on an event loop thread, allocated on a plain JMH thread).
     * Subtract it from {@code deframe} to get the deframer's own allocation.
     */
    @Benchmark
    public int nettySlicesOnly() {
        int n = 0;
        for (int f = 0; f < frameOffsets.length; f++) {
            ByteBuf frame = wire.retainedSlice(frameOffsets[f], frameLengths[f]);
            n += frame.readableBytes();
            frame.release();
        }
        return n;
    }

    /** A 1 KiB message in one DATA frame: the common small-unary case (shared view, no slice). */
    @Benchmark
    public long deframeSmallSingleFrame() {
        ByteBuf small = smallWire.retainedSlice(0, smallWire.readableBytes());
        ByteBuffer base = SharedNioView.of(small);
        deframer.add(base, base.position(), small.readableBytes(), small);
        if (deframer.poll() != MessageDeframer.MESSAGE) {
            throw new IllegalStateException("no message");
        }
        long n = deframer.message().length() + deframer.message().buffer().remaining();
        deframer.messageDone();
        return n + deframer.takeReturnableBytes();
    }

    @Benchmark
    public long deframe() {
        InboundMessage m = feedAll();
        long n = m.length() + m.bufferCount();
        deframer.messageDone();
        return n + deframer.takeReturnableBytes();
    }

    @Benchmark
    public int deframeAndParse() throws Exception {
        InboundMessage m = feedAll();
        ByteString bytes = ByteString.EMPTY;
        for (ByteBuffer b : m.buffers()) {
            bytes = bytes.concat(UnsafeByteOperations.unsafeWrap(b));
        }
        CodedInputStream in = bytes.newCodedInput();
        in.enableAliasing(true);
        Messages.SimpleRequest req = Messages.SimpleRequest.parseFrom(in);
        int size = req.getPayload().getBody().size();
        deframer.messageDone();
        deframer.takeReturnableBytes();
        return size;
    }

    @Benchmark
    public int copyThenParse() throws Exception {
        InboundMessage m = feedAll();
        byte[] copy = m.toByteArray();
        Messages.SimpleRequest req = Messages.SimpleRequest.parseFrom(copy);
        int size = req.getPayload().getBody().size();
        deframer.messageDone();
        deframer.takeReturnableBytes();
        return size;
    }
}
