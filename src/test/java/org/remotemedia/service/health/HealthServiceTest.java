package org.remotemedia.service.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.daemon.InteropServer;
import org.remotemedia.testkit.LeakCheck;

/**
 * grpc.health.v1.Health on our transport, called by grpc-java's own generated Health client
 * (io.grpc:grpc-services): Check overall / per service / unknown, Watch with changes, and the
 * drain (NOT_SERVING, then the watch ends without holding the drain open).
 */
@ExtendWith(LeakCheck.class)
class HealthServiceTest {
    /** The server-side statuses (our generated class; the client's has the same simple name). */
    private static final org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus SET_SERVING =
            org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING;
    private static final org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus SET_NOT_SERVING =
            org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING;

    private InteropServer server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws Exception {
        server = InteropServer.startLocal();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    private static HealthCheckRequest req(String service) {
        return HealthCheckRequest.newBuilder().setService(service).build();
    }

    @Test
    void checkOverallAndEveryRegisteredService() {
        HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        for (String s : new String[] {"", "grpc.testing.TestService", "grpc.testing.BenchmarkService",
            "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"}) {
            assertEquals(ServingStatus.SERVING, stub.check(req(s)).getStatus(), s);
        }
    }

    @Test
    void checkUnknownServiceIsNotFound() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> HealthGrpc.newBlockingStub(channel).check(req("no.such.Service")));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("no.such.Service"), e.getStatus().getDescription());
    }

    @Test
    void checkFollowsStatusChangesOverOkHttpToo() throws Exception {
        ManagedChannel ok = OkHttpChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try {
            HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(ok);
            server.health().setStatus("grpc.testing.TestService", SET_NOT_SERVING);
            assertEquals(ServingStatus.NOT_SERVING, stub.check(req("grpc.testing.TestService")).getStatus());
            assertEquals(ServingStatus.SERVING, stub.check(req("")).getStatus());
            server.health().clearStatus("grpc.testing.TestService");
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> stub.check(req("grpc.testing.TestService")));
            assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
        } finally {
            ok.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Collects a Watch stream's events. */
    private static final class Recorder implements StreamObserver<HealthCheckResponse> {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

        @Override
        public void onNext(HealthCheckResponse v) {
            events.add(v.getStatus());
        }

        @Override
        public void onError(Throwable t) {
            events.add(Status.fromThrowable(t).getCode());
        }

        @Override
        public void onCompleted() {
            events.add("completed");
        }

        Object next() throws InterruptedException {
            Object o = events.poll(10, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("no Watch event within 10 s");
            }
            return o;
        }
    }

    @Test
    void watchSendsCurrentStatusThenEveryChange() throws Exception {
        Recorder r = new Recorder();
        HealthGrpc.newStub(channel).watch(req("grpc.testing.TestService"), r);
        assertEquals(ServingStatus.SERVING, r.next());
        server.health().setStatus("grpc.testing.TestService", SET_NOT_SERVING);
        assertEquals(ServingStatus.NOT_SERVING, r.next());
        server.health().setStatus("grpc.testing.TestService", SET_NOT_SERVING); // no change: nothing sent
        server.health().setStatus("grpc.testing.TestService", SET_SERVING);
        assertEquals(ServingStatus.SERVING, r.next());
        server.health().clearStatus("grpc.testing.TestService");
        assertEquals(ServingStatus.SERVICE_UNKNOWN, r.next());
        assertTrue(r.events.isEmpty(), "unexpected extra events: " + r.events);
    }

    @Test
    void watchOfAnUnknownServiceSaysServiceUnknownAndKeepsWatching() throws Exception {
        Recorder r = new Recorder();
        HealthGrpc.newStub(channel).watch(req("later.Service"), r);
        assertEquals(ServingStatus.SERVICE_UNKNOWN, r.next());
        server.health().setStatus("later.Service", SET_SERVING);
        assertEquals(ServingStatus.SERVING, r.next());
    }

    @Test
    void cancelledWatchIsForgotten() throws Exception {
        io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
        Recorder r = new Recorder();
        ctx.run(() -> HealthGrpc.newStub(channel).watch(req(""), r));
        assertEquals(ServingStatus.SERVING, r.next());
        assertEquals(1, server.health().watchCount());
        ctx.cancel(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.health().watchCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(0, server.health().watchCount());
    }

    @Test
    void drainTurnsEverythingNotServingAndEndsTheWatch() throws Exception {
        Recorder r = new Recorder();
        HealthGrpc.newStub(channel).watch(req(""), r);
        assertEquals(ServingStatus.SERVING, r.next());
        Thread drain = new Thread(() -> {
            try {
                server.shutdown(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        long t0 = System.nanoTime();
        drain.start();
        assertEquals(ServingStatus.NOT_SERVING, r.next());
        assertEquals(Status.Code.UNAVAILABLE, r.next());
        // the watch does not hold the drain open until the 30 s grace period ends
        drain.join(TimeUnit.SECONDS.toMillis(20));
        assertTrue(!drain.isAlive(), "drain still running after "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
        assertTrue(server.health().isDraining());
    }

    @Test
    void statusesThatCannotBeSetAreRefused() {
        HealthService h = new HealthService();
        assertThrows(IllegalArgumentException.class, () -> h.setStatus("x",
                org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVICE_UNKNOWN));
        h.enterDrain();
        h.setStatus("", SET_SERVING);
        assertEquals(SET_NOT_SERVING, h.status(""));
    }
}
