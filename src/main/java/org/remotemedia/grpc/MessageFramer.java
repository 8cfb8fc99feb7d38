package org.remotemedia.grpc;

import java.nio.ByteBuffer;

/**
 * Outbound gRPC messages (PROTOCOL-HTTP2.md, "Length-Prefixed-Message"): the 5-byte prefix
 * (compressed flag, big-endian length) and the encoder's bytes written straight into one
 * pooled direct buffer of exactly that size, then, when the call sends gzip, the message
 * compressed into a second buffer -- only if that makes it smaller, since the flag is per
 * message.
 *
 * <p>Threads: {@link #frame} on any thread (a stream's messages are serialized on the sending
 * thread); {@link #compress} on the thread that owns the {@link GzipCodec}.
 */
public final class MessageFramer {
    public static final int PREFIX_BYTES = MessageDeframer.PREFIX_BYTES;

    private final OutboundBuffers buffers;

    public MessageFramer(OutboundBuffers buffers) {
        this.buffers = buffers;
    }

    /**
     * A new buffer holding {@code message} framed, uncompressed; the caller owns its reference.
     * An encoder that announces a negative size or writes another number of bytes than it
     * announced is a bug: IllegalStateException, and nothing is held.
     */
    public <T> Object frame(T message, MessageEncoder<? super T> encoder) {
        int size = encoder.serializedSize(message);
        if (size < 0) {
            throw new IllegalStateException("encoder announced a negative size: " + size);
        }
        Object buf = buffers.allocate(PREFIX_BYTES + size);
        try {
            writePrefix(buf, false, size);
            if (size > 0) { // an empty message takes no view: netty makes one per pooled buffer's first use
                ByteBuffer out = buffers.view(buf, PREFIX_BYTES, size);
                int start = out.position();
                encoder.encode(message, out);
                int written = out.position() - start;
                if (written != size) {
                    throw new IllegalStateException("encoder wrote " + written + " bytes but announced " + size);
                }
            }
            buffers.setLength(buf, PREFIX_BYTES + size);
            return buf;
        } catch (RuntimeException | Error e) {
            buffers.release(buf);
            throw e;
        }
    }

    /**
     * {@code framed} (from {@link #frame}) as a gzip message: a new buffer, and {@code framed}
     * released; or {@code framed} itself when gzip would not shrink it.
     */
    public Object compress(Object framed, GzipCodec gzip) {
        int size = buffers.length(framed) - PREFIX_BYTES;
        if (size <= 0) {
            return framed;
        }
        int room = GzipCodec.maxDeflatedSize(size);
        Object out = buffers.allocate(PREFIX_BYTES + room);
        ByteBuffer src = buffers.view(framed, PREFIX_BYTES, size);
        ByteBuffer dst = buffers.view(out, PREFIX_BYTES, room);
        int n = gzip.deflate(src, dst);
        if (n < 0 || n >= size) {
            buffers.release(out);
            return framed;
        }
        writePrefix(out, true, n);
        buffers.setLength(out, PREFIX_BYTES + n);
        buffers.release(framed);
        return out;
    }

    /** Compressed flag, then the length big-endian. */
    private void writePrefix(Object buf, boolean compressed, int length) {
        buffers.setByte(buf, 0, compressed ? 1 : 0);
        buffers.setInt(buf, 1, length);
    }
}
