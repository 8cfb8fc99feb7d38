package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The request-header rules without a socket: each outcome, its message, and the order of the checks. */
class RequestHeaderRulesTest {
    private static final String UNARY = "/test.Echo/Unary";
    private static final Set<String> METHODS = Set.of(UNARY);

    private final RequestHeaderRules<String> rules = new RequestHeaderRules<>(new RequestHeaderRules.MethodTable<>() {
        @Override
        public String lookup(String path) {
            return METHODS.contains(path) ? path : null;
        }

        @Override
        public boolean hasService(String service) {
            return service.equals("test.Echo");
        }
    });

    /** A valid unary request, then {@code extra} name/value pairs (a value of null removes the name). */
    private static RequestHeaders request(String... extra) {
        String[][] base = {{":method", "POST"}, {":scheme", "http"}, {":path", UNARY}, {":authority", "localhost"},
                {"content-type", "application/grpc"}, {"te", "trailers"}};
        RequestHeaders h = new RequestHeaders();
        h.clear();
        for (String[] kv : base) {
            if (indexOf(extra, kv[0]) < 0) {
                h.add(kv[0], kv[1]);
            }
        }
        for (int i = 0; i < extra.length; i += 2) {
            if (extra[i + 1] != null) {
                h.add(extra[i], extra[i + 1]);
            }
        }
        return h;
    }

    private static int indexOf(String[] pairs, String name) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(name)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void acceptsAValidRequestAndReportsWhatItAskedFor() {
        int r = rules.check(request("grpc-timeout", "250m", "grpc-encoding", "gzip", "grpc-accept-encoding",
                " identity , GZIP", "x-a-bin", "AQI, AwQ=", "x-b", "v", "x-request-id", "abc"));
        assertEquals(RequestHeaderRules.ACCEPTED, r);
        assertEquals(UNARY, rules.method());
        assertEquals("gzip", rules.inboundEncoding());
        assertEquals(250_000_000L, rules.timeoutNanos());
        assertTrue(rules.clientAcceptsGzip());
        Metadata md = rules.metadata();
        assertArrayEquals(new byte[] {1, 2}, md.getAllBinary("x-a-bin").get(0));
        assertArrayEquals(new byte[] {3, 4}, md.getAllBinary("x-a-bin").get(1));
        assertEquals("v", md.get("x-b"));
        assertEquals("abc", md.get("x-request-id"), "x-request-id is also custom metadata");
        assertNull(md.get("te"), "headers the rules read are not metadata");
    }

    @Test
    void defaultsWhenTheOptionalHeadersAreAbsent() {
        assertEquals(RequestHeaderRules.ACCEPTED, rules.check(request()));
        assertNull(rules.inboundEncoding());
        assertEquals(-1, rules.timeoutNanos());
        assertFalse(rules.clientAcceptsGzip());
        assertTrue(rules.metadata().isEmpty());
        assertEquals(RequestHeaderRules.ACCEPTED, rules.check(request("grpc-encoding", "identity",
                "content-type", "application/grpc+proto;charset=utf-8", "te", "Trailers")));
    }

    @Test
    void missingPseudoHeadersAreMalformed() {
        for (String name : new String[] {":method", ":scheme", ":path"}) {
            assertEquals(RequestHeaderRules.MALFORMED, rules.check(request(name, null)), name);
            assertEquals(RequestHeaderRules.MALFORMED_MESSAGE, rules.message());
        }
    }

    @Test
    void httpLevelRefusals() {
        assertEquals(RequestHeaderRules.HTTP_ERROR, rules.check(request(":method", "GET")));
        assertEquals(405, rules.httpStatus());
        assertEquals("method GET is not allowed: gRPC requests use POST", rules.message());

        assertEquals(RequestHeaderRules.HTTP_ERROR, rules.check(request("content-type", "application/grpcx")));
        assertEquals(415, rules.httpStatus());
        assertEquals(RequestHeaderRules.HTTP_ERROR, rules.check(request("content-type", null)));
        assertEquals("content-type 'null' is not gRPC: expected application/grpc or application/grpc+proto",
                rules.message());

        assertEquals(RequestHeaderRules.HTTP_ERROR, rules.check(request("te", "gzip")));
        assertEquals(400, rules.httpStatus());
        assertEquals("header 'te: trailers' is required for gRPC (got 'gzip'); a proxy on the way may not support "
                + "trailers", rules.message());
        assertEquals(RequestHeaderRules.HTTP_ERROR, rules.check(request("te", null)));
        assertTrue(rules.message().contains("(got none)"));
        assertNull(rules.method(), "no lookup before the HTTP-level checks pass");
    }

    @Test
    void grpcRefusalsCarryTheirStatus() {
        assertRefused(request("grpc-encoding", "deflate"), StatusCode.UNIMPLEMENTED,
                "grpc-encoding 'deflate' is not supported; this server accepts gzip, identity");
        assertTrue(rules.advertiseEncodings());
        assertEquals(UNARY, rules.method(), "the method is known for the refusal's metrics");

        assertRefused(request("grpc-timeout", "1X"), StatusCode.INTERNAL,
                "invalid grpc-timeout '1X': expected " + GrpcTimeout.FORM);
        assertFalse(rules.advertiseEncodings());
        assertRefused(request("x-a-bin", "!!"), StatusCode.INTERNAL,
                "invalid base64 in binary header 'x-a-bin': -bin values must be base64 (RFC 4648, padded or not)");
        assertRefused(request(":path", "/test.Echo/Nope"), StatusCode.UNIMPLEMENTED,
                "unknown method Nope of service test.Echo");
        assertRefused(request(":path", "/no.Such/M"), StatusCode.UNIMPLEMENTED,
                "unknown service no.Such (path /no.Such/M)");
        assertRefused(request(":path", "nope"), StatusCode.UNIMPLEMENTED,
                "malformed method path 'nope': expected /package.Service/Method");
        assertRefused(request("content-type", "application/grpc+json"), StatusCode.UNIMPLEMENTED,
                "content-type 'application/grpc+json': this server speaks protobuf only (application/grpc or "
                        + "application/grpc+proto)");
    }

    @Test
    void checksRunInTheContractsOrder() {
        // each pair: the earlier rule wins over the later one
        assertEquals(405, httpStatusOf(request(":method", "GET", "content-type", "text/plain")));
        assertEquals(415, httpStatusOf(request("content-type", "text/plain", "te", null)));
        assertRefused(request("te", "trailers", "grpc-encoding", "br", "grpc-timeout", "x"), StatusCode.UNIMPLEMENTED,
                "grpc-encoding 'br' is not supported; this server accepts gzip, identity");
        assertRefused(request("grpc-timeout", "x", "x-a-bin", "!!"), StatusCode.INTERNAL,
                "invalid grpc-timeout 'x': expected " + GrpcTimeout.FORM);
        assertRefused(request("x-a-bin", "!!", ":path", "/no.Such/M"), StatusCode.INTERNAL,
                "invalid base64 in binary header 'x-a-bin': -bin values must be base64 (RFC 4648, padded or not)");
        assertRefused(request(":path", "/no.Such/M", "content-type", "application/grpc+json"),
                StatusCode.UNIMPLEMENTED, "unknown service no.Such (path /no.Such/M)");
    }

    @Test
    void theFirstValueOfARepeatedHeaderCounts() {
        RequestHeaders h = request("te", "trailers");
        h.add("te", "gzip");
        h.add(":path", "/other/Path");
        assertEquals(RequestHeaderRules.ACCEPTED, rules.check(h));
        assertEquals(UNARY, rules.method());
    }

    @Test
    void clearForgetsThePreviousRequest() {
        RequestHeaders h = request("x-a", "1", "grpc-timeout", "1S");
        h.clear();
        assertNull(h.method());
        assertNull(h.grpcTimeout());
        assertEquals(0, h.customCount());
    }

    @Test
    void clientRequestIdIsTakenOnlyWhenShortPrintableAscii() {
        assertEquals("req-1", RequestHeaderRules.clientRequestId("req-1"));
        assertNull(RequestHeaderRules.clientRequestId(null));
        assertNull(RequestHeaderRules.clientRequestId("x".repeat(RequestHeaderRules.MAX_CLIENT_REQUEST_ID + 1)));
        assertNull(RequestHeaderRules.clientRequestId(new String(new byte[] {'a', 1}, StandardCharsets.ISO_8859_1)));
    }

    @Test
    void acceptEncodingTokens() {
        assertTrue(RequestHeaderRules.containsToken("gzip", "gzip"));
        assertTrue(RequestHeaderRules.containsToken(" deflate ,  Gzip ", "gzip"));
        assertFalse(RequestHeaderRules.containsToken("gzipx, xgzip", "gzip"));
        assertFalse(RequestHeaderRules.containsToken(",,", "gzip"));
        assertFalse(RequestHeaderRules.containsToken("", "gzip"));
    }

    private int httpStatusOf(RequestHeaders h) {
        assertEquals(RequestHeaderRules.HTTP_ERROR, rules.check(h));
        return rules.httpStatus();
    }

    private void assertRefused(RequestHeaders h, StatusCode code, String message) {
        assertEquals(RequestHeaderRules.REFUSED, rules.check(h));
        assertEquals(code, rules.status().code());
        assertEquals(message, rules.status().description());
        assertEquals(message, rules.message());
    }
}
