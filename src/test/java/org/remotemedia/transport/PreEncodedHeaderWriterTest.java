package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.Http2Settings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.testkit.LeakCheck;

/**
 * Stored response blocks on a real connection, read by netty's client decoder, which insists
 * on RFC 7541's rules: a peer that shrinks its header table must see the size update at the
 * start of the next block, which a stored block does not carry.
 */
@ExtendWith(LeakCheck.class)
class PreEncodedHeaderWriterTest {
    static final String EMPTY = EchoTestService.SERVICE + "EmptyCall";
    static final String UNIMPLEMENTED = "/no.Such/Method";
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(new EchoTestService().register(MethodRegistry.builder()).build());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @Test
    void defaultSettingsGetStoredHeadersAndTrailers() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            callsSucceed(c);
        }
    }

    @Test
    void aPeerThatShrinksItsHeaderTableStillDecodesEveryResponse() throws Exception {
        for (long size : new long[] {0, 100, 4096, 65536}) {
            try (RawH2Client c = new RawH2Client(server.port(), Http2Settings.defaultSettings().headerTableSize(size))) {
                callsSucceed(c);
            }
        }
    }

    private static void callsSucceed(RawH2Client c) throws Exception {
        for (int i = 0; i < 3; i++) {
            RawH2Client.Response ok = c.call(EMPTY, new byte[0]);
            assertEquals("200", ok.httpStatus());
            assertEquals(Integer.valueOf(0), ok.grpcStatus());
            assertEquals("application/grpc", ok.header("content-type"));
            assertEquals("gzip,identity", ok.header("grpc-accept-encoding"));
            RawH2Client.Response missing = c.call(UNIMPLEMENTED, new byte[0]);
            assertEquals(Integer.valueOf(12), missing.grpcStatus(), "netty-encoded trailers between stored blocks");
        }
        assertTrue(c.isOpen(), "the client's decoder accepted every block");
    }
}
