package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Map;

/**
 * Encodes a header list as an HPACK block (RFC 7541) that never touches the dynamic table:
 * static-table references and literals "without indexing", strings not Huffman-coded. Such a
 * block decodes the same whatever the peer's dynamic table holds and leaves that table as it
 * was, so it can be encoded once and written on any connection, between blocks from netty's
 * stateful encoder, without the two falling out of step.
 *
 * <p>Threads: stateless; used when {@link PreEncodedHeaders} are sealed, and per call for one
 * literal value ({@link #writeValue}) on an event loop.
 */
final class HpackLiterals {
    /** RFC 7541 Appendix A: index i + 1 holds {name, value}; value "" where the table has none. */
    private static final String[][] STATIC_TABLE = {
        {":authority", ""}, {":method", "GET"}, {":method", "POST"}, {":path", "/"},
        {":path", "/index.html"}, {":scheme", "http"}, {":scheme", "https"}, {":status", "200"},
        {":status", "204"}, {":status", "206"}, {":status", "304"}, {":status", "400"},
        {":status", "404"}, {":status", "500"}, {"accept-charset", ""}, {"accept-encoding", "gzip, deflate"},
        {"accept-language", ""}, {"accept-ranges", ""}, {"accept", ""}, {"access-control-allow-origin", ""},
        {"age", ""}, {"allow", ""}, {"authorization", ""}, {"cache-control", ""},
        {"content-disposition", ""}, {"content-encoding", ""}, {"content-language", ""}, {"content-length", ""},
        {"content-location", ""}, {"content-range", ""}, {"content-type", ""}, {"cookie", ""},
        {"date", ""}, {"etag", ""}, {"expect", ""}, {"expires", ""},
        {"from", ""}, {"host", ""}, {"if-match", ""}, {"if-modified-since", ""},
        {"if-none-match", ""}, {"if-range", ""}, {"if-unmodified-since", ""}, {"last-modified", ""},
        {"link", ""}, {"location", ""}, {"max-forwards", ""}, {"proxy-authenticate", ""},
        {"proxy-authorization", ""}, {"range", ""}, {"referer", ""}, {"refresh", ""},
        {"retry-after", ""}, {"server", ""}, {"set-cookie", ""}, {"strict-transport-security", ""},
        {"transfer-encoding", ""}, {"user-agent", ""}, {"vary", ""}, {"via", ""},
        {"www-authenticate", ""},
    };
    /** RFC 7541 6.1: indexed header field, 7-bit prefix. */
    private static final int INDEXED = 0x80;
    /** RFC 7541 6.2.2: literal without indexing, 4-bit prefix for the name's index (0 = new name). */
    private static final int LITERAL_NOT_INDEXED = 0x00;

    private HpackLiterals() {
    }

    static int staticTableSize() {
        return STATIC_TABLE.length;
    }

    /** The static table's {name, value} at {@code index} (1-based, as on the wire). */
    static String[] staticEntry(int index) {
        return STATIC_TABLE[index - 1].clone();
    }

    /** The block for {@code headers}, in their iteration order (pseudo-headers first in netty's). */
    static byte[] withoutIndexing(Http2Headers headers) {
        ByteBuf out = Unpooled.buffer(64);
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            String name = e.getKey().toString();
            String value = e.getValue().toString();
            int exact = staticIndex(name, value);
            if (exact > 0) {
                integer(out, INDEXED, 7, exact);
            } else {
                writeName(out, name);
                writeValue(out, value);
            }
        }
        return ByteBufUtil.getBytes(out);
    }

    /** A header name's part of a literal without indexing, encoded once for per-call values. */
    record Name(AsciiString name, byte[] encoded) {
    }

    static Name name(AsciiString name) {
        ByteBuf out = Unpooled.buffer(name.length() + 2);
        writeName(out, name.toString());
        return new Name(name, ByteBufUtil.getBytes(out));
    }

    /** Bytes {@link #writeValue} writes for {@code value}. */
    static int valueLength(CharSequence value) {
        int n = value.length();
        int bytes = 1;
        if (n >= 0x7f) {
            bytes++;
            for (int rest = n - 0x7f; rest >= 0x80; rest >>>= 7) {
                bytes++;
            }
        }
        return bytes + n;
    }

    /**
     * RFC 7541 5.2, H = 0, one byte per char (as netty writes a header value that is not an
     * AsciiString; values that came off the wire hold only chars 0-255).
     */
    static void writeValue(ByteBuf out, CharSequence value) {
        int n = value.length();
        integer(out, 0x00, 7, n);
        for (int i = 0; i < n; i++) {
            out.writeByte(value.charAt(i));
        }
    }

    /** RFC 7540 6.5.2: the size SETTINGS_MAX_HEADER_LIST_SIZE counts for these headers. */
    static long listSize(Http2Headers headers) {
        long size = 0;
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            size += e.getKey().length() + e.getValue().length() + 32L;
        }
        return size;
    }

    /** RFC 7541 6.2.2: the static table's index for the name, else the name as a literal. */
    private static void writeName(ByteBuf out, String name) {
        int nameIndex = staticIndex(name, null);
        integer(out, LITERAL_NOT_INDEXED, 4, nameIndex);
        if (nameIndex == 0) {
            writeValue(out, name);
        }
    }

    /** The first static index with this name (and this value, unless {@code value} is null), or 0. */
    private static int staticIndex(String name, String value) {
        for (int i = 0; i < STATIC_TABLE.length; i++) {
            if (STATIC_TABLE[i][0].equals(name) && (value == null || STATIC_TABLE[i][1].equals(value))) {
                return i + 1;
            }
        }
        return 0;
    }

    /** RFC 7541 5.1: an integer with an N-bit prefix, the rest of the first byte being {@code pattern}. */
    private static void integer(ByteBuf out, int pattern, int prefixBits, int value) {
        int max = (1 << prefixBits) - 1;
        if (value < max) {
            out.writeByte(pattern | value);
            return;
        }
        out.writeByte(pattern | max);
        int rest = value - max;
        while (rest >= 0x80) {
            out.writeByte((rest & 0x7f) | 0x80);
            rest >>>= 7;
        }
        out.writeByte(rest);
    }
}
