package org.remotemedia.service;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.PooledBuffer;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.MessageEncoder;

/**
 * Protobuf in and out of the transport's buffers. Requests are parsed with aliasing, so a
 * {@code bytes samples} field is a view of the network buffer, never a heap copy. Responses are
 * written straight into the transport's pooled direct buffer; a {@code samples} field that wraps
 * an off-heap output ({@link UnsafeByteOperations#unsafeWrap(ByteBuffer)}) is copied once,
 * direct to direct, by {@link CodedOutputStream#writeRawBytes(ByteBuffer)} inside
 * {@code writeTo}.
 *
 * <p>Stateless; safe from any thread.
 */
public final class ProtoCodec {
    /** Serializes any message into the buffer the transport hands out. Shared, stateless. */
    public static final MessageEncoder<MessageLite> ENCODER = new MessageEncoder<>() {
        @Override
        public int serializedSize(MessageLite message) {
            return message.getSerializedSize();
        }

        @Override
        public void encode(MessageLite message, ByteBuffer dst) {
            CodedOutputStream out = CodedOutputStream.newInstance(dst);
            try {
                message.writeTo(out);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    /** Each generated parser's schema, for {@link NestedLengthCheck} (one entry per request type). */
    private static final ConcurrentHashMap<Parser<?>, Descriptor> DESCRIPTORS = new ConcurrentHashMap<>();

    private ProtoCodec() {
    }

    /**
     * Parses a message held in one buffer, aliasing {@code bytes} fields to it. The buffer is
     * marked immutable for protobuf (it is not changed while the message is in use). A direct
     * buffer's nested lengths are checked first ({@link NestedLengthCheck}: protobuf's unsafe
     * decoder would otherwise read past the buffer on a length near 2^31).
     */
    public static <T> T parse(ByteBuffer single, Parser<T> parser) throws InvalidProtocolBufferException {
        if (single.isDirect()) {
            NestedLengthCheck.check(single, descriptor(parser));
        }
        CodedInputStream in = UnsafeByteOperations.unsafeWrap(single).newCodedInput();
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        return parser.parseFrom(in);
    }

    /** Up to this size a message over several buffers is parsed from one heap copy (see {@link #parse(InboundMessage, Parser)}). */
    static final int HEAP_COPY_MAX_BYTES = 64 * 1024;

    /**
     * Parses {@code m} without a pooled block (health, reflection, GetVersion, the conformance
     * services). One buffer: in place, {@code bytes} fields alias it (retain the message to keep
     * them past the callback). Several, up to {@link #HEAP_COPY_MAX_BYTES}: a heap copy, because
     * protobuf's decoder over a rope of direct buffers read unknown fields differently from the
     * same bytes in one array (found by fuzzing; RopeParseTest), and such messages are cheap to
     * copy. Larger: the rope, so large {@code bytes} fields still alias the network buffers,
     * after the same {@link NestedLengthCheck} as one buffer (the rope's decoder is as unsafe).
     * The pipeline services use the gathering overload.
     */
    public static <T> T parse(InboundMessage m, Parser<T> parser) throws InvalidProtocolBufferException {
        if (m.bufferCount() <= 1) {
            return m.bufferCount() == 0 ? parser.parseFrom(ByteString.EMPTY) : parse(m.buffer(), parser);
        }
        if (m.length() <= HEAP_COPY_MAX_BYTES) {
            return parser.parseFrom(m.toByteArray());
        }
        NestedLengthCheck.check(m.buffers(), descriptor(parser));
        ByteString bytes = ByteString.EMPTY;
        for (ByteBuffer b : m.buffers()) {
            bytes = bytes.concat(UnsafeByteOperations.unsafeWrap(b));
        }
        CodedInputStream in = bytes.newCodedInput();
        in.enableAliasing(true);
        in.setSizeLimit(Integer.MAX_VALUE);
        return parser.parseFrom(in);
    }

    /** The schema behind a generated parser (found once per parser: it parses an empty message). */
    private static Descriptor descriptor(Parser<?> parser) throws InvalidProtocolBufferException {
        Descriptor d = DESCRIPTORS.get(parser);
        if (d == null) {
            Object empty = parser.parsePartialFrom(ByteString.EMPTY);
            if (!(empty instanceof Message msg)) {
                throw new IllegalArgumentException("not a full protobuf message: " + empty.getClass().getName());
            }
            d = msg.getDescriptorForType();
            DESCRIPTORS.putIfAbsent(parser, d);
        }
        return d;
    }

    /**
     * Parses an inbound message. A message in one network buffer is parsed in place (zero copy
     * of its {@code bytes} fields). A message spread over several buffers (a large request
     * arriving in many DATA frames) is first gathered into one pooled off-heap block, direct to
     * direct, so that its samples are still one contiguous off-heap view (protobuf would
     * otherwise copy a {@code bytes} field that straddles buffers into a heap array).
     *
     * @param gathered receives the pooled block when one was used; the caller releases it once
     *                 the parsed message (and every view of its bytes) is no longer used
     */
    public static <T> T parse(InboundMessage m, Parser<T> parser, BufferPool pool, PooledBuffer[] gathered)
            throws InvalidProtocolBufferException {
        return parse(contiguous(m, pool, gathered), parser);
    }

    /**
     * The message in one buffer, position to limit: its own buffer when it arrived in one, else
     * a pooled off-heap block it was copied into (direct to direct), handed out in
     * {@code gathered} for the caller to release once nothing uses a view of it.
     */
    public static ByteBuffer contiguous(InboundMessage m, BufferPool pool, PooledBuffer[] gathered) {
        if (m.bufferCount() <= 1) {
            return m.buffer();
        }
        int length = m.length();
        PooledBuffer block = pool.acquire(Math.max(1, length), null);
        gathered[0] = block;
        ByteBuffer dst = block.byteBuffer().duplicate();
        dst.clear().limit(length);
        m.copyTo(dst);
        dst.flip();
        return dst;
    }

    /** A zero-copy ByteString view of off-heap bytes (a sink's output) for a response. */
    public static ByteString wrap(ByteBuffer direct) {
        return UnsafeByteOperations.unsafeWrap(direct);
    }
}
