package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.Messages;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.rpc.MethodRegistry;

/** The in-memory connection the daemon warms up through: real codec and handlers, no socket. */
class InMemoryConnectionTest {
    private static final ServerConfig.Transport CONFIG = ServerConfig.from(Map.of()).transport();
    private static final JsonLog QUIET = JsonLog.silent();

    @Test
    void unaryCallsGetTheHandlersStatus() {
        EchoTestService svc = new EchoTestService();
        try (InMemoryConnection c = InMemoryConnection.open(CONFIG, svc.register(MethodRegistry.builder()).build(), QUIET)) {
            InMemoryConnection.Reply ok = c.unary(EchoTestService.SERVICE + "EmptyCall",
                    EmptyProtos.Empty.getDefaultInstance().toByteArray());
            assertEquals(0, ok.status());
            assertEquals(0, ok.message().length, "an empty message came back");
            InMemoryConnection.Reply none = c.unary("/no.Such/Method", new byte[0]);
            assertEquals(12, none.status(), "UNIMPLEMENTED");
            assertEquals(null, none.message(), "Trailers-Only");
            // a handler's own status comes back too (INVALID_ARGUMENT for an uncompressed 'expect_compressed')
            assertEquals(3, c.unary(EchoTestService.SERVICE + "UnaryCall", Messages.SimpleRequest.newBuilder()
                    .setExpectCompressed(Messages.BoolValue.newBuilder().setValue(true)).build().toByteArray()).status());
            assertEquals(0, c.unary(EchoTestService.SERVICE + "EmptyCall", new byte[0]).status(), "the connection goes on");
        }
    }

    @Test
    void largeMessagesBothWaysAndMoreThanTheClientWindow() throws Exception {
        EchoTestService svc = new EchoTestService();
        try (InMemoryConnection c = InMemoryConnection.open(CONFIG, svc.register(MethodRegistry.builder()).build(), QUIET)) {
            // 200 KB in (13 DATA frames), 256 KB out; 100 calls move 25 MB of responses through a 16 MiB window
            byte[] req = Messages.SimpleRequest.newBuilder().setResponseSize(256 * 1024)
                    .setPayload(TransportIntegrationTest.payload(200_000)).build().toByteArray();
            for (int i = 0; i < 100; i++) {
                InMemoryConnection.Reply r = c.unary(EchoTestService.SERVICE + "UnaryCall", req);
                assertEquals(0, r.status(), "call " + i);
                assertEquals(256 * 1024, Messages.SimpleResponse.parseFrom(r.message()).getPayload().getBody().size());
            }
            assertEquals(true, svc.lastPayloadDirect.get(), "the request was parsed from network buffers");
        }
    }

    @Test
    void oversizedMessagesAreRefusedLikeOnTheNetwork() {
        ServerConfig.Transport small = ServerConfig.from(Map.of("transport.max_inbound_message_bytes", "1024")).transport();
        EchoTestService svc = new EchoTestService();
        try (InMemoryConnection c = InMemoryConnection.open(small, svc.register(MethodRegistry.builder()).build(), QUIET)) {
            assertEquals(8, c.unary(EchoTestService.SERVICE + "UnaryCall", Messages.SimpleRequest.newBuilder()
                    .setPayload(TransportIntegrationTest.payload(2000)).build().toByteArray()).status(), "RESOURCE_EXHAUSTED");
            assertEquals(0, c.unary(EchoTestService.SERVICE + "EmptyCall", new byte[0]).status());
        }
    }

    /** The client does not wait for window updates: a request over the server's stream window is refused up front. */
    @Test
    void requestsMustFitTheServersStreamWindow() {
        ServerConfig.Transport small = ServerConfig.from(Map.of("transport.initial_window_bytes", "65535")).transport();
        assertTrue(InMemoryConnection.fits(small, 65_530));
        assertFalse(InMemoryConnection.fits(small, 65_531));
        EchoTestService svc = new EchoTestService();
        try (InMemoryConnection c = InMemoryConnection.open(small, svc.register(MethodRegistry.builder()).build(), QUIET)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> c.unary(EchoTestService.SERVICE + "UnaryCall", new byte[70_000]));
            assertTrue(e.getMessage().contains("65535"), e.getMessage());
            assertEquals(0, c.unary(EchoTestService.SERVICE + "EmptyCall", new byte[0]).status(), "still usable");
        }
    }
}
