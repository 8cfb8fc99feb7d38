package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.TestServiceGrpc;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.LeakCheck;
import org.remotemedia.testkit.ResetConnections;

/**
 * Connections that come and go leave nothing behind: 20,000 connections opened and closed
 * (bare TCP, an HTTP/2 handshake, or a gRPC call from grpc-java) bring the server's connection
 * registry, its connection gauge and the live heap after a GC back to their baseline.
 */
@ExtendWith(LeakCheck.class)
class ConnectionChurnTest {
    private static final int CONNECTIONS = 20_000;
    private static final int GRPC_CHANNELS = 100;
    /** The leak this guards against held ~18 KB per connection: 360 MB for this run. */
    private static final long HEAP_SLACK_BYTES = 48L << 20;

    @Test
    void connectionsLeaveTheRegistryAndTheHeapWhenTheyClose() throws Exception {
        try (TestServer server = new TestServer(new EchoTestService().register(MethodRegistry.builder()).build())) {
            int port = server.port();
            churn(port, 1_000); // class loading, pool arenas, JIT: part of the baseline
            grpcCalls(port, 10);
            awaitNoConnections(server);
            long baseline = liveHeapBytes();

            churn(port, CONNECTIONS);
            grpcCalls(port, GRPC_CHANNELS);
            awaitNoConnections(server);
            long after = liveHeapBytes();

            assertEquals(0, server.server.connectionCount(), "connections left in the registry");
            assertTrue(after - baseline < HEAP_SLACK_BYTES, "live heap grew by " + ((after - baseline) >> 10)
                    + " KiB over " + (CONNECTIONS + GRPC_CHANNELS) + " closed connections (baseline "
                    + (baseline >> 20) + " MiB)");
        }
    }

    /** Opens and closes {@code count} connections from two threads; two in three do the HTTP/2 handshake first. */
    private static void churn(int port, int count) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int first = t;
                done.add(pool.submit(() -> {
                    for (int i = first; i < count; i += 2) {
                        ResetConnections.openAndClose(port, i % 3 != 0);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static void grpcCalls(int port, int channels) throws InterruptedException {
        for (int i = 0; i < channels; i++) {
            ManagedChannel ch = Clients.NETTY.channel(port);
            try {
                TestServiceGrpc.newBlockingStub(ch).emptyCall(EmptyProtos.Empty.getDefaultInstance());
            } finally {
                Clients.close(ch);
            }
        }
    }

    /** Waits on the gauge alone: reading the registry must not be what empties it. */
    private static void awaitNoConnections(TestServer server) throws InterruptedException {
        Await.until(() -> gauge(server).contains("remotemedia_grpc_server_connections 0.0"),
                () -> "connection gauge after every client closed: " + gauge(server));
    }

    private static String gauge(TestServer server) {
        try {
            return TransportIntegrationTest.scrape(server).lines()
                    .filter(l -> l.startsWith("remotemedia_grpc_server_connections ")).findFirst().orElse("(absent)");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long liveHeapBytes() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
