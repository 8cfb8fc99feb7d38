package org.remotemedia.interop;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.Messages.EchoStatus;
import io.grpc.testing.integration.Messages.Payload;
import io.grpc.testing.integration.Messages.PayloadType;
import io.grpc.testing.integration.Messages.ResponseParameters;
import io.grpc.testing.integration.Messages.SimpleRequest;
import io.grpc.testing.integration.Messages.SimpleResponse;
import io.grpc.testing.integration.Messages.StreamingInputCallRequest;
import io.grpc.testing.integration.Messages.StreamingInputCallResponse;
import io.grpc.testing.integration.Messages.StreamingOutputCallRequest;
import io.grpc.testing.integration.Messages.StreamingOutputCallResponse;
import io.grpc.testing.integration.TestServiceGrpc;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.service.ProtoCodec;

/**
 * {@code grpc.testing.TestService} on our rpc API, as the gRPC interop test descriptions ask of
 * a server: empty and sized payloads, requested statuses and messages, echoed metadata
 * ({@code x-grpc-test-echo-initial} into the headers, {@code x-grpc-test-echo-trailing-bin}
 * into the trailers), compression both ways with {@code expect_compressed} checked
 * (INVALID_ARGUMENT when a request's compression is not what it claims), response streams
 * paced by {@code interval_us} and by the client's flow control. {@code UnimplementedCall} is
 * deliberately not registered (the unimplemented_method case).
 *
 * <p>Threads: handlers and listeners run on the call's event loop; delayed chunks are timed on
 * {@code timer} and sent from the event loop.
 */
public final class InteropTestService {
    static final String SERVICE = "grpc.testing.TestService";
    static final String ECHO_INITIAL = "x-grpc-test-echo-initial";
    static final String ECHO_TRAILING_BIN = "x-grpc-test-echo-trailing-bin";
    private static final String PATH = "/" + SERVICE + "/";
    private static final int ZEROS_BYTES = 1 << 20;
    private static final ByteString ZEROS = ByteString.copyFrom(new byte[ZEROS_BYTES]);

    private final ScheduledExecutorService timer;
    private final String serverId;

    public InteropTestService(ScheduledExecutorService timer, String serverId) {
        this.timer = timer;
        this.serverId = serverId;
    }

    /** The service's descriptor, for reflection. */
    public static com.google.protobuf.Descriptors.ServiceDescriptor descriptor() {
        return io.grpc.testing.integration.Test.getDescriptor().findServiceByName("TestService");
    }

    public InteropTestService register(MethodRegistry.Builder b) {
        b.unary(PATH + "EmptyCall", this::emptyCall);
        b.unary(PATH + "UnaryCall", this::unaryCall);
        b.unary(PATH + "CacheableUnaryCall", this::unaryCall);
        b.serverStreaming(PATH + "StreamingOutputCall", this::streamingOutputCall);
        b.clientStreaming(PATH + "StreamingInputCall", this::streamingInputCall);
        b.bidiStreaming(PATH + "FullDuplexCall", call -> duplex(call, false));
        b.bidiStreaming(PATH + "HalfDuplexCall", call -> duplex(call, true));
        return this;
    }

    /** Methods the generated stub declares that this server does not register (checked by a test). */
    static List<String> unregisteredMethods() {
        return List.of(TestServiceGrpc.getUnimplementedCallMethod().getBareMethodName());
    }

    // ------------------------------------------------------------------ helpers

    /** A payload of {@code size} zero bytes; shares one buffer up to 1 MiB (no copy). */
    static Payload payload(int size) {
        ByteString body = size <= ZEROS_BYTES ? ZEROS.substring(0, size) : ByteString.copyFrom(new byte[size]);
        return Payload.newBuilder().setType(PayloadType.COMPRESSABLE).setBody(body).build();
    }

    /** Sends the response headers, with the echoed initial metadata if the client sent it. */
    private static void sendHeaders(ServerCall call) {
        String initial = call.requestHeaders().get(ECHO_INITIAL);
        call.sendHeaders(initial == null ? null : new Metadata().put(ECHO_INITIAL, initial));
    }

    /** Closes with {@code status} and the echoed trailing metadata if the client sent it. */
    private static void close(ServerCall call, Status status) {
        byte[] trailing = call.requestHeaders().getBinary(ECHO_TRAILING_BIN);
        call.close(status, trailing == null ? null : new Metadata().putBinary(ECHO_TRAILING_BIN, trailing));
    }

    private static Status echoStatus(EchoStatus s) {
        String msg = s.getMessage();
        return Status.of(StatusCode.of(s.getCode()), msg.isEmpty() ? null : msg);
    }

    /** Null if the message's compression is what the request claims, else the INVALID_ARGUMENT to answer. */
    private static Status checkCompression(boolean hasExpectation, boolean expected, InboundMessage m) {
        if (!hasExpectation) {
            return null;
        }
        if (expected && !m.wasCompressed()) {
            return Status.of(StatusCode.INVALID_ARGUMENT, "expect_compressed is true but the message arrived "
                    + "uncompressed (compressed flag 0)");
        }
        if (!expected && m.wasCompressed()) {
            return Status.of(StatusCode.INVALID_ARGUMENT, "expect_compressed is false but the message arrived "
                    + "compressed (compressed flag 1)");
        }
        return null;
    }

    private static <T> T parse(ServerCall call, InboundMessage m, com.google.protobuf.Parser<T> parser) {
        try {
            return ProtoCodec.parse(m, parser);
        } catch (InvalidProtocolBufferException e) {
            close(call, Status.of(StatusCode.INVALID_ARGUMENT, "undecodable request: " + e.getMessage()));
            return null;
        }
    }

    // ------------------------------------------------------------------ unary

    private void emptyCall(ServerCall call, InboundMessage request) {
        sendHeaders(call);
        call.sendMessage(EmptyProtos.Empty.getDefaultInstance(), ProtoCodec.ENCODER);
        close(call, Status.OK);
    }

    private void unaryCall(ServerCall call, InboundMessage request) {
        SimpleRequest req = parse(call, request, SimpleRequest.parser());
        if (req == null) {
            return;
        }
        Status bad = checkCompression(req.hasExpectCompressed(), req.getExpectCompressed().getValue(), request);
        if (bad != null) {
            close(call, bad);
            return;
        }
        if (req.hasResponseStatus() && req.getResponseStatus().getCode() != 0) {
            close(call, echoStatus(req.getResponseStatus()));
            return;
        }
        call.setCompression(req.getResponseCompressed().getValue() ? "gzip" : "identity");
        SimpleResponse.Builder resp = SimpleResponse.newBuilder();
        if (req.getResponseSize() > 0) {
            resp.setPayload(payload(req.getResponseSize()));
        }
        if (req.getFillServerId()) {
            resp.setServerId(serverId);
        }
        sendHeaders(call);
        call.sendMessage(resp.build(), ProtoCodec.ENCODER);
        close(call, Status.OK);
    }

    // ------------------------------------------------------------------ server streaming

    private void streamingOutputCall(ServerCall call, InboundMessage request) {
        StreamingOutputCallRequest req = parse(call, request, StreamingOutputCallRequest.parser());
        if (req == null) {
            return;
        }
        if (req.hasResponseStatus() && req.getResponseStatus().getCode() != 0) {
            close(call, echoStatus(req.getResponseStatus()));
            return;
        }
        Dispatcher d = new Dispatcher(call);
        call.setListener(d);
        d.start(req.getResponseParametersList());
        d.enqueue(req.getResponseParametersList());
        d.inputDone();
    }

    // ------------------------------------------------------------------ client streaming

    private CallListener streamingInputCall(ServerCall call) {
        call.request(1);
        return new CallListener() {
            private long total;

            @Override
            public void onMessage(InboundMessage m) {
                StreamingInputCallRequest req = parse(call, m, StreamingInputCallRequest.parser());
                if (req == null) {
                    return;
                }
                Status bad = checkCompression(req.hasExpectCompressed(), req.getExpectCompressed().getValue(), m);
                if (bad != null) {
                    close(call, bad);
                    return;
                }
                total += req.getPayload().getBody().size();
                call.request(1);
            }

            @Override
            public void onHalfClose() {
                sendHeaders(call);
                call.sendMessage(StreamingInputCallResponse.newBuilder()
                        .setAggregatedPayloadSize((int) Math.min(Integer.MAX_VALUE, total)).build(), ProtoCodec.ENCODER);
                close(call, Status.OK);
            }
        };
    }

    // ------------------------------------------------------------------ bidi

    private CallListener duplex(ServerCall call, boolean half) {
        Dispatcher d = new Dispatcher(call);
        d.half = half;
        call.request(1);
        return d;
    }

    /**
     * Sends a call's response chunks in order: each after its {@code interval_us}, and only while
     * the client's flow control lets us (resumed by onReady). Closes with OK once the input is
     * done and every chunk is out. Owned by the call's event loop.
     */
    private final class Dispatcher implements CallListener {
        private final ServerCall call;
        private final ArrayDeque<ResponseParameters> chunks = new ArrayDeque<>();
        private final ArrayDeque<ResponseParameters> held = new ArrayDeque<>();
        private final Runnable pumpTask = this::pump;
        private boolean half;
        private boolean started;
        private boolean inputDone;
        private boolean timerArmed;
        private long dueNanos;
        private boolean finished;
        private boolean compressedCall;

        Dispatcher(ServerCall call) {
            this.call = call;
        }

        /**
         * Headers and the call's encoding: gzip if a chunk of the first batch asks for
         * compression (the client must accept gzip); then each chunk is compressed or not as
         * its {@code compressed} field says.
         */
        void start(List<ResponseParameters> first) {
            if (started) {
                return;
            }
            started = true;
            boolean compress = false;
            for (ResponseParameters p : first) {
                compress |= p.getCompressed().getValue();
            }
            compressedCall = compress && call.setCompression("gzip");
            if (!compressedCall) {
                call.setCompression("identity");
            }
            sendHeaders(call);
        }

        void enqueue(List<ResponseParameters> more) {
            chunks.addAll(more);
            pump();
        }

        void inputDone() {
            inputDone = true;
            pump();
        }

        void pump() {
            while (!finished && !chunks.isEmpty()) {
                ResponseParameters p = chunks.peek();
                if (p.getIntervalUs() > 0) {
                    long now = System.nanoTime();
                    if (!timerArmed && dueNanos == 0) {
                        dueNanos = now + TimeUnit.MICROSECONDS.toNanos(p.getIntervalUs());
                    }
                    if (now - dueNanos < 0) {
                        armTimer(dueNanos - now);
                        return;
                    }
                }
                if (!call.isReady()) {
                    return; // onReady resumes
                }
                chunks.poll();
                dueNanos = 0;
                if (compressedCall) {
                    call.setMessageCompression(p.getCompressed().getValue()); // per message, as asked
                }
                call.sendMessage(StreamingOutputCallResponse.newBuilder().setPayload(payload(p.getSize())).build(),
                        ProtoCodec.ENCODER);
            }
            if (!finished && inputDone && chunks.isEmpty()) {
                finished = true;
                close(call, Status.OK);
            }
        }

        private void armTimer(long delayNanos) {
            if (timerArmed) {
                return;
            }
            timerArmed = true;
            try {
                timer.schedule(() -> call.eventLoop().execute(() -> {
                    timerArmed = false;
                    pump();
                }), delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                finished = true;
                close(call, Status.of(StatusCode.UNAVAILABLE, "the server is shutting down"));
            }
        }

        @Override
        public void onMessage(InboundMessage m) {
            StreamingOutputCallRequest req = parse(call, m, StreamingOutputCallRequest.parser());
            if (req == null) {
                return;
            }
            if (req.hasResponseStatus() && req.getResponseStatus().getCode() != 0) {
                finished = true;
                chunks.clear();
                close(call, echoStatus(req.getResponseStatus()));
                return;
            }
            if (half) {
                held.addAll(req.getResponseParametersList());
            } else {
                start(req.getResponseParametersList());
                enqueue(req.getResponseParametersList());
            }
            call.request(1);
        }

        @Override
        public void onHalfClose() {
            if (half) {
                start(List.copyOf(held));
                chunks.addAll(held);
                held.clear();
            } else if (!started) {
                start(List.of());
            }
            inputDone();
        }

        @Override
        public void onReady() {
            pump();
        }

        @Override
        public void onCancel(Status reason) {
            finished = true;
            chunks.clear();
            held.clear();
        }
    }
}
