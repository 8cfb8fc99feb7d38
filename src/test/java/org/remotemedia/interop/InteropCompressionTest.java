package org.remotemedia.interop;

import org.remotemedia.daemon.InteropServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.testing.integration.Messages.BoolValue;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What grpc-java's interop client cannot check: server_compressed_streaming's per-message
 * compression on the wire. A grpc-java client stream tracer reports each response's wire size
 * at read time: the first response (compressed = true) must arrive far smaller than its payload,
 * the second (compressed = false) at least as large as its payload.
 */
class InteropCompressionTest {
    @Test
    void streamingResponsesAreCompressedPerMessageAsAsked() throws Exception {
        List<long[]> sizes = new CopyOnWriteArrayList<>();
        ClientStreamTracer.Factory tracers = new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, io.grpc.Metadata h) {
                return new ClientStreamTracer() {
                    @Override
                    public void inboundMessageRead(int seqNo, long wireSize, long uncompressedSize) {
                        sizes.add(new long[] {wireSize, uncompressedSize});
                    }
                };
            }
        };
        ClientInterceptor withTracer = new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> m, CallOptions o, Channel next) {
                return next.newCall(m, o.withStreamTracerFactory(tracers));
            }
        };
        try (InteropServer server = InteropServer.startLocal()) {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
            try {
                Iterator<StreamingOutputCallResponse> it = TestServiceGrpc.newBlockingStub(ch)
                        .withInterceptors(withTracer).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .streamingOutputCall(StreamingOutputCallRequest.newBuilder()
                                .addResponseParameters(ResponseParameters.newBuilder().setSize(31415)
                                        .setCompressed(BoolValue.newBuilder().setValue(true)))
                                .addResponseParameters(ResponseParameters.newBuilder().setSize(92653)
                                        .setCompressed(BoolValue.newBuilder().setValue(false)))
                                .build());
                List<Integer> got = new ArrayList<>();
                it.forEachRemaining(r -> got.add(r.getPayload().getBody().size()));
                assertEquals(List.of(31415, 92653), got);
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        assertEquals(2, sizes.size());
        // grpc-java reports the wire size at read time (the uncompressed size comes later, -1 here)
        long firstWire = sizes.get(0)[0];
        long secondWire = sizes.get(1)[0];
        assertTrue(firstWire > 0 && firstWire < 31415 / 10, "first response (31415 zero bytes) should arrive "
                + "gzip-compressed, but took " + firstWire + " B on the wire");
        assertTrue(secondWire >= 92653, "second response (92653 zero bytes) should arrive uncompressed, but took "
                + secondWire + " B on the wire");
    }
}
