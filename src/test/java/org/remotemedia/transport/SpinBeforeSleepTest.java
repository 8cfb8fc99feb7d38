package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.integration.Messages;
import io.grpc.testing.integration.TestServiceGrpc;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.service.ProtoCodec;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Status;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.testkit.LeakCheck;

/**
 * {@code transport.spin_before_sleep_us}: with the event loop polling before it sleeps, calls
 * answered on the loop, answers handed over from another thread (the write queue) and
 * scheduled work (deadlines) all still happen.
 */
@ExtendWith(LeakCheck.class)
class SpinBeforeSleepTest {
    static final ExecutorService WORKERS = Executors.newFixedThreadPool(2);
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        MethodRegistry.Builder b = new EchoTestService().register(MethodRegistry.builder());
        b.unary("/test.Offloop/Echo", (call, req) -> {
            InboundMessage kept = req.retain();
            WORKERS.execute(() -> {
                try {
                    Messages.SimpleRequest r = ProtoCodec.parse(kept, Messages.SimpleRequest.parser());
                    call.sendMessage(Messages.SimpleResponse.newBuilder().setPayload(r.getPayload()).build(),
                            ProtoCodec.ENCODER);
                    call.close(Status.OK);
                } catch (Exception e) {
                    call.close(Status.INTERNAL);
                } finally {
                    kept.release();
                }
            });
        });
        b.unary("/test.Slow/Never", (call, req) -> call.setListener(new CallListener() {
        }));
        server = new TestServer(b.build(), "transport.spin_before_sleep_us", "500", "transport.event_loop_threads", "1");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        WORKERS.shutdownNow();
    }

    private static Messages.SimpleRequest request(int i) {
        return Messages.SimpleRequest.newBuilder().setResponseSize(i % 64)
                .setPayload(Messages.Payload.newBuilder().setBody(ByteString.copyFromUtf8("call " + i))).build();
    }

    @Test
    void theSettingReachesTheEventLoop() {
        assertTrue(server.log().contains("\"spin_before_sleep_us\":500") || !server.server.isEpoll(), server::log);
    }

    @Test
    void onLoopAnswersSequentialAndConcurrent() throws Exception {
        ManagedChannel ch = Clients.NETTY.channel(server.port());
        try {
            TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(ch);
            for (int i = 0; i < 100; i++) {
                assertEquals(i % 64, stub.unaryCall(request(i)).getPayload().getBody().size());
                if (i % 10 == 0) {
                    Thread.sleep(2); // let the loop go past its spin and sleep
                }
            }
            TestServiceGrpc.TestServiceStub async = TestServiceGrpc.newStub(ch);
            List<CompletableFuture<Messages.SimpleResponse>> futures = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                CompletableFuture<Messages.SimpleResponse> f = new CompletableFuture<>();
                async.unaryCall(request(i), TransportIntegrationTest.observer(f, x -> x));
                futures.add(f);
            }
            for (int i = 0; i < futures.size(); i++) {
                assertEquals(i % 64, futures.get(i).get(10, TimeUnit.SECONDS).getPayload().getBody().size());
            }
        } finally {
            Clients.close(ch);
        }
    }

    @Test
    void answersFromAnotherThreadAreNotHeldBackBySpinning() throws Exception {
        ManagedChannel ch = Clients.NETTY.channel(server.port());
        try {
            MethodDescriptor<Messages.SimpleRequest, Messages.SimpleResponse> echo = TestServiceGrpc
                    .getUnaryCallMethod().toBuilder().setFullMethodName("test.Offloop/Echo").build();
            for (int i = 0; i < 100; i++) {
                Messages.SimpleRequest req = request(i);
                Messages.SimpleResponse resp = io.grpc.stub.ClientCalls.blockingUnaryCall(ch, echo,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), req);
                assertEquals(req.getPayload(), resp.getPayload());
            }
        } finally {
            Clients.close(ch);
        }
    }

    @Test
    void deadlinesStillFire() throws Exception {
        ManagedChannel ch = Clients.NETTY.channel(server.port());
        try {
            MethodDescriptor<Messages.SimpleRequest, Messages.SimpleResponse> never = TestServiceGrpc
                    .getUnaryCallMethod().toBuilder().setFullMethodName("test.Slow/Never").build();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> io.grpc.stub.ClientCalls
                    .blockingUnaryCall(ch, never, CallOptions.DEFAULT.withDeadlineAfter(100, TimeUnit.MILLISECONDS),
                            Messages.SimpleRequest.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        } finally {
            Clients.close(ch);
        }
    }
}
