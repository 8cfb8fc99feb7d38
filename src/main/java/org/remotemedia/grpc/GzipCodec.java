package org.remotemedia.grpc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * gzip (RFC 1952) of single gRPC messages, ByteBuffer to ByteBuffer (direct buffers stay off
 * heap: zlib reads and writes them in place). One member per message, as gRPC sends it.
 * Inflation is sized by the member's ISIZE trailer and refuses to write past it, so a
 * "zip bomb" costs at most the announced size, which the caller checks against its limit.
 *
 * <p>Threads: one instance per connection (event loop); holds native zlib state until
 * {@link #close()}.
 */
public final class GzipCodec implements AutoCloseable {
    public static final int OK = 0;
    /** Not a gzip member, bad CRC / size, or more data than the trailer announced. */
    public static final int ERR_CORRUPT = -1;

    private static final int HEADER_BYTES = 10;
    private static final int TRAILER_BYTES = 8;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final int level;
    private Inflater inflater;
    private Deflater deflater;
    private final CRC32 crc = new CRC32();

    /** {@code level}: 1 (fastest) to 9 (smallest), as {@link Deflater}. */
    public GzipCodec(int level) {
        this.level = level;
    }

    /**
     * The uncompressed size a gzip member in {@code src[pos, limit)} announces (its ISIZE),
     * or -1 if it is too short to be one.
     */
    public static long announcedSize(ByteBuffer src) {
        int end = src.limit();
        if (end - src.position() < HEADER_BYTES + TRAILER_BYTES) {
            return -1;
        }
        return Integer.toUnsignedLong(le32(src, end - 4));
    }

    /**
     * Inflates the member in {@code src[pos, limit)} into {@code dst[pos, limit)}, which must
     * have exactly {@link #announcedSize} bytes remaining. Positions are not moved.
     */
    public int inflate(ByteBuffer src, ByteBuffer dst) {
        int start = src.position();
        int end = src.limit();
        if (end - start < HEADER_BYTES + TRAILER_BYTES) {
            return ERR_CORRUPT;
        }
        if ((src.get(start) & 0xFF) != 0x1f || (src.get(start + 1) & 0xFF) != 0x8b || src.get(start + 2) != 8) {
            return ERR_CORRUPT;
        }
        int flags = src.get(start + 3) & 0xFF;
        int p = start + HEADER_BYTES;
        int bodyEnd = end - TRAILER_BYTES;
        if ((flags & FEXTRA) != 0) {
            if (p + 2 > bodyEnd) {
                return ERR_CORRUPT;
            }
            p += 2 + ((src.get(p) & 0xFF) | (src.get(p + 1) & 0xFF) << 8);
        }
        if ((flags & FNAME) != 0) {
            p = skipZeroTerminated(src, p, bodyEnd);
        }
        if ((flags & FCOMMENT) != 0) {
            p = skipZeroTerminated(src, p, bodyEnd);
        }
        if ((flags & FHCRC) != 0) {
            p += 2;
        }
        if (p < 0 || p > bodyEnd) {
            return ERR_CORRUPT;
        }
        int expectedCrc = le32(src, bodyEnd);
        int expectedSize = le32(src, bodyEnd + 4);
        if (dst.remaining() != expectedSize) {
            return ERR_CORRUPT;
        }
        Inflater inf = inflater();
        inf.reset();
        inf.setInput(src.slice(p, bodyEnd - p));
        ByteBuffer out = dst.duplicate();
        try {
            while (!inf.finished()) {
                int n = inf.inflate(out);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary() || !out.hasRemaining())) {
                    break;
                }
            }
        } catch (DataFormatException e) {
            return ERR_CORRUPT;
        }
        if (!inf.finished() || out.hasRemaining() || inf.getRemaining() != 0) {
            return ERR_CORRUPT;
        }
        crc.reset();
        crc.update(dst.duplicate());
        return (int) crc.getValue() == expectedCrc ? OK : ERR_CORRUPT;
    }

    /** Bytes {@link #deflate} may need for {@code n} input bytes (zlib's bound plus gzip framing). */
    public static int maxDeflatedSize(int n) {
        long bound = (long) n + ((n + 7L) >> 3) + ((n + 63L) >> 6) + 5 + HEADER_BYTES + TRAILER_BYTES + 64;
        return (int) Math.min(Integer.MAX_VALUE - 16, bound);
    }

    /**
     * Compresses {@code src[pos, limit)} as one gzip member into {@code dst} at its position
     * ({@link #maxDeflatedSize} bytes must remain). Returns bytes written, or
     * {@link #ERR_CORRUPT} if they did not fit. Positions are not moved.
     */
    public int deflate(ByteBuffer src, ByteBuffer dst) {
        int start = dst.position();
        if (dst.remaining() < HEADER_BYTES + TRAILER_BYTES) {
            return ERR_CORRUPT;
        }
        ByteBuffer out = dst.duplicate();
        out.put((byte) 0x1f).put((byte) 0x8b).put((byte) 8).put((byte) 0).putInt(0).put((byte) 0).put((byte) 0xff);
        ByteBuffer body = out.slice(out.position(), out.remaining() - TRAILER_BYTES);
        Deflater def = deflater();
        def.reset();
        def.setInput(src.duplicate());
        def.finish();
        while (!def.finished()) {
            int n = def.deflate(body);
            if (n == 0 && !body.hasRemaining()) {
                return ERR_CORRUPT;
            }
        }
        int p = out.position() + body.position();
        crc.reset();
        crc.update(src.duplicate());
        out.order(ByteOrder.LITTLE_ENDIAN).putInt(p, (int) crc.getValue()).putInt(p + 4, src.remaining());
        return p + TRAILER_BYTES - start;
    }

    /** Little-endian int at an absolute index, whatever the buffer's byte order. */
    private static int le32(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) | (b.get(i + 1) & 0xFF) << 8 | (b.get(i + 2) & 0xFF) << 16 | (b.get(i + 3) & 0xFF) << 24;
    }

    private static int skipZeroTerminated(ByteBuffer src, int p, int end) {
        if (p < 0) {
            return -1;
        }
        while (p < end) {
            if (src.get(p++) == 0) {
                return p;
            }
        }
        return -1;
    }

    private Inflater inflater() {
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        return inflater;
    }

    private Deflater deflater() {
        if (deflater == null) {
            deflater = new Deflater(level, true);
        }
        return deflater;
    }

    @Override
    public void close() {
        if (inflater != null) {
            inflater.end();
            inflater = null;
        }
        if (deflater != null) {
            deflater.end();
            deflater = null;
        }
    }
}
