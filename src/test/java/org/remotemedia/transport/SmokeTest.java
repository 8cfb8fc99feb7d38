package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.Messages;
import io.grpc.testing.integration.TestServiceGrpc;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.remotemedia.rpc.MethodRegistry;

class SmokeTest {
    @Test
    void allFourKinds() throws Exception {
        EchoTestService svc = new EchoTestService();
        try (TestServer s = new TestServer(svc.register(MethodRegistry.builder()).build())) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().build();
            try {
                Messages.SimpleResponse r = TestServiceGrpc.newBlockingStub(ch).unaryCall(
                        Messages.SimpleRequest.newBuilder().setResponseSize(10).build());
                assertEquals(10, r.getPayload().getBody().size());

                Iterator<Messages.StreamingOutputCallResponse> it = TestServiceGrpc.newBlockingStub(ch)
                        .streamingOutputCall(Messages.StreamingOutputCallRequest.newBuilder()
                                .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(3))
                                .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(70000))
                                .build());
                List<Integer> sizes = new ArrayList<>();
                it.forEachRemaining(m -> sizes.add(m.getPayload().getBody().size()));
                assertEquals(List.of(3, 70000), sizes);

                CompletableFuture<Integer> total = new CompletableFuture<>();
                StreamObserver<Messages.StreamingInputCallRequest> in = TestServiceGrpc.newStub(ch).streamingInputCall(
                        new StreamObserver<>() {
                            @Override
                            public void onNext(Messages.StreamingInputCallResponse v) {
                                total.complete(v.getAggregatedPayloadSize());
                            }

                            @Override
                            public void onError(Throwable t) {
                                total.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                            }
                        });
                for (int size : new int[] {27182, 8, 1828, 45904}) {
                    in.onNext(Messages.StreamingInputCallRequest.newBuilder()
                            .setPayload(Messages.Payload.newBuilder()
                                    .setBody(com.google.protobuf.ByteString.copyFrom(new byte[size])))
                            .build());
                }
                in.onCompleted();
                assertEquals(74922, total.get(10, TimeUnit.SECONDS));

                List<Integer> got = new ArrayList<>();
                CompletableFuture<Void> done = new CompletableFuture<>();
                StreamObserver<Messages.StreamingOutputCallRequest> bidi = TestServiceGrpc.newStub(ch).fullDuplexCall(
                        new StreamObserver<>() {
                            @Override
                            public void onNext(Messages.StreamingOutputCallResponse v) {
                                got.add(v.getPayload().getBody().size());
                            }

                            @Override
                            public void onError(Throwable t) {
                                done.completeExceptionally(t);
                            }

                            @Override
                            public void onCompleted() {
                                done.complete(null);
                            }
                        });
                for (int size : new int[] {31415, 9, 2653, 58979}) {
                    bidi.onNext(Messages.StreamingOutputCallRequest.newBuilder()
                            .addResponseParameters(Messages.ResponseParameters.newBuilder().setSize(size)).build());
                }
                bidi.onCompleted();
                done.get(10, TimeUnit.SECONDS);
                assertEquals(List.of(31415, 9, 2653, 58979), got);
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                System.out.println(s.log());
            }
        }
    }
}
