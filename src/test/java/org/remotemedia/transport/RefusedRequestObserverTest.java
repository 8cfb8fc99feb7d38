package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.Http2Headers;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.CallObserver;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.LeakCheck;

/**
 * Requests the transport answers itself, before any method runs, still reach the call observers
 * (the access log): one report each, with the path, the HTTP status and the grpc-status sent.
 */
@ExtendWith(LeakCheck.class)
class RefusedRequestObserverTest {
    record Refused(String requestId, String path, String peer, int httpStatus, StatusCode code, long nanos) {
    }

    static final List<Refused> refused = new CopyOnWriteArrayList<>();
    static final List<String> ended = new CopyOnWriteArrayList<>();
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        MethodRegistry.Builder b = new EchoTestService().register(MethodRegistry.builder());
        b.observe(new CallObserver() {
            @Override
            public void callEnded(ServerCall call, StatusCode code, long nanos, long in, long out) {
                ended.add(call.methodPath());
            }

            @Override
            public void requestRefused(String requestId, String path, String peer, int httpStatus, StatusCode code,
                    long nanos) {
                refused.add(new Refused(requestId, path, peer, httpStatus, code, nanos));
            }
        });
        server = new TestServer(b.build());
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private static Refused refusal(RawH2Client c, Http2Headers h) throws Exception {
        int before = refused.size();
        int id = c.headers(h, false);
        c.data(id, RawH2Client.frame(new byte[0], false), true);
        c.await(id, 5000);
        Await.until(() -> refused.size() == before + 1, () -> refused.toString());
        return refused.get(before);
    }

    @Test
    void anUnknownMethodIsReportedWithTheClientsRequestId() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            Refused r = refusal(c, RawH2Client.grpcHeaders("/no.Such/Method").set("x-request-id", "req-7"));
            assertEquals("/no.Such/Method", r.path());
            assertEquals("req-7", r.requestId());
            assertEquals(200, r.httpStatus(), "a gRPC answer (Trailers-Only)");
            assertEquals(StatusCode.UNIMPLEMENTED, r.code());
            assertTrue(r.peer().contains("127.0.0.1") && r.nanos() >= 0, r.toString());
        }
    }

    @Test
    void httpLevelRefusalsAreReportedWithTheirStatus() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            Refused get = refusal(c, RawH2Client.grpcHeaders(EchoTestService.SERVICE + "EmptyCall").method("GET"));
            assertEquals(405, get.httpStatus());
            assertEquals(StatusCode.INTERNAL, get.code(), "the grpc-status the 405 carries");
            assertTrue(get.requestId().startsWith("c"), "no x-request-id: the stream's id in the logs, " + get);
            Refused text = refusal(c, RawH2Client.grpcHeaders(EchoTestService.SERVICE + "EmptyCall")
                    .set("content-type", "text/plain"));
            assertEquals(415, text.httpStatus());
            Http2Headers withoutTe = RawH2Client.grpcHeaders(EchoTestService.SERVICE + "EmptyCall");
            withoutTe.remove("te");
            Refused noTe = refusal(c, withoutTe);
            assertEquals(400, noTe.httpStatus());
        }
    }

    @Test
    void aLongPathIsCutInTheReport() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            Refused r = refusal(c, RawH2Client.grpcHeaders("/x." + "a".repeat(2000) + "/M"));
            assertEquals(256 + 3, r.path().length(), r.path());
            assertTrue(r.path().endsWith("..."));
        }
    }

    @Test
    void aCallThatReachesItsMethodIsNotAlsoReportedAsRefused() throws Exception {
        try (RawH2Client c = new RawH2Client(server.port())) {
            int before = refused.size();
            int endedBefore = ended.size();
            RawH2Client.Response ok = c.call(EchoTestService.SERVICE + "EmptyCall", new byte[0]);
            assertEquals(Integer.valueOf(0), ok.grpcStatus());
            Await.until(() -> ended.size() == endedBefore + 1, () -> ended.toString());
            assertEquals(before, refused.size());
        }
    }
}
