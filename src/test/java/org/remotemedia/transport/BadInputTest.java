package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.testing.integration.Messages;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.remotemedia.grpc.Status;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.testkit.LeakCheck;

/**
 * Every kind of bad input the spec names, sent by a raw HTTP/2 client: each gets its status or
 * HTTP/2 error, is logged once, and leaves the connection (for stream errors) and other
 * connections (for connection errors) working.
 */
@ExtendWith(LeakCheck.class)
class BadInputTest {
    static final String EMPTY = EchoTestService.SERVICE + "EmptyCall";
    static final String UNARY = EchoTestService.SERVICE + "UnaryCall";
    static final String HOLD = "/test.Hold/Wait";
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        MethodRegistry.Builder b = new EchoTestService().register(MethodRegistry.builder());
        b.clientStreaming(HOLD, call -> {
            call.request(Integer.MAX_VALUE);
            return new CallListener() {
                @Override
                public void onHalfClose() {
                    call.close(Status.OK);
                }
            };
        });
        server = new TestServer(b.build(), "transport.max_inbound_message_bytes", "1024",
                "transport.max_rst_frames_per_window", "10", "transport.rst_frames_window_seconds", "60",
                "transport.max_ping_strikes", "2", "transport.max_header_list_bytes", "4096");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    /** The connection still serves a good call after a stream-level error. */
    static void stillWorks(RawH2Client c) throws Exception {
        RawH2Client.Response ok = c.call(EMPTY, new byte[0]);
        assertEquals(Integer.valueOf(0), ok.grpcStatus(), "a good call on the same connection still works");
    }

    static long events(String event) {
        return server.log().lines().filter(l -> l.contains("\"event\":\"" + event + "\"")).count();
    }

    private static RawH2Client.Response send(RawH2Client c, Http2Headers h, byte[] body) throws Exception {
        int id = c.headers(h, false);
        c.data(id, body, true);
        return c.await(id, 5000);
    }

    @Test
    void nonPostIs405() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            long before = events("http_rejected");
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY).method("GET"), new byte[0]);
            assertEquals("405", r.httpStatus());
            assertEquals(Integer.valueOf(13), r.grpcStatus());
            assertTrue(new String(r.data()).contains("POST"));
            assertEquals(before + 1, events("http_rejected"), "logged once");
            stillWorks(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/grpcx", "application/json", "application/grp"})
    void nonGrpcContentTypeIs415(String ct) throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY).set("content-type", ct),
                    RawH2Client.frame(new byte[0], false));
            assertEquals("415", r.httpStatus());
            stillWorks(c);
        }
    }

    @Test
    void missingContentTypeIs415() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            Http2Headers h = RawH2Client.grpcHeaders(EMPTY);
            h.remove("content-type");
            assertEquals("415", send(c, h, RawH2Client.frame(new byte[0], false)).httpStatus());
            stillWorks(c);
        }
    }

    @Test
    void missingTeIs400() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            Http2Headers h = RawH2Client.grpcHeaders(EMPTY);
            h.remove("te");
            RawH2Client.Response r = send(c, h, RawH2Client.frame(new byte[0], false));
            assertEquals("400", r.httpStatus());
            assertTrue(r.header("grpc-message").contains("te"));
            stillWorks(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/grpc", "application/grpc+proto", "application/grpc;charset=utf-8",
        "application/grpc+proto; foo=bar", "Application/GRPC"})
    void grpcContentTypesAccepted(String ct) throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY).set("content-type", ct),
                    RawH2Client.frame(new byte[0], false));
            assertEquals("200", r.httpStatus());
            assertEquals(Integer.valueOf(0), r.grpcStatus());
        }
    }

    @Test
    void otherGrpcSubtypeIsUnimplemented() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY).set("content-type", "application/grpc+json"),
                    RawH2Client.frame("{}".getBytes(), false));
            assertEquals("200", r.httpStatus());
            assertEquals(Integer.valueOf(12), r.grpcStatus());
            assertTrue(r.header("grpc-message").contains("protobuf"));
            stillWorks(c);
        }
    }

    @Test
    void binaryMetadataPaddedAndUnpaddedRoundTrip() throws Exception {
        byte[] value = {(byte) 0xfe, 0, 1, 2, 3};
        byte[] req = Messages.SimpleRequest.newBuilder().setResponseSize(1).build().toByteArray();
        try (RawH2Client c = new RawH2Client(server.port())) {
            for (String enc : new String[] {Base64.getEncoder().encodeToString(value),
                Base64.getEncoder().withoutPadding().encodeToString(value)}) {
                RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(UNARY)
                        .set(EchoTestService.ECHO_TRAILING_BIN, enc), RawH2Client.frame(req, false));
                assertEquals(Integer.valueOf(0), r.grpcStatus());
                String back = r.header(EchoTestService.ECHO_TRAILING_BIN);
                assertArrayEquals(value, Base64.getDecoder().decode(back), enc);
                assertTrue(!back.endsWith("="), "we emit unpadded base64");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"not base64!", "abcde", "ab=c", "YWJj$"})
    void invalidBase64InBinaryMetadataIsInternal(String value) throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            long before = events("call_rejected");
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY).set("x-trace-bin", value),
                    RawH2Client.frame(new byte[0], false));
            assertEquals("200", r.httpStatus());
            assertEquals(Integer.valueOf(13), r.grpcStatus());
            assertTrue(r.header("grpc-message").contains("x-trace-bin"));
            assertEquals(before + 1, events("call_rejected"), "logged once");
            stillWorks(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1S", "123456789S", "1x", "S", "1.5S", " 1S", "1 S", "99999999"})
    void invalidTimeoutIsInternal(String timeout) throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY).set("grpc-timeout", timeout),
                    RawH2Client.frame(new byte[0], false));
            assertEquals(Integer.valueOf(13), r.grpcStatus(), timeout);
            assertTrue(r.header("grpc-message").contains("grpc-timeout"));
            stillWorks(c);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"1n", "0m", "50u", "20m"})
    void expiredTimeoutIsDeadlineExceededWithRst(String timeout) throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            // headers only: the request never completes, so only the deadline can end it
            int id = c.headers(RawH2Client.grpcHeaders(EMPTY).set("grpc-timeout", timeout), false);
            RawH2Client.Response r = c.await(id, 5000);
            assertEquals(Integer.valueOf(4), r.grpcStatus());
            RawH2Client.Event rst = c.awaitType("RST_STREAM", 2000);
            assertNotNull(rst);
            assertEquals(Http2Error.CANCEL.code(), rst.code());
            stillWorks(c);
        }
    }

    @Test
    void truncatedMessageIsInternal() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            byte[] whole = RawH2Client.frame(new byte[100], false);
            byte[] part = java.util.Arrays.copyOf(whole, 30);
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY), part);
            assertEquals(Integer.valueOf(13), r.grpcStatus());
            assertTrue(r.header("grpc-message").contains("truncated"));
            // streaming method too
            RawH2Client.Response s = send(c, RawH2Client.grpcHeaders(HOLD), part);
            assertEquals(Integer.valueOf(13), s.grpcStatus());
            stillWorks(c);
        }
    }

    @Test
    void badCompressedFlagIsInternal() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            byte[] f = RawH2Client.frame(new byte[3], false);
            f[0] = 7;
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY), f);
            assertEquals(Integer.valueOf(13), r.grpcStatus());
            stillWorks(c);
        }
    }

    @Test
    void compressedFlagWithoutEncodingIsInternal() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY), RawH2Client.frame(gzip(new byte[10]), true));
            assertEquals(Integer.valueOf(13), r.grpcStatus());
            assertTrue(r.header("grpc-message").contains("grpc-encoding"));
            stillWorks(c);
        }
    }

    @Test
    void corruptGzipIsInternal() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            byte[] gz = gzip(new byte[100]);
            gz[gz.length / 2] ^= 0x5a;
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY).set("grpc-encoding", "gzip"),
                    RawH2Client.frame(gz, true));
            assertEquals(Integer.valueOf(13), r.grpcStatus());
            stillWorks(c);
        }
    }

    @Test
    void gzipBombIsResourceExhausted() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            byte[] gz = gzip(new byte[1_000_000]); // ~1 KB on the wire, 1 MB inflated > 1024 limit
            assertTrue(gz.length < 1024);
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY).set("grpc-encoding", "gzip"),
                    RawH2Client.frame(gz, true));
            assertEquals(Integer.valueOf(8), r.grpcStatus());
            stillWorks(c);
        }
    }

    @Test
    void unknownEncodingIsUnimplementedListingAccepted() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY).set("grpc-encoding", "snappy"),
                    RawH2Client.frame(new byte[0], true));
            assertEquals(Integer.valueOf(12), r.grpcStatus());
            assertEquals("gzip,identity", r.header("grpc-accept-encoding"));
            stillWorks(c);
        }
    }

    @Test
    void oversizedMessageIsResourceExhaustedBeforeTheBodyArrives() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            int id = c.headers(RawH2Client.grpcHeaders(HOLD), false);
            c.data(id, new byte[] {0, 0, 0, 0x08, 0x00}, false); // announces 2048 > 1024, body never sent
            RawH2Client.Response r = c.await(id, 5000);
            assertEquals(Integer.valueOf(8), r.grpcStatus());
            assertTrue(r.header("grpc-message").contains("max_inbound_message_bytes"));
            stillWorks(c);
        }
    }

    @Test
    void unaryWithTwoOrZeroMessagesIsInternal() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            byte[] one = RawH2Client.frame(new byte[0], false);
            byte[] two = new byte[one.length * 2];
            System.arraycopy(one, 0, two, one.length, one.length);
            RawH2Client.Response r = send(c, RawH2Client.grpcHeaders(EMPTY), two);
            assertEquals(Integer.valueOf(13), r.grpcStatus());
            assertTrue(r.header("grpc-message").contains("too many"));
            RawH2Client.Response z = send(c, RawH2Client.grpcHeaders(EMPTY), new byte[0]);
            assertEquals(Integer.valueOf(13), z.grpcStatus());
            assertTrue(z.header("grpc-message").contains("no request message"));
            stillWorks(c);
        }
    }

    @Test
    void unknownServiceAndMethodAreUnimplemented() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            RawH2Client.Response r = c.call("/no.Such/Thing", new byte[0]);
            assertEquals(Integer.valueOf(12), r.grpcStatus());
            assertTrue(r.header("grpc-message").contains("unknown service no.Such"));
            RawH2Client.Response m = c.call(EchoTestService.SERVICE + "Nope", new byte[0]);
            assertEquals(Integer.valueOf(12), m.grpcStatus());
            assertTrue(m.header("grpc-message").contains("unknown method Nope"));
            RawH2Client.Response p = c.call("nonsense", new byte[0]);
            assertEquals(Integer.valueOf(12), p.grpcStatus());
            stillWorks(c);
        }
    }

    @Test
    void aStreamErrorDoesNotDisturbAnInFlightCallOnTheSameConnection() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            int held = c.headers(RawH2Client.grpcHeaders(HOLD), false);
            c.data(held, RawH2Client.frame(new byte[10], false), false);
            byte[] f = RawH2Client.frame(new byte[3], false);
            f[0] = 9;
            assertEquals(Integer.valueOf(13), send(c, RawH2Client.grpcHeaders(EMPTY), f).grpcStatus());
            c.data(held, RawH2Client.frame(new byte[10], false), true);
            assertEquals(Integer.valueOf(0), c.await(held, 5000).grpcStatus());
        }
    }

    @Test
    void oversizedHeaderListIsRefusedAndTheConnectionSurvives() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            Http2Headers h = RawH2Client.grpcHeaders(EMPTY).set("x-big", "a".repeat(4500));
            int id = c.headers(h, true);
            RawH2Client.Response r = c.await(id, 5000);
            assertTrue("431".equals(r.httpStatus()) || r.rstCode() >= 0, "431 or RST_STREAM, got " + r);
            stillWorks(c);
        }
    }

    /** Connection-level errors: GOAWAY with the named code; other connections unaffected. */
    private static void connectionError(byte[] frames, Http2Error expected) throws Exception {
        try (RawH2Client other = new RawH2Client(server.port()); RawH2Client c = new RawH2Client(server.port())) {
            stillWorks(c);
            c.raw(frames);
            RawH2Client.Event g = c.awaitType("GOAWAY", 5000);
            assertNotNull(g, "GOAWAY expected");
            assertEquals(expected.code(), g.code());
            assertTrue(c.awaitClosed(5000));
            stillWorks(other);
        }
    }

    private static byte[] frameHeader(int length, int type, int flags, int stream) {
        return new byte[] {(byte) (length >>> 16), (byte) (length >>> 8), (byte) length, (byte) type, (byte) flags,
            (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void dataOnStreamZeroIsProtocolError() throws Exception {
        connectionError(concat(frameHeader(1, 0, 0, 0), new byte[] {0}), Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void garbageHpackIsCompressionError() throws Exception {
        connectionError(concat(frameHeader(4, 1, 0x4, 101), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0x7f}), Http2Error.COMPRESSION_ERROR);
    }

    @Test
    void oversizedFrameIsFrameSizeError() throws Exception {
        connectionError(concat(frameHeader(20_000, 0, 0, 1), new byte[20_000]), Http2Error.FRAME_SIZE_ERROR);
    }

    @Test
    void zeroWindowUpdateIsProtocolError() throws Exception {
        connectionError(concat(frameHeader(4, 8, 0, 0), new byte[] {0, 0, 0, 0}), Http2Error.PROTOCOL_ERROR);
    }

    @Test
    void rapidResetIsEnhanceYourCalm() throws Exception {
        try (RawH2Client other = new RawH2Client(server.port()); RawH2Client c = new RawH2Client(server.port())) {
            try {
                for (int i = 0; i < 30 && c.isOpen(); i++) {
                    int id = c.headers(RawH2Client.grpcHeaders(HOLD), false);
                    c.rst(id, Http2Error.CANCEL.code());
                }
            } catch (Exception closedUnderUs) {
                // the server may close while we are still resetting: that is the point
            }
            assertTrue(c.awaitClosed(5000), "the server closes the connection");
            // the GOAWAY may be lost to the TCP reset of a client still writing; the server's log is not
            RawH2Client.Event g = c.awaitType("GOAWAY", 100);
            if (g != null) {
                assertEquals(Http2Error.ENHANCE_YOUR_CALM.code(), g.code());
            }
            assertTrue(server.log().contains("\"budget\":\"rst_frames_received\",\"detail\":\"more than 10 RST_STREAM "
                    + "frames within 60 s\""), server.log());
            stillWorks(other);
        }
    }

    @Test
    void pingFloodIsEnhanceYourCalmTooManyPings() throws Exception {
        try (RawH2Client other = new RawH2Client(server.port()); RawH2Client c = new RawH2Client(server.port())) {
            for (int i = 0; i < 10 && c.isOpen(); i++) {
                c.ping(i);
            }
            RawH2Client.Event g = c.awaitType("GOAWAY", 5000);
            assertNotNull(g);
            assertEquals(Http2Error.ENHANCE_YOUR_CALM.code(), g.code());
            assertEquals("too_many_pings", g.debug());
            assertTrue(c.awaitClosed(5000));
            stillWorks(other);
        }
    }

    @Test
    void concurrentStreamLimitRefusesTheExtraStream() throws Exception {
        MethodRegistry.Builder b = MethodRegistry.builder();
        b.clientStreaming(HOLD, call -> {
            call.request(Integer.MAX_VALUE);
            return new CallListener() {
                @Override
                public void onHalfClose() {
                    call.close(Status.OK);
                }
            };
        });
        try (TestServer small = new TestServer(b.build(), "transport.max_concurrent_streams", "2");
                RawH2Client c = new RawH2Client(small.port(), Http2Settings.defaultSettings())) {
            // else its MAX_CONCURRENT_STREAMS could arrive after allowStreams and undo it
            assertTrue(c.awaitServerSettings(5000), "the server's SETTINGS");
            int a = c.headers(RawH2Client.grpcHeaders(HOLD), false);
            int d = c.headers(RawH2Client.grpcHeaders(HOLD), false);
            c.allowStreams(100); // our codec would refuse a third locally
            int third = c.headers(RawH2Client.grpcHeaders(HOLD), false);
            RawH2Client.Event rst = c.awaitType("RST_STREAM", 5000);
            assertNotNull(rst, () -> c.events + "\n" + small.log());
            assertEquals(third, rst.streamId());
            assertEquals(Http2Error.REFUSED_STREAM.code(), rst.code());
            c.data(a, new byte[0], true);
            c.data(d, new byte[0], true);
            assertEquals(Integer.valueOf(0), c.await(a, 5000).grpcStatus());
            assertEquals(Integer.valueOf(0), c.await(d, 5000).grpcStatus());
        }
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bo)) {
            gz.write(b);
        }
        return bo.toByteArray();
    }

    @Test
    void headersOnlyRequestWithEndStreamOnUnaryIsInternal() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            int id = c.headers(RawH2Client.grpcHeaders(EMPTY), true);
            RawH2Client.Response r = c.await(id, 5000);
            assertEquals(Integer.valueOf(13), r.grpcStatus());
            assertNull(r.header("grpc-encoding"));
            stillWorks(c);
        }
    }
}
