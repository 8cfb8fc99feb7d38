package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Exception;

/**
 * Follows the frame boundaries in the bytes netty's frame reader has consumed and reports each
 * frame header (9 bytes: length, type, flags, stream id) once, however the bytes were split
 * between reads. It sees what the reader hides from listeners: CONTINUATION frames, and HEADERS
 * frames whose block is not complete yet. Allocation-free; payloads are skipped, not read.
 *
 * <p>Threads: confined to the connection's event loop.
 */
final class FrameHeaderScanner {
    static final int HEADER_BYTES = 9;

    /** Receives each frame header as soon as its 9 bytes have been consumed. */
    interface Sink {
        void frameHeader(int type, int flags, int streamId, int payloadLength) throws Http2Exception;
    }

    private final byte[] partial = new byte[HEADER_BYTES];
    private int partialLength;
    private long skip; // payload bytes of the current frame still to pass over

    /** Scans {@code buf} from {@code from} (inclusive) to {@code to} (exclusive): bytes read since the last call. */
    void scan(ByteBuf buf, int from, int to, Sink sink) throws Http2Exception {
        int i = from;
        while (i < to) {
            if (skip > 0) {
                int n = (int) Math.min(skip, to - i);
                skip -= n;
                i += n;
                continue;
            }
            if (partialLength == 0 && to - i >= HEADER_BYTES) {
                int length = buf.getUnsignedMedium(i);
                int type = buf.getUnsignedByte(i + 3);
                int flags = buf.getUnsignedByte(i + 4);
                int streamId = buf.getInt(i + 5) & 0x7fffffff;
                i += HEADER_BYTES;
                skip = length;
                sink.frameHeader(type, flags, streamId, length);
                continue;
            }
            partial[partialLength++] = buf.getByte(i++);
            if (partialLength == HEADER_BYTES) {
                partialLength = 0;
                int length = (partial[0] & 0xff) << 16 | (partial[1] & 0xff) << 8 | partial[2] & 0xff;
                int streamId = ((partial[5] & 0x7f) << 24 | (partial[6] & 0xff) << 16 | (partial[7] & 0xff) << 8
                        | partial[8] & 0xff);
                skip = length;
                sink.frameHeader(partial[3] & 0xff, partial[4] & 0xff, streamId, length);
            }
        }
    }
}
