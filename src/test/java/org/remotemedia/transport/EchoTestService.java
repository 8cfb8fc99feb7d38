package org.remotemedia.transport;

import com.google.protobuf.ByteString;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.Messages;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.remotemedia.service.ProtoCodec;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.ServerCall;

/**
 * A small grpc.testing.TestService written against our rpc API (test scope), for the
 * transport's tests: grpc-java stubs call it as they would any gRPC server.
 */
final class EchoTestService {
    static final String SERVICE = "/grpc.testing.TestService/";
    static final String ECHO_INITIAL = "x-grpc-test-echo-initial";
    static final String ECHO_TRAILING_BIN = "x-grpc-test-echo-trailing-bin";

    /** Whether the last unary request's payload body was aliased to a direct (network) buffer. */
    final AtomicReference<Boolean> lastPayloadDirect = new AtomicReference<>();
    final AtomicInteger cancellations = new AtomicInteger();
    final AtomicReference<Status> lastCancel = new AtomicReference<>();

    MethodRegistry.Builder register(MethodRegistry.Builder b) {
        b.unary(SERVICE + "EmptyCall", (call, req) -> {
            call.sendMessage(EmptyProtos.Empty.getDefaultInstance(), ProtoCodec.ENCODER);
            call.close(Status.OK);
        });
        b.unary(SERVICE + "UnaryCall", this::unary);
        b.serverStreaming(SERVICE + "StreamingOutputCall", this::streamingOutput);
        b.clientStreaming(SERVICE + "StreamingInputCall", this::streamingInput);
        b.bidiStreaming(SERVICE + "FullDuplexCall", this::fullDuplex);
        return b;
    }

    private void unary(ServerCall call, InboundMessage msg) throws Exception {
        Messages.SimpleRequest req = ProtoCodec.parse(msg, Messages.SimpleRequest.parser());
        ByteString body = req.getPayload().getBody();
        if (!body.isEmpty()) {
            // aliased: one direct view, or for a field spanning frames a rope of direct views
            lastPayloadDirect.set(body.asReadOnlyByteBufferList().stream().allMatch(java.nio.ByteBuffer::isDirect));
        }
        if (req.getExpectCompressed().getValue() && !msg.wasCompressed()) {
            call.close(Status.of(StatusCode.INVALID_ARGUMENT, "expected a compressed request"));
            return;
        }
        if (req.getResponseCompressed().getValue()) {
            call.setCompression("gzip");
        }
        Metadata headers = null;
        String initial = call.requestHeaders().get(ECHO_INITIAL);
        if (initial != null) {
            headers = new Metadata().put(ECHO_INITIAL, initial);
        }
        call.sendHeaders(headers);
        if (req.hasResponseStatus() && req.getResponseStatus().getCode() != 0) {
            call.close(Status.of(StatusCode.of(req.getResponseStatus().getCode()), req.getResponseStatus().getMessage()),
                    trailers(call));
            return;
        }
        Messages.SimpleResponse resp = Messages.SimpleResponse.newBuilder()
                .setPayload(Messages.Payload.newBuilder().setBody(ByteString.copyFrom(new byte[req.getResponseSize()])))
                .build();
        call.sendMessage(resp, ProtoCodec.ENCODER);
        call.close(Status.OK, trailers(call));
    }

    private static Metadata trailers(ServerCall call) {
        byte[] bin = call.requestHeaders().getBinary(ECHO_TRAILING_BIN);
        return bin == null ? null : new Metadata().putBinary(ECHO_TRAILING_BIN, bin);
    }

    private void streamingOutput(ServerCall call, InboundMessage msg) throws Exception {
        Messages.StreamingOutputCallRequest req = ProtoCodec.parse(msg, Messages.StreamingOutputCallRequest.parser());
        call.setListener(new CallListener() {
            @Override
            public void onCancel(Status reason) {
                cancellations.incrementAndGet();
                lastCancel.set(reason);
            }
        });
        boolean anyCompressed = req.getResponseParametersList().stream().anyMatch(p -> p.getCompressed().getValue());
        if (anyCompressed) {
            call.setCompression("gzip");
        }
        for (Messages.ResponseParameters p : req.getResponseParametersList()) {
            call.setMessageCompression(p.getCompressed().getValue());
            call.sendMessage(Messages.StreamingOutputCallResponse.newBuilder()
                    .setPayload(Messages.Payload.newBuilder().setBody(ByteString.copyFrom(new byte[p.getSize()])))
                    .build(), ProtoCodec.ENCODER);
        }
        call.close(Status.OK);
    }

    private CallListener streamingInput(ServerCall call) {
        call.request(1);
        return new CallListener() {
            long total;

            @Override
            public void onMessage(InboundMessage m) throws Exception {
                total += ProtoCodec.parse(m, Messages.StreamingInputCallRequest.parser()).getPayload().getBody().size();
                call.request(1);
            }

            @Override
            public void onHalfClose() {
                call.sendMessage(Messages.StreamingInputCallResponse.newBuilder()
                        .setAggregatedPayloadSize((int) total).build(), ProtoCodec.ENCODER);
                call.close(Status.OK);
            }

            @Override
            public void onCancel(Status reason) {
                cancellations.incrementAndGet();
                lastCancel.set(reason);
            }
        };
    }

    private CallListener fullDuplex(ServerCall call) {
        call.request(1);
        return new CallListener() {
            @Override
            public void onMessage(InboundMessage m) throws Exception {
                Messages.StreamingOutputCallRequest req = ProtoCodec.parse(m, Messages.StreamingOutputCallRequest.parser());
                if (req.hasResponseStatus() && req.getResponseStatus().getCode() != 0) {
                    call.close(Status.of(StatusCode.of(req.getResponseStatus().getCode()),
                            req.getResponseStatus().getMessage()));
                    return;
                }
                for (Messages.ResponseParameters p : req.getResponseParametersList()) {
                    call.sendMessage(Messages.StreamingOutputCallResponse.newBuilder()
                            .setPayload(Messages.Payload.newBuilder().setBody(ByteString.copyFrom(new byte[p.getSize()])))
                            .build(), ProtoCodec.ENCODER);
                }
                call.request(1);
            }

            @Override
            public void onHalfClose() {
                call.close(Status.OK);
            }

            @Override
            public void onCancel(Status reason) {
                cancellations.incrementAndGet();
                lastCancel.set(reason);
            }
        };
    }
}
