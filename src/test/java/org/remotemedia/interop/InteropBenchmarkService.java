package org.remotemedia.interop;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.benchmarks.proto.Messages.Payload;
import io.grpc.benchmarks.proto.Messages.PayloadType;
import io.grpc.benchmarks.proto.Messages.SimpleRequest;
import io.grpc.benchmarks.proto.Messages.SimpleResponse;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.service.ProtoCodec;

/**
 * {@code grpc.testing.BenchmarkService} (UnaryCall, StreamingCall) on our rpc API, answering as
 * grpc-java's benchmark server does: a response whose payload is {@code response_size} zero
 * bytes. Unary calls are answered on the event loop (no thread hop), like grpc-java's
 * {@code AsyncServer} with its direct executor.
 *
 * <p>Per call: the request is parsed (its payload aliases the network buffer, not copied) and a
 * response message is built around a shared zero buffer, then serialized straight into the
 * pooled direct buffer. Threads: stateless; runs on the event loops.
 */
public final class InteropBenchmarkService {
    static final String SERVICE = "grpc.testing.BenchmarkService";
    private static final String PATH = "/" + SERVICE + "/";
    private static final int ZEROS_BYTES = 1 << 20;
    private static final ByteString ZEROS = ByteString.copyFrom(new byte[ZEROS_BYTES]);

    public static com.google.protobuf.Descriptors.ServiceDescriptor descriptor() {
        return io.grpc.benchmarks.proto.Services.getDescriptor().findServiceByName("BenchmarkService");
    }

    public InteropBenchmarkService register(MethodRegistry.Builder b) {
        b.unary(PATH + "UnaryCall", this::unaryCall);
        b.bidiStreaming(PATH + "StreamingCall", this::streamingCall);
        return this;
    }

    /** The response grpc-java's benchmark server would send, or null (and the call closed) if the request is bad. */
    private static SimpleResponse respond(ServerCall call, InboundMessage m) {
        SimpleRequest req;
        try {
            req = ProtoCodec.parse(m, SimpleRequest.parser());
        } catch (InvalidProtocolBufferException e) {
            call.close(Status.of(StatusCode.INVALID_ARGUMENT, "undecodable SimpleRequest: " + e.getMessage()));
            return null;
        }
        int size = req.getResponseSize();
        if (size <= 0) {
            return SimpleResponse.getDefaultInstance();
        }
        if (req.getResponseType() != PayloadType.COMPRESSABLE) {
            call.close(Status.of(StatusCode.INVALID_ARGUMENT, "response_type " + req.getResponseType()
                    + " is not supported: use COMPRESSABLE"));
            return null;
        }
        ByteString body = size <= ZEROS_BYTES ? ZEROS.substring(0, size) : ByteString.copyFrom(new byte[size]);
        return SimpleResponse.newBuilder()
                .setPayload(Payload.newBuilder().setType(PayloadType.COMPRESSABLE).setBody(body))
                .build();
    }

    private void unaryCall(ServerCall call, InboundMessage request) {
        SimpleResponse resp = respond(call, request);
        if (resp != null) {
            call.sendMessage(resp, ProtoCodec.ENCODER);
            call.close(Status.OK);
        }
    }

    private CallListener streamingCall(ServerCall call) {
        call.request(1);
        return new CallListener() {
            private boolean waiting;

            @Override
            public void onMessage(InboundMessage m) {
                SimpleResponse resp = respond(call, m);
                if (resp == null) {
                    return;
                }
                call.sendMessage(resp, ProtoCodec.ENCODER);
                if (call.isReady()) {
                    call.request(1);
                } else {
                    waiting = true;
                }
            }

            @Override
            public void onReady() {
                if (waiting) {
                    waiting = false;
                    call.request(1);
                }
            }

            @Override
            public void onHalfClose() {
                call.close(Status.OK);
            }
        };
    }
}
