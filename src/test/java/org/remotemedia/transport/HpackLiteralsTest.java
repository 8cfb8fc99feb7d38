package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.grpc.StatusCode;

/** The stored HPACK blocks decode with netty's decoder and never touch its dynamic table. */
class HpackLiteralsTest {

    /** RFC 7541 C.2.2: a literal without indexing whose name is static index 4. */
    @Test
    void matchesTheRfcExampleOfALiteralWithoutIndexing() {
        Http2Headers h = new DefaultHttp2Headers(false).path("/sample/path");
        assertArrayEquals(HexFormat.of().parseHex("040c2f73616d706c652f70617468"), HpackLiterals.withoutIndexing(h));
    }

    @Test
    void everyStaticEntryDecodesAsItself() throws Exception {
        for (int i = 1; i <= HpackLiterals.staticTableSize(); i++) {
            String[] e = HpackLiterals.staticEntry(i);
            String value = e[1].isEmpty() ? "v" + i : e[1]; // a name-only entry gets a literal value
            Http2Headers h = new DefaultHttp2Headers(false).add(e[0], value);
            assertEquals(List.of(e[0] + ": " + value), lines(decode(new DefaultHttp2HeadersDecoder(false), h)),
                    "static index " + i);
        }
    }

    @Test
    void longNamesAndValuesUseMultiByteLengths() throws Exception {
        Http2Headers h = new DefaultHttp2Headers(false).add("x-" + "n".repeat(200), "v".repeat(1000));
        assertEquals(lines(h), lines(decode(new DefaultHttp2HeadersDecoder(false), h)));
    }

    /**
     * A stored block between two of netty's own: the second netty block refers to entries the
     * first inserted, by dynamic index, so any entry the stored block inserted would shift those
     * indices and the decode would go wrong.
     */
    @Test
    void sharedBlocksDecodeAndLeaveTheDynamicTableAlone() throws Exception {
        List<Http2Headers> shared = new ArrayList<>(List.of(SharedHeaders.RESPONSE, SharedHeaders.RESPONSE_GZIP));
        for (StatusCode c : StatusCode.values()) {
            shared.add(SharedHeaders.trailers(c));
            shared.add(SharedHeaders.trailersOnly(c));
        }
        Http2Headers custom = new DefaultHttp2Headers(false).add("x-one", "1").add("x-two", "2");
        for (Http2Headers s : shared) {
            DefaultHttp2HeadersEncoder netty = new DefaultHttp2HeadersEncoder();
            DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
            ByteBuf first = Unpooled.buffer();
            netty.encodeHeaders(1, custom, first);
            assertEquals(lines(custom), lines(decoder.decodeHeaders(1, first)));
            assertEquals(lines(s), lines(decoder.decodeHeaders(3, block((PreEncodedHeaders) s))));
            ByteBuf again = Unpooled.buffer();
            netty.encodeHeaders(5, custom, again);
            assertEquals(2, again.readableBytes(), "netty's second block is two indexed fields");
            assertEquals(lines(custom), lines(decoder.decodeHeaders(5, again)));
        }
    }

    @Test
    void aPerCallValueIsWrittenAfterTheStoredBlock() throws Exception {
        for (String id : new String[] {"", "abc", "r".repeat(126), "r".repeat(127), "x".repeat(5000), "caf\u00e9"}) {
            PreEncodedHeaders h = SharedHeaders.withRequestId(SharedHeaders.RESPONSE, id);
            ByteBuf b = block(h);
            assertEquals(h.blockLength(), b.readableBytes());
            Http2Headers decoded = new DefaultHttp2HeadersDecoder(false).decodeHeaders(1, b);
            assertEquals(lines(h), lines(decoded));
            assertEquals(id, decoded.get("x-request-id").toString(), "Latin-1 chars come back as sent");
            assertEquals(HpackLiterals.listSize(h), h.listSize());
        }
    }

    @Test
    void listSizeCountsNameValueAndThirtyTwo() {
        Http2Headers h = new DefaultHttp2Headers(false).add("ab", "cde").add("f", "");
        assertEquals(2 + 3 + 32 + 1 + 0 + 32, HpackLiterals.listSize(h));
    }

    private static ByteBuf block(PreEncodedHeaders h) {
        ByteBuf b = Unpooled.buffer();
        h.writeBlock(b);
        return b;
    }

    private static Http2Headers decode(DefaultHttp2HeadersDecoder decoder, Http2Headers h) throws Exception {
        return decoder.decodeHeaders(1, Unpooled.wrappedBuffer(HpackLiterals.withoutIndexing(h)));
    }

    private static List<String> lines(Http2Headers h) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            out.add(e.getKey() + ": " + e.getValue());
        }
        return out;
    }
}
