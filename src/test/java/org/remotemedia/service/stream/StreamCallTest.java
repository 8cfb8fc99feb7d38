package org.remotemedia.service.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.remotemedia.testkit.StubServerCall;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.grpc.BufferRefs;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.MessageEncoder;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamResponse.ResponseCase;
import org.remotemedia.rpc.MethodKind;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.service.ServiceContext;
import org.remotemedia.service.ServiceMetrics;

/**
 * StreamCall against a scripted {@link ServerCall} (inline DSP, everything on the test thread),
 * where the test plays the transport: it counts what the call asks for with request(n), delivers
 * messages, toggles readiness and checks every delivered buffer is released exactly once. This is
 * where the flow-control contract is pinned down exactly: demand never exceeds the free slots of
 * the bounded queue, chunks wait while the call is not ready, and a transport that delivered more
 * than was asked for would get STREAM_ERROR_BUFFER_OVERFLOW.
 */
class StreamCallTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int QUEUE = 4;

    private final AtomicInteger retained = new AtomicInteger();
    private final BufferRefs refs = new BufferRefs() {
        @Override
        public void retain(Object owner) {
            retained.incrementAndGet();
        }

        @Override
        public void release(Object owner) {
            retained.decrementAndGet();
        }
    };
    private final PipelineEngine engine = PipelineEngine.standard();
    private final Metrics metrics = new Metrics();
    private final StreamingMetrics streamMetrics = new StreamingMetrics(metrics);
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final StreamingService svc;
    private final FakeCall call = new FakeCall();

    StreamCallTest() {
        ServiceContext ctx = ServiceContext.builder().engine(engine).metrics(new ServiceMetrics(metrics))
                .log(new JsonLog(new PrintStream(log, true, StandardCharsets.UTF_8), JsonLog.Level.DEBUG))
                .activeStreams(streamMetrics::active).conclude();
        ServerConfig.Streaming settings = ServerConfig.from(Map.of("streaming.input_queue_chunks",
                Integer.toString(QUEUE))).streaming();
        svc = new StreamingService(ctx, settings, streamMetrics);
    }

    @AfterEach
    void released() {
        svc.close();
        assertEquals(0, retained.get(), "every retained network buffer released");
        assertEquals(0, engine.pool().inUseBytes(), "every engine buffer released");
        assertEquals(0, streamMetrics.active(), "the session ended");
    }

    @Test
    void demandIsOneMessagePerFreeSlot() throws Exception {
        StreamCall s = (StreamCall) svc.startCall(call);
        assertEquals(1, call.requested, "only the init is asked for before the session exists");
        deliver(s, StreamClient.init(StreamClient.resample16k()));
        assertEquals(ResponseCase.READY, call.sent(0).getResponseCase());
        assertEquals(1 + QUEUE, call.requested, "then one message per queue slot");
        for (int i = 0; i < 10; i++) {
            deliver(s, chunk(i));
            assertEquals(1 + QUEUE + i + 1, call.requested, "one more message per message consumed");
        }
        assertEquals(10, call.sentCount(ResponseCase.RESULT));
        assertEquals(1, call.sentCount(ResponseCase.METRICS), "StreamMetrics after 10 chunks");
        deliver(s, StreamClient.closeCommand());
        assertEquals(Status.OK.code(), call.closed.code());
        assertEquals(ResponseCase.CLOSED, call.last().getResponseCase());
    }

    @Test
    void chunksWaitWhileTheCallIsNotReady() throws Exception {
        StreamCall s = (StreamCall) svc.startCall(call);
        deliver(s, StreamClient.init(StreamClient.resample16k()));
        long asked = call.requested;
        call.ready = false;
        for (int i = 0; i < QUEUE; i++) {
            deliver(s, chunk(i));
        }
        assertEquals(0, call.sentCount(ResponseCase.RESULT), "no result while the client's window is full");
        assertEquals(asked, call.requested, "nothing more asked for while the queue is full");
        assertEquals(QUEUE, retained.get(), "the queued chunks' network buffers are held");
        call.ready = true;
        s.onReady();
        assertEquals(QUEUE, call.sentCount(ResponseCase.RESULT));
        assertEquals(asked + QUEUE, call.requested);
        assertEquals(0, retained.get());
        s.onCancel(Status.CANCELLED); // the client goes away: released without a close
        assertNull(call.closed);
    }

    /** A transport that delivered past the demand (a peer ignoring flow control): BUFFER_OVERFLOW, then the end. */
    @Test
    void deliveryPastTheDemandIsBufferOverflow() throws Exception {
        StreamCall s = (StreamCall) svc.startCall(call);
        deliver(s, StreamClient.init(StreamClient.resample16k()));
        call.ready = false;
        for (int i = 0; i < QUEUE; i++) {
            deliver(s, chunk(i));
        }
        deliver(s, chunk(QUEUE)); // one more than was asked for
        StreamResponse last = call.sent(call.sent.size() - 1);
        assertEquals(ResponseCase.ERROR, last.getResponseCase());
        JsonNode ctx = JSON.readTree(last.getError().getContext());
        assertEquals("STREAM_ERROR_BUFFER_OVERFLOW", ctx.get("stream_error_type").asText());
        assertEquals(QUEUE, ctx.get("failing_sequence").asLong());
        assertEquals("streaming.input_queue_chunks", ctx.get("limit").asText());
        assertTrue(last.getError().getMessage().contains("flow control"), last.getError().getMessage());
        assertEquals(StatusCode.OK, call.closed.code());
        assertEquals(0, call.sentCount(ResponseCase.RESULT), "queued chunks were discarded, not processed");
        assertEquals(1, streamMetrics.sessions(StreamingMetrics.Outcome.FAILED));
    }

    @Test
    void cancelOvertakesQueuedChunks() throws Exception {
        StreamCall s = (StreamCall) svc.startCall(call);
        deliver(s, StreamClient.init(StreamClient.resample16k()));
        call.ready = false;
        deliver(s, chunk(0));
        deliver(s, chunk(1));
        deliver(s, StreamClient.cancel());
        assertEquals(ResponseCase.CLOSED, call.last().getResponseCase());
        assertTrue(call.last().getClosed().getReason().contains("2 queued chunk(s) discarded"),
                call.last().getClosed().getReason());
        assertEquals(0, call.sentCount(ResponseCase.RESULT));
        assertEquals(StatusCode.OK, call.closed.code());
    }

    // ---- the scripted transport ----

    private static StreamRequest chunk(int seq) {
        return StreamClient.chunk(seq, "resample", StreamClient.f32(new float[1600], 0, 1600, 16_000));
    }

    /** Delivers one message as the transport would: a direct buffer, valid during the callback only. */
    private void deliver(StreamCall s, StreamRequest r) throws Exception {
        byte[] bytes = r.toByteArray();
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        InboundMessage m = new InboundMessage(refs);
        m.resetToSingle(direct, 0, bytes.length, new Object());
        call.delivered++;
        int before = retained.get();
        s.onMessage(m);
        m.takeTempOwner();
        m.reset();
        if (retained.get() == before) {
            // not retained: the transport reuses the memory, so anything read from it later sees garbage
            direct.clear();
            while (direct.hasRemaining()) {
                direct.put((byte) 0x5A);
            }
        }
    }

    /** The transport as the call sees it; single-threaded (the test is the event loop). */
    private static final class FakeCall extends StubServerCall {
        FakeCall() {
            super(StreamingService.PATH, MethodKind.BIDI_STREAMING);
        }

        final List<byte[]> sent = new ArrayList<>();
        long requested;
        long delivered;
        boolean ready = true;
        Status closed;

        StreamResponse sent(int i) throws InvalidProtocolBufferException {
            return StreamResponse.parseFrom(sent.get(i));
        }

        StreamResponse last() throws InvalidProtocolBufferException {
            return sent(sent.size() - 1);
        }

        int sentCount(ResponseCase c) throws InvalidProtocolBufferException {
            int n = 0;
            for (int i = 0; i < sent.size(); i++) {
                if (sent(i).getResponseCase() == c) {
                    n++;
                }
            }
            return n;
        }

        @Override
        public void request(int n) {
            requested += n;
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public <T> void sendMessage(T message, MessageEncoder<? super T> encoder) {
            assertFalse(closed != null, "sent after close");
            ByteBuffer b = ByteBuffer.allocate(encoder.serializedSize(message));
            encoder.encode(message, b);
            assertEquals(0, b.remaining(), "the encoder wrote the size it announced");
            sent.add(b.array());
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (closed == null) {
                closed = status;
            }
        }
    }
}
