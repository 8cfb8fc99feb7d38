package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.MessageEncoder;
import org.remotemedia.grpc.PercentEncoding;
import org.remotemedia.grpc.Status;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;

/**
 * A {@link ConnectionHandler} on an embedded channel with a raw HTTP/2 client on the other
 * side, for {@link RequestHeadersFuzzer}: sends one stream as the fuzzer built it, reads
 * everything the server wrote, and says what came back. One connection serves input after
 * input and is replaced when the server ends it. Both sides allocate from one unpooled
 * allocator whose outstanding bytes are counted exactly, so a buffer not released by the end
 * of a stream shows at once (netty's PARANOID detector, if set, also tracks each buffer).
 *
 * <p>Threads: the fuzzing thread only (the embedded event loop is the caller).
 */
final class HeaderRulesConnection implements AutoCloseable {
    static final String UNARY = "/fuzz.Echo/Unary";
    static final String BIDI = "/fuzz.Echo/Bidi";
    private static final int CLIENT_WINDOW = 16 << 20;
    /** Checks the client can encode a header list at all (its own HPACK table, apart from the writer's). */
    private static final io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder PROBE =
            new io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder(
                    io.netty.handler.codec.http2.Http2HeadersEncoder.NEVER_SENSITIVE, false, 0);

    private static final MessageEncoder<byte[]> BYTES = new MessageEncoder<>() {
        @Override
        public int serializedSize(byte[] message) {
            return message.length;
        }

        @Override
        public void encode(byte[] message, ByteBuffer dst) {
            dst.put(message);
        }
    };

    /** Echo methods: unary (one message back) and bidi (each message back, OK on half-close). */
    private static MethodRegistry registry() {
        return MethodRegistry.builder()
                .unary(UNARY, (call, req) -> {
                    call.sendMessage(req.toByteArray(), BYTES);
                    call.close(Status.OK);
                })
                .bidiStreaming(BIDI, call -> {
                    call.request(1);
                    return new CallListener() {
                        @Override
                        public void onMessage(InboundMessage m) {
                            call.sendMessage(m.toByteArray(), BYTES);
                            call.request(1);
                        }

                        @Override
                        public void onHalfClose() {
                            call.close(Status.OK);
                        }
                    };
                })
                .build();
    }

    /** One server's context for every connection, as in the daemon (and cheap reconnects). */
    private static final TransportContext CONTEXT = context();
    private static HeaderRulesConnection shared;

    private static TransportContext context() {
        ServerConfig.Transport config = ServerConfig.from(Map.of()).transport();
        MethodRegistry registry = registry();
        return new TransportContext(config, registry, new TransportMetrics(new Metrics(), registry, () -> 1),
                JsonLog.silent());
    }
    /** How often each answer came back over the whole run (printed at the end): the rules reached. */
    static final Map<String, Long> ANSWERS = new TreeMap<>();

    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);
    private final EmbeddedChannel server;
    private final EmbeddedChannel client;
    private final ChannelHandlerContext out;
    private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader();
    private final Frames frames = new Frames();
    private ByteBuf pending;
    private int nextStreamId = 1;
    private long baselineBytes;

    private HeaderRulesConnection() {
        server = new EmbeddedChannel();
        client = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        server.config().setAllocator(alloc);
        client.config().setAllocator(alloc);
        out = client.pipeline().firstContext();
        server.pipeline().addLast(new ConnectionHandlerBuilder(CONTEXT).build());
        server.writeInbound(Http2CodecUtil.connectionPrefaceBuf());
        writer.writeSettings(out, new Http2Settings().initialWindowSize(CLIENT_WINDOW).pushEnabled(false),
                out.newPromise());
        writer.writeWindowUpdate(out, 0, CLIENT_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE, out.newPromise());
        exchange();
        frames.expect(0);
        baselineBytes = usedBytes();
    }

    /** Opens a new shared connection if the server ended the last one. */
    static void ensureOpen() {
        if (shared == null || !shared.usable()) {
            if (shared != null) {
                shared.close();
            }
            shared = new HeaderRulesConnection();
        }
    }

    /** Sends {@code request} on the shared connection (a new one if the server ended the last). */
    static Outcome send(RequestHeadersFuzzer.Request request) {
        ensureOpen();
        return shared.stream(request);
    }

    static void closeShared() {
        if (shared != null) {
            shared.close();
            shared = null;
        }
        synchronized (ANSWERS) {
            System.err.println("request-headers answers over the run: " + ANSWERS);
        }
    }

    private boolean usable() {
        return server.isActive() && frames.goAwayCode < 0 && nextStreamId < (1 << 30);
    }

    private long usedBytes() {
        return alloc.metric().usedDirectMemory() + alloc.metric().usedHeapMemory();
    }

    private Outcome stream(RequestHeadersFuzzer.Request r) {
        int id = nextStreamId;
        nextStreamId += 2;
        frames.expect(id);
        boolean endOnHeaders = r.data().isEmpty() && r.end() == 0;
        Http2Headers headers = RequestHeadersFuzzer.toNetty(r.headers());
        ByteBuf probe = alloc.buffer();
        try { // the client's HPACK must be able to write these headers at all (e.g. not an empty name)
            PROBE.encodeHeaders(id, headers, probe);
        } catch (Http2Exception | RuntimeException unsendable) {
            return Outcome.unsendable();
        } finally {
            probe.release();
        }
        writer.writeHeaders(out, id, headers, 0, endOnHeaders, out.newPromise());
        for (int i = 0; i < r.data().size(); i++) {
            byte[] f = r.data().get(i);
            boolean last = i == r.data().size() - 1;
            writer.writeData(out, id, alloc.buffer(f.length).writeBytes(f), 0, last && r.end() == 0, out.newPromise());
        }
        if (r.end() == 1) {
            writer.writeRstStream(out, id, Http2Error.CANCEL.code(), out.newPromise());
        }
        exchange();
        Outcome o = frames.outcome();
        try {
            server.checkException();
        } catch (Throwable t) {
            o.channelException = t;
        }
        if (usable()) {
            long used = usedBytes();
            if (used != baselineBytes) {
                o.leakedBytes = used - baselineBytes;
                baselineBytes = used; // report once, not again for every later input
            }
        }
        synchronized (ANSWERS) {
            ANSWERS.merge(o.summary(), 1L, Long::sum);
        }
        return o;
    }

    /** Moves client frames to the server and back until neither side has anything to say. */
    private void exchange() {
        for (int round = 0; round < 64; round++) {
            out.flush();
            boolean moved = false;
            for (Object o; (o = client.readOutbound()) != null; ) {
                if (server.isOpen()) {
                    server.writeInbound(o);
                    moved = true;
                } else {
                    io.netty.util.ReferenceCountUtil.release(o); // the server closed the connection
                }
            }
            if (server.isOpen()) {
                server.runPendingTasks();
            }
            for (Object o; (o = server.readOutbound()) != null; ) {
                ByteBuf b = (ByteBuf) o;
                pending = pending == null ? b : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, pending, b);
                moved = true;
            }
            if (pending != null) {
                try {
                    reader.readFrame(out, pending, frames);
                } catch (Http2Exception e) {
                    throw new AssertionError("the server wrote a frame its peer cannot read: " + e.getMessage(), e);
                }
                if (!pending.isReadable()) {
                    pending.release();
                    pending = null;
                }
            }
            if (frames.settingsToAck) {
                writer.writeSettingsAck(out, out.newPromise());
                frames.settingsToAck = false;
                moved = true;
            }
            if (frames.windowToReturn > 0) {
                writer.writeWindowUpdate(out, 0, frames.windowToReturn, out.newPromise());
                frames.windowToReturn = 0;
                moved = true;
            }
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("the server and the client kept exchanging frames for 64 rounds over one stream");
    }

    @Override
    public void close() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
        try {
            server.finishAndReleaseAll();
        } finally {
            client.finishAndReleaseAll();
            reader.close();
            writer.close();
        }
    }

    /** What the server did with one stream. */
    static final class Outcome {
        boolean unsendable;
        String httpStatus;
        String grpcStatus;
        String grpcMessage;
        String contentType;
        int ends;
        int framesAfterEnd;
        long resetCode = -1;
        long goAwayCode = -1;
        byte[] body;
        Throwable channelException;
        long leakedBytes;

        static Outcome unsendable() {
            Outcome o = new Outcome();
            o.unsendable = true;
            return o;
        }

        String summary() {
            if (unsendable) {
                return "unsendable";
            }
            if (goAwayCode >= 0) {
                return "goaway " + goAwayCode;
            }
            if (grpcStatus == null && resetCode >= 0) {
                return "rst " + resetCode;
            }
            return "http " + httpStatus + " grpc " + grpcStatus;
        }

        /** The invariants every stream's answer keeps, whatever the request. */
        void check(RequestHeadersFuzzer.Request r) {
            if (channelException != null) {
                throw new AssertionError("an exception escaped into the channel pipeline", channelException);
            }
            if (unsendable) {
                return;
            }
            if (leakedBytes != 0) {
                throw new AssertionError(leakedBytes + " bytes of netty buffers still allocated after the stream"
                        + " ended (" + summary() + "): a buffer was not released");
            }
            if (goAwayCode == Http2Error.INTERNAL_ERROR.code()) {
                throw new AssertionError("GOAWAY INTERNAL_ERROR: the server failed on a client's stream");
            }
            if (framesAfterEnd > 0) {
                throw new AssertionError(framesAfterEnd + " HEADERS/DATA frame(s) after the stream had ended");
            }
            if (ends > 1) {
                throw new AssertionError("the stream was ended " + ends + " times");
            }
            boolean clientReset = r.end() == 1;
            if (ends == 0 && resetCode < 0 && goAwayCode < 0 && !clientReset) {
                throw new AssertionError("the stream got no end: no trailers, no RST_STREAM, no GOAWAY");
            }
            if (grpcStatus != null) {
                int code;
                try {
                    code = Integer.parseInt(grpcStatus);
                } catch (NumberFormatException e) {
                    throw new AssertionError("grpc-status '" + grpcStatus + "' is not a number");
                }
                if (code < 0 || code > 16) {
                    throw new AssertionError("grpc-status " + code + " is not a gRPC code");
                }
                if (grpcMessage != null) {
                    PercentEncoding.decode(grpcMessage); // must decode
                }
                if ("200".equals(httpStatus) && (contentType == null || !contentType.startsWith("application/grpc"))) {
                    throw new AssertionError("a gRPC answer with content-type " + contentType);
                }
                if (code == 0 && !clientReset && r.headers().stream().anyMatch(
                        h -> h[0].toString().equals(":path") && h[1].toString().equals(UNARY))) {
                    checkEcho(r);
                }
            } else if (httpStatus != null && ends == 1 && !"200".equals(httpStatus)) {
                throw new AssertionError("HTTP " + httpStatus + " without grpc-status for gRPC clients");
            }
        }

        /** An OK unary answer is the one request message, echoed. */
        private void checkEcho(RequestHeadersFuzzer.Request r) {
            ByteArrayOutputStream sent = new ByteArrayOutputStream();
            r.data().forEach(sent::writeBytes);
            byte[] s = sent.toByteArray();
            if (s.length < 5 || s[0] != 0) {
                throw new AssertionError("OK for a unary call without one uncompressed message");
            }
            int len = (s[1] & 0xFF) << 24 | (s[2] & 0xFF) << 16 | (s[3] & 0xFF) << 8 | s[4] & 0xFF;
            if (s.length != 5 + len) {
                throw new AssertionError("OK for a unary call whose DATA held " + s.length + " bytes, not one "
                        + len + "-byte message");
            }
            if (body == null || !java.util.Arrays.equals(body, s)) {
                throw new AssertionError("the unary echo did not return the message sent");
            }
        }
    }

    /** The client's frame listener for one stream at a time; SETTINGS and window bookkeeping for all. */
    private static final class Frames extends Http2FrameAdapter {
        int streamId;
        Outcome outcome = new Outcome();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        boolean settingsToAck;
        int windowToReturn;
        long goAwayCode = -1;

        void expect(int id) {
            streamId = id;
            outcome = new Outcome();
            body.reset();
        }

        Outcome outcome() {
            outcome.body = body.toByteArray();
            outcome.goAwayCode = goAwayCode;
            return outcome;
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int stream, ByteBuf data, int padding, boolean endOfStream) {
            int n = data.readableBytes() + padding;
            windowToReturn += n;
            if (stream == streamId) {
                if (outcome.ends > 0 || outcome.resetCode >= 0) {
                    outcome.framesAfterEnd++;
                }
                body.writeBytes(ByteBufUtil.getBytes(data));
                if (endOfStream) {
                    outcome.ends++;
                }
            }
            return n;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int stream, Http2Headers headers, int padding,
                boolean endOfStream) {
            if (stream != streamId) {
                return;
            }
            if (outcome.ends > 0 || outcome.resetCode >= 0) {
                outcome.framesAfterEnd++;
            }
            CharSequence status = headers.status();
            if (status != null) {
                outcome.httpStatus = status.toString();
            }
            CharSequence ct = headers.get(GrpcHeaderNames.CONTENT_TYPE);
            if (ct != null) {
                outcome.contentType = ct.toString();
            }
            CharSequence gs = headers.get(GrpcHeaderNames.GRPC_STATUS);
            if (gs != null) {
                outcome.grpcStatus = gs.toString();
            }
            CharSequence gm = headers.get(GrpcHeaderNames.GRPC_MESSAGE);
            if (gm != null) {
                outcome.grpcMessage = gm.toString();
            }
            if (endOfStream) {
                outcome.ends++;
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int stream, Http2Headers headers, int dependency,
                short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, stream, headers, padding, endOfStream);
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int stream, long errorCode) {
            if (stream == streamId && outcome.resetCode < 0) {
                outcome.resetCode = errorCode;
            }
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            goAwayCode = errorCode;
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            settingsToAck = true;
        }
    }
}
