package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.TestServiceGrpc;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A well-behaved grpc-java client that keeps calling while an attack runs on other connections
 * (or other streams): every one of its calls must succeed. Bounded: at most {@link #MAX_CALLS}
 * calls, each with a generous deadline; {@link #finish()} stops it and reports.
 */
final class BystanderClient implements AutoCloseable {
    static final int MAX_CALLS = 20_000;

    private final ManagedChannel channel;
    private final Thread thread;
    private final AtomicInteger ok = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private volatile boolean stop;

    BystanderClient(int port) {
        channel = Clients.NETTY.channel(port);
        TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(channel);
        stub.withDeadlineAfter(30, TimeUnit.SECONDS).emptyCall(EmptyProtos.Empty.getDefaultInstance()); // connected
        ok.incrementAndGet();
        thread = new Thread(() -> {
            for (int i = 0; i < MAX_CALLS && !stop; i++) {
                try {
                    stub.withDeadlineAfter(30, TimeUnit.SECONDS).emptyCall(EmptyProtos.Empty.getDefaultInstance());
                    ok.incrementAndGet();
                } catch (StatusRuntimeException e) {
                    failures.add(e.getStatus().toString());
                }
            }
        }, "bystander");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops calling and asserts that every call succeeded; returns how many did. */
    int finish() throws InterruptedException {
        stop = true;
        thread.join(60_000);
        assertTrue(failures.isEmpty(), () -> "the bystander's calls failed: " + failures.size() + " of "
                + (failures.size() + ok.get()) + ", first " + failures.get(0));
        return ok.get();
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(60_000);
        Clients.close(channel);
    }
}
