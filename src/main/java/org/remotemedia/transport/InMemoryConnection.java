package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.grpc.MessageDeframer;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.MethodRegistry;

/**
 * One HTTP/2 connection to a {@link ConnectionHandler} held in memory (netty's EmbeddedChannel),
 * with a minimal gRPC client on the other side: unary calls go through the same frame decoding,
 * header checks, deframing, dispatch, handlers, framing and HPACK as calls from the network,
 * without a socket. For the daemon's start-up warm-up, so the service path is compiled before
 * the port opens.
 *
 * <p>Threads: everything runs on the caller's thread (the embedded channel's event loop is the
 * caller); the registry's handlers must answer on the event loop (DSP inline), since an embedded
 * channel cannot take writes from another thread. Not thread-safe; one caller at a time.
 * Its own metrics registry: nothing it does shows in the daemon's metrics.
 */
public final class InMemoryConnection implements AutoCloseable {
    /** The client's receive window; given back as responses arrive. */
    private static final int CLIENT_WINDOW = 16 << 20;

    private final ServerConfig.Transport config;
    private final EmbeddedChannel server;
    private final EmbeddedChannel client;
    private final ChannelHandlerContext out;
    private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
    private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader();
    private final Responses responses = new Responses();
    private ByteBuf pending;
    private int nextStreamId = 1;

    private InMemoryConnection(ServerConfig.Transport config, MethodRegistry registry, JsonLog log) {
        this.config = config;
        TransportContext context = new TransportContext(config, registry, new TransportMetrics(new Metrics(), registry, () -> 1), log);
        server = new EmbeddedChannel();
        client = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        out = client.pipeline().firstContext();
        try {
            server.config().setAllocator(PooledByteBufAllocator.DEFAULT);
            server.pipeline().addLast(new ConnectionHandlerBuilder(context).build());
            server.writeInbound(Http2CodecUtil.connectionPrefaceBuf());
            writer.writeSettings(out, new Http2Settings().initialWindowSize(CLIENT_WINDOW).pushEnabled(false),
                    out.newPromise());
            writer.writeWindowUpdate(out, 0, CLIENT_WINDOW - Http2CodecUtil.DEFAULT_WINDOW_SIZE, out.newPromise());
            send();
            receive();
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Opens a connection served by {@code registry} with the transport settings of {@code config}. */
    public static InMemoryConnection open(ServerConfig.Transport config, MethodRegistry registry, JsonLog log) {
        return new InMemoryConnection(config, registry, log);
    }

    /**
     * What a unary call got back: its grpc-status (0 = OK; -1 if the server sent no trailers, a
     * fault of the transport) and the response message's bytes (null if none came).
     */
    public record Reply(int status, byte[] message) {
    }

    /**
     * Whether a request message of {@code messageBytes} can be sent: this client does not wait
     * for window updates, so the framed message must fit the server's initial stream window.
     */
    public static boolean fits(ServerConfig.Transport config, int messageBytes) {
        return (long) MessageDeframer.PREFIX_BYTES + messageBytes <= config.initialWindowBytes();
    }

    /**
     * One unary call of {@code path} with an uncompressed request message that {@link #fits}.
     * Answers of up to 16 MiB (the client's window); a connection the server has closed
     * answers -1 at once.
     */
    public Reply unary(String path, byte[] message) {
        if (!fits(config, message.length)) {
            throw new IllegalArgumentException("a " + message.length + "-byte request does not fit the server's"
                    + " initial stream window of " + config.initialWindowBytes() + " bytes");
        }
        if (!server.isActive()) {
            return new Reply(-1, null);
        }
        int streamId = nextStreamId;
        nextStreamId += 2;
        Http2Headers h = new DefaultHttp2Headers()
                .method(GrpcHeaderNames.POST).scheme("http").path(path).authority("in-memory")
                .set(GrpcHeaderNames.CONTENT_TYPE, GrpcHeaderNames.APPLICATION_GRPC)
                .set(GrpcHeaderNames.TE, GrpcHeaderNames.TRAILERS);
        writer.writeHeaders(out, streamId, h, 0, false, out.newPromise());
        ByteBuf body = out.alloc().buffer(MessageDeframer.PREFIX_BYTES + message.length);
        body.writeByte(0).writeInt(message.length).writeBytes(message);
        writer.writeData(out, streamId, body, 0, true, out.newPromise()); // split into 16 KiB frames by the writer
        responses.expect(streamId);
        send();
        receive();
        return new Reply(responses.status, responses.message());
    }

    /** Moves what the client wrote into the server. */
    private void send() {
        out.flush();
        for (Object o; (o = client.readOutbound()) != null; ) {
            server.writeInbound(o);
        }
        server.runPendingTasks();
    }

    /** Reads every frame the server wrote, answering SETTINGS and returning window as DATA arrives. */
    private void receive() { // always after send(), which ran the server's pending tasks
        for (Object o; (o = server.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            pending = pending == null ? b : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(out.alloc(), pending, b);
        }
        if (pending == null) {
            return;
        }
        try {
            reader.readFrame(out, pending, responses);
        } catch (Http2Exception e) {
            throw new IllegalStateException("in-memory connection: the server wrote a bad frame: " + e.getMessage(), e);
        }
        if (!pending.isReadable()) {
            pending.release();
            pending = null;
        }
        if (responses.settingsToAck || responses.windowToReturn > 0 || responses.pingToAck != null) {
            if (responses.settingsToAck) {
                writer.writeSettingsAck(out, out.newPromise());
            }
            if (responses.pingToAck != null) {
                writer.writePing(out, true, responses.pingToAck, out.newPromise());
                responses.pingToAck = null;
            }
            if (responses.windowToReturn > 0) {
                writer.writeWindowUpdate(out, 0, responses.windowToReturn, out.newPromise());
            }
            responses.settingsToAck = false;
            responses.windowToReturn = 0;
            send();
        }
    }

    @Override
    public void close() {
        if (responses.body.refCnt() > 0) {
            responses.body.release();
        }
        if (pending != null) {
            pending.release();
            pending = null;
        }
        try {
            server.finishAndReleaseAll();
        } finally {
            try {
                client.finishAndReleaseAll();
            } finally {
                reader.close();
                writer.close();
            }
        }
    }

    /** The client's frame listener: the expected stream's grpc-status, window and SETTINGS bookkeeping. */
    private static final class Responses extends Http2FrameAdapter {
        final ByteBuf body = io.netty.buffer.Unpooled.buffer();
        int streamId;
        int status;
        boolean settingsToAck;
        int windowToReturn;
        Long pingToAck; // keepalive PINGs are answered, so a slow warm-up is not closed for silence

        void expect(int id) {
            streamId = id;
            status = -1;
            body.clear();
        }

        /** The response's one message without its 5-byte gRPC prefix (uncompressed: none was offered). */
        byte[] message() {
            int n = body.readableBytes() - MessageDeframer.PREFIX_BYTES;
            return n < 0 ? null : io.netty.buffer.ByteBufUtil.getBytes(body, MessageDeframer.PREFIX_BYTES, n);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int stream, ByteBuf data, int padding, boolean endOfStream) {
            int n = data.readableBytes() + padding;
            if (stream == streamId) {
                body.writeBytes(data, data.readerIndex(), data.readableBytes());
            }
            windowToReturn += n;
            return n;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int stream, Http2Headers headers, int padding,
                boolean endOfStream) {
            if (stream == streamId && endOfStream) {
                CharSequence s = headers.get(GrpcHeaderNames.GRPC_STATUS);
                status = s == null ? -1 : Integer.parseInt(s.toString());
            }
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int stream, Http2Headers headers, int dependency,
                short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, stream, headers, padding, endOfStream);
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            settingsToAck = true;
        }

        @Override
        public void onPingRead(ChannelHandlerContext ctx, long data) {
            pingToAck = data;
        }
    }
}
