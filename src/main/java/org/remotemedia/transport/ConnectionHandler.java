package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.grpc.DeframerPool;
import org.remotemedia.grpc.GzipCodec;
import org.remotemedia.grpc.MessageFramer;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.RequestHeaderRules;
import org.remotemedia.grpc.RequestHeaders;
import org.remotemedia.grpc.PercentEncoding;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.rpc.CallObserver;
import org.remotemedia.rpc.RegisteredMethod;

/**
 * One HTTP/2 connection: netty's {@link Http2ConnectionHandler} (frames, HPACK, flow control,
 * rapid-reset and control-frame-flood limits) with this class as its frame listener. Calls
 * are {@link ServerStream}s stored as stream properties -- no child channel per stream.
 *
 * <p>It turns the decisions of other classes into frames: {@link RequestHeaderRules} (which
 * request becomes a call, which gets an HTTP or gRPC refusal), {@link KeepAlivePinger} and
 * {@link KeepAliveEnforcer} (PINGs both ways), {@link IdleMonitor}, {@link ConnectionAgeLimit}, {@link GracefulDrain}
 * (two-phase GOAWAY), {@link WriteQueue} (work from other threads) and {@link FlushBatcher}
 * (one flush per turn of the loop). Each of those is handed the time and tested without a
 * socket.
 *
 * <p>Threads: owned by the channel's event loop; only {@link #enqueue}, {@link #startDrain}
 * and {@link #forceClose} are called from other threads.
 */
final class ConnectionHandler extends Http2ConnectionHandler implements Http2FrameListener {
    private static final long DRAIN_PING = 0x6472616e5f706e67L; // "dran_png"
    private static final long KEEPALIVE_PING = 0x6b65657061_6c76L;
    private static final long DRAIN_PING_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** A refusal of an unsupported grpc-encoding names the ones we accept. */
    private static final Http2Headers ADVERTISE_ENCODINGS = new DefaultHttp2Headers(false, 1)
            .set(GrpcHeaderNames.GRPC_ACCEPT_ENCODING, GrpcHeaderNames.ACCEPTED_ENCODINGS);
    /** A refused request's :path in the access log is cut here: the client chose its length. */
    private static final int MAX_LOGGED_PATH = 256;

    private final TransportContext context;
    private final Http2Connection.PropertyKey callKey;
    private final KeepAliveEnforcer enforcer;
    private final long connectionId;
    private final String idPrefix;

    private ChannelHandlerContext ctx;
    private TransportContext.LoopLoad loopLoad; // set in handlerAdded; touched on the loop only
    private ChannelPromise quiet;
    private GzipCodec gzip;
    private NettyBufferRefs buffers;
    private DeframerPool deframers;
    private ConnectionTimers timers;
    private final Supplier<GzipCodec> gzipSource = this::gzip;
    private MessageFramer framer;
    private FlushBatcher flushes;
    private WriteQueue writeQueue;
    private KeepAlivePinger keepAlive;
    private IdleMonitor idle;
    private ConnectionAgeLimit age;
    private GracefulDrain drain;
    private final RequestHeaders requestHeaders = new RequestHeaders();
    private final RequestHeaderRules<RegisteredMethod> rules;
    private volatile boolean closed;
    private StallWatch stalls;
    // the encoder's flow controller, read once: through the encoder's decorators (ControlFrameBacklog,
    // ResetTracker) each call was two delegations, 1.7% of the loop's samples at saturation
    private final Http2RemoteFlowController remoteFlow;
    private String peer;        // the remote address as text, once per connection (every call's access line)
    private long unreadBytes;   // answer bytes of this connection's streams queued behind full windows
    private String peerAddress; // its IP alone

    ConnectionHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
            TransportContext context) {
        super(decoder, encoder, settings);
        this.context = context;
        this.remoteFlow = encoder.flowController();
        this.callKey = connection().newKey();
        this.connectionId = context.nextConnectionId();
        this.idPrefix = "c" + Long.toString(connectionId, 36) + "-";
        this.rules = new RequestHeaderRules<>(new MethodLookup(context.registry));
        this.enforcer = new KeepAliveEnforcer(context.config.permitKeepaliveTimeMs(),
                context.config.permitKeepaliveWithoutCalls(), context.config.maxPingStrikes());
        decoder.frameListener(this);
        connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamActive(Http2Stream stream) {
                context.metrics.streamOpened();
                loopLoad.openStreams++;
            }

            @Override
            public void onStreamClosed(Http2Stream stream) {
                context.metrics.streamClosed();
                loopLoad.openStreams--;
                if (connection().numActiveStreams() == 0) {
                    idle.lastStreamClosed();
                }
                ServerStream call = stream.getProperty(callKey);
                if (call != null) {
                    call.onStreamClosed();
                }
                drain.streamClosed();
            }
        });
        encoder.flowController().listener(new Http2RemoteFlowController.Listener() {
            @Override
            public void writabilityChanged(Http2Stream stream) {
                ServerStream call = stream.getProperty(callKey);
                if (call != null) {
                    boolean writable = remoteFlow.isWritable(stream);
                    call.writabilityChanged(writable);
                    stalls.writabilityChanged(call, writable);
                }
            }
        });
    }

    /** Set once by the builder, before the handler is added to a channel. */
    void stallWatch(StallWatch watch) {
        this.stalls = watch;
    }

    /**
     * Why {@code n} more answer bytes may not be queued behind a full window, or null when they
     * may: the stream would hold {@code streamTotal}, this connection and the server theirs plus
     * {@code n}; each has its cap (transport.max_stream_unread_bytes, max_connection_unread_bytes,
     * max_unread_bytes). The refused stream is reset, so one client that stops reading cannot
     * make the server hold more than its share.
     */
    String unreadRefusal(long streamTotal, int n) {
        ServerConfig.Transport t = context.config;
        if (streamTotal > t.maxStreamUnreadBytes()) {
            context.metrics.unreadRefused("stream");
            return streamTotal + " bytes queued beyond the stream's flow-control window (transport.max_stream_unread_bytes "
                    + t.maxStreamUnreadBytes() + ")";
        }
        if (unreadBytes + n > t.maxConnectionUnreadBytes()) {
            context.metrics.unreadRefused("connection");
            return (unreadBytes + n) + " bytes queued on this connection for streams whose windows are full"
                    + " (transport.max_connection_unread_bytes " + t.maxConnectionUnreadBytes() + ")";
        }
        long total = context.unreadBytes.get() + n;
        if (total > t.maxUnreadBytes()) {
            context.metrics.unreadRefused("server");
            return total + " bytes queued server-wide for clients that do not read (transport.max_unread_bytes "
                    + t.maxUnreadBytes() + ")";
        }
        return null;
    }

    /** {@code n} answer bytes were queued behind a full window (n > 0), or left that state (n < 0). */
    void unreadChanged(long n) {
        if (n != 0) {
            unreadBytes += n;
            context.unreadBytes.addAndGet(n);
        }
    }

    /** Outbound flow control (what the client's windows let out). */
    Http2RemoteFlowController remoteFlow() {
        return remoteFlow;
    }

    /** {@code call} has an answer queued that the flow-control window does not let out. */
    void cannotWrite(ServerStream call) {
        stalls.writabilityChanged(call, false);
    }

    KeepAliveEnforcer keepAliveEnforcer() {
        return enforcer;
    }

    TransportContext context() {
        return context;
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }

    String idPrefix() {
        return idPrefix;
    }

    /** The remote address, e.g. {@code /127.0.0.1:53412}; computed once per connection. */
    String peer() {
        String p = peer;
        if (p == null) {
            java.net.SocketAddress a = ctx.channel().remoteAddress();
            p = String.valueOf(a);
            peerAddress = a instanceof java.net.InetSocketAddress i && i.getAddress() != null
                    ? i.getAddress().getHostAddress() : p;
            peer = p;
        }
        return p;
    }

    /** The remote IP address without the port. */
    String peerAddress() {
        peer();
        return peerAddress;
    }

    /** This connection's event loop's open-stream count. */
    TransportContext.LoopLoad loopLoad() {
        return loopLoad;
    }

    ChannelPromise quietPromise() {
        return quiet;
    }

    /** The channel's pooled buffers, as the gRPC wire code uses them. */
    NettyBufferRefs buffers() {
        return buffers;
    }

    /** Deframers of this connection's finished streams, for its next ones. Event loop only. */
    DeframerPool deframers() {
        return deframers;
    }

    MessageFramer framer() {
        return framer;
    }

    /** The event loop's clock and scheduler. */
    ConnectionTimers timers() {
        return timers;
    }

    /** {@link #gzip}, for the calls' state, which makes it only when a message is compressed. */
    Supplier<GzipCodec> gzipSource() {
        return gzipSource;
    }

    GzipCodec gzip() {
        if (gzip == null) {
            gzip = new GzipCodec(1);
        }
        return gzip;
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        this.quiet = new VoidChannelPromise(ctx.channel(), false);
        this.buffers = new NettyBufferRefs(ctx.alloc());
        this.framer = new MessageFramer(buffers);
        this.deframers = new DeframerPool(buffers, context.maxMessageBytes);
        this.loopLoad = context.loopLoad(ctx.executor());
        stalls.attach(ctx.executor(), idPrefix);
        super.handlerAdded(ctx);
        // a connection window much larger than a stream's, so one slow stream that holds its
        // window does not stall the others (bounded: 16 stream windows, at most 2 GiB)
        int streamWindow = context.config.initialWindowBytes();
        long connWindow = Math.min(Integer.MAX_VALUE, 16L * streamWindow);
        Http2Stream connStream = connection().connectionStream();
        int delta = (int) (connWindow - connection().local().flowController().windowSize(connStream));
        if (delta > 0) {
            connection().local().flowController().incrementWindowSize(connStream, delta);
        }
        timers = ConnectionTimers.of(ctx.executor());
        Wire wire = new Wire();
        flushes = new FlushBatcher(ctx.executor(), wire::flushIfOpen);
        writeQueue = new WriteQueue(ctx.executor(), flushes, wire::flushIfOpen, t -> context.log.error(
                "write_queue_task_failed", null, "connection", idPrefix, "error", t.toString()));
        keepAlive = new KeepAlivePinger(timers, TimeUnit.MILLISECONDS.toNanos(context.config.keepaliveTimeMs()),
                TimeUnit.MILLISECONDS.toNanos(context.config.keepaliveTimeoutMs()), wire);
        idle = new IdleMonitor(timers, TimeUnit.MILLISECONDS.toNanos(context.config.maxConnectionIdleMs()), wire);
        drain = new GracefulDrain(timers, DRAIN_PING_TIMEOUT_NANOS, wire);
        age = new ConnectionAgeLimit(timers, TimeUnit.MILLISECONDS.toNanos(context.config.maxConnectionAgeMs()),
                TimeUnit.MILLISECONDS.toNanos(context.config.maxConnectionAgeGraceMs()),
                ThreadLocalRandom.current().nextDouble(-1, 1), wire);
        keepAlive.start();
        idle.start();
        age.start();
        context.log.debug("connection_open", null, "connection", idPrefix, "remote",
                String.valueOf(ctx.channel().remoteAddress()));
        flush(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        keepAlive.stop();
        idle.stop();
        age.stop();
        drain.connectionClosed();
        try {
            super.channelInactive(ctx);
        } finally {
            stalls.close();
            writeQueue.close();
            if (gzip != null) {
                gzip.close();
                gzip = null;
            }
            context.log.debug("connection_closed", null, "connection", idPrefix);
        }
    }

    /**
     * I/O errors (the peer reset the connection) close the channel with one JSON line instead of
     * netty's warning and stack trace on stderr; HTTP/2 errors go to netty's handling (GOAWAY /
     * RST_STREAM).
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            super.exceptionCaught(ctx, cause);
            return;
        }
        if (cause instanceof IOException) {
            context.log.debug("connection_error", null, "connection", idPrefix, "error", cause.toString());
        } else {
            context.log.error("connection_failed", null, "connection", idPrefix, "error", cause.toString(),
                    "stack_trace", JsonLog.stackTrace(cause));
        }
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        flushes.hold(); // released in channelReadComplete, which flushes
        keepAlive.onRead(System.nanoTime());
        super.channelRead(ctx, msg);
    }

    /**
     * Netty's handler flushes here, once per connection per read; we flush once at the end of
     * the event loop's turn instead, after every connection with input in this epoll batch has
     * been read and answered (as grpc-java's write queue does). Under load that puts more
     * responses into each writev, so the client reads and wakes up fewer times per call.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        flushes.restore(false);
        discardSomeReadBytes();
        ctx.fireChannelReadComplete(); // auto-read stays on: HTTP/2 flow control bounds the input
        flushSoon();
    }

    @Override
    protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
            Http2Exception http2Ex) {
        if (http2Ex == null && cause instanceof java.nio.channels.ClosedChannelException) {
            // a write after the connection closed (queued frames failing): not an error of anyone's
            super.onConnectionError(ctx, outbound, cause, null);
            return;
        }
        String reason = http2Ex != null ? http2Ex.error().name() : "INTERNAL_ERROR";
        context.metrics.connectionError(reason);
        context.log.info("connection_error", null, "connection", idPrefix, "error", reason, "detail",
                String.valueOf(cause));
        if (http2Ex == null) {
            // not a protocol error of the peer: a bug of ours; keep the trace in the log
            context.log.error("connection_internal_error", null, "connection", idPrefix, "stack",
                    JsonLog.stackTrace(cause));
        }
        super.onConnectionError(ctx, outbound, cause, http2Ex);
    }

    @Override
    protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
            Http2Exception.StreamException http2Ex) {
        context.log.info("stream_error", idPrefix + Integer.toString(http2Ex.streamId(), 36), "error",
                http2Ex.error().name(), "detail", String.valueOf(cause.getMessage()));
        super.onStreamError(ctx, outbound, cause, http2Ex);
    }

    // ------------------------------------------------------------------ writes and flushes

    /** Something was written on the loop: make sure one flush follows in this turn. */
    void flushSoon() {
        flushes.flushSoon();
    }

    /** Hands work to the event loop: one wake-up per batch, one flush per batch. Any thread. */
    void enqueue(WriteQueue.Command command) {
        writeQueue.enqueue(command);
    }

    /**
     * A promise for the frame that ends our side of a stream the client is still sending on:
     * once that frame is out, RST_STREAM(NO_ERROR) tells the client to stop (PROTOCOL-HTTP2.md,
     * "Early Server Closure"). Chained, so the reset never overtakes queued data or trailers.
     */
    ChannelPromise resetAfter(int streamId) {
        ChannelPromise p = ctx.newPromise();
        p.addListener(f -> {
            Http2Stream s = connection().stream(streamId);
            if (f.isSuccess() && s != null && s.state() != Http2Stream.State.CLOSED) {
                encoder().writeRstStream(ctx, streamId, Http2Error.NO_ERROR.code(), quiet);
                flushSoon();
            }
        });
        return p;
    }

    void returnWindow(Http2Stream stream, int bytes) {
        try {
            if (connection().local().flowController().consumeBytes(stream, bytes)) {
                flushSoon();
            }
        } catch (Http2Exception e) {
            onError(ctx, false, e);
        }
    }

    // ------------------------------------------------------------------ frame listener

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
        Http2Stream stream = connection().stream(streamId);
        ServerStream call = stream == null ? null : stream.getProperty(callKey);
        if (call == null || call.isDone()) {
            return data.readableBytes() + padding;
        }
        try {
            call.onData(data, endOfStream);
        } catch (RuntimeException | Error bug) {
            transportBug(call, bug);
        }
        return padding;
    }

    /**
     * A bug of ours while handling one stream: that call ends with INTERNAL and RST_STREAM, the
     * trace is logged once, and the connection's other streams carry on (netty would otherwise
     * treat the exception as a connection error).
     */
    private void transportBug(ServerStream call, Throwable bug) {
        logCallError("transport_bug", call, Status.of(StatusCode.INTERNAL, "transport"), bug);
        try {
            call.cancelForShutdown(Status.of(StatusCode.INTERNAL, "internal transport error (request id "
                    + call.requestId() + ")"), true);
        } catch (RuntimeException again) {
            encoder().writeRstStream(ctx, call.id(), Http2Error.INTERNAL_ERROR.code(), quiet);
        }
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
            short weight, boolean exclusive, int padding, boolean endStream) throws Http2Exception {
        onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
            boolean endStream) throws Http2Exception {
        Http2Stream stream = connection().stream(streamId);
        if (stream == null) {
            return;
        }
        ServerStream existing = stream.getProperty(callKey);
        if (existing != null) {
            // trailers from the client: only legal as the end of its stream
            if (!endStream) {
                throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR,
                        "a second HEADERS frame without END_STREAM on a gRPC request");
            }
            try {
                existing.onEndOfStream();
            } catch (RuntimeException | Error bug) {
                transportBug(existing, bug);
            }
            return;
        }
        startCall(stream, headers, endStream);
    }

    private void startCall(Http2Stream stream, Http2Headers headers, boolean endStream) throws Http2Exception {
        RequestHeaders h = requestHeaders;
        h.clear();
        for (Map.Entry<CharSequence, CharSequence> e : headers) {
            h.add(e.getKey(), e.getValue());
        }
        long start = System.nanoTime();
        int streamId = stream.id();
        switch (rules.check(h)) {
            case RequestHeaderRules.MALFORMED ->
                    throw Http2Exception.streamError(streamId, Http2Error.PROTOCOL_ERROR, rules.message());
            case RequestHeaderRules.HTTP_ERROR -> httpError(stream, endStream, start, rules.httpStatus(), rules.message());
            case RequestHeaderRules.REFUSED -> reject(stream, endStream, context.metrics.method(rules.method()), start,
                    rules.status(), rules.advertiseEncodings() ? ADVERTISE_ENCODINGS : null);
            default -> {
                CharSequence authority = h.authority();
                ServerStream call = new ServerStream(this, stream, rules.method(), rules.metadata(),
                        authority == null ? null : authority.toString(),
                        RequestHeaderRules.clientRequestId(h.xRequestId()), rules.inboundEncoding(),
                        rules.clientAcceptsGzip(), rules.timeoutNanos());
                stream.setProperty(callKey, call);
                try {
                    call.start();
                    if (endStream && !call.isDone()) {
                        call.onEndOfStream();
                    }
                } catch (RuntimeException | Error bug) {
                    transportBug(call, bug);
                }
            }
        }
    }

    /** Adds custom metadata to outgoing headers, skipping names the transport owns. */
    static void addMetadata(Http2Headers h, Metadata md) {
        if (md == null) {
            return;
        }
        for (int i = 0; i < md.size(); i++) {
            String key = md.key(i);
            if (Metadata.isTransportKey(key)) {
                continue;
            }
            h.add(new AsciiString(key), md.stringValue(i)); // a -bin value goes out as base64
        }
    }

    /** A gRPC-level rejection before the handler: Trailers-Only with the status. */
    private void reject(Http2Stream stream, boolean endStream, TransportMetrics.MethodMetrics mm, long startNanos,
            Status status, Http2Headers extra) {
        Http2Headers h = new DefaultHttp2Headers(false, 5);
        h.status(GrpcHeaderNames.STATUS_200);
        h.set(GrpcHeaderNames.CONTENT_TYPE, GrpcHeaderNames.APPLICATION_GRPC);
        h.set(GrpcHeaderNames.GRPC_STATUS, GrpcHeaderNames.STATUS_VALUES[status.code().value()]);
        h.set(GrpcHeaderNames.GRPC_MESSAGE, PercentEncoding.encode(status.description()));
        if (extra != null) {
            h.add(extra);
        }
        encoder().writeHeaders(ctx, stream.id(), h, 0, true, endStream ? quiet : resetAfter(stream.id()));
        flushSoon();
        mm.record(status.code(), System.nanoTime() - startNanos);
        refused(stream.id(), 200, status.code(), startNanos);
        JsonLog.Level level = status.code() == StatusCode.UNIMPLEMENTED ? JsonLog.Level.INFO : JsonLog.Level.WARN;
        context.log.log(level, "call_rejected", idPrefix + Integer.toString(stream.id(), 36), "code",
                status.code().name(), "message", status.description());
    }

    /** An HTTP-level refusal (not a gRPC request): status, a text body, and grpc-status for gRPC clients. */
    private void httpError(Http2Stream stream, boolean endStream, long startNanos, int httpStatus, String message) {
        Http2Headers h = new DefaultHttp2Headers(false, 4);
        h.status(AsciiString.of(Integer.toString(httpStatus)));
        h.set(GrpcHeaderNames.CONTENT_TYPE, GrpcHeaderNames.TEXT_PLAIN);
        h.set(GrpcHeaderNames.GRPC_STATUS, GrpcHeaderNames.STATUS_VALUES[StatusCode.INTERNAL.value()]);
        h.set(GrpcHeaderNames.GRPC_MESSAGE, PercentEncoding.encode(message));
        encoder().writeHeaders(ctx, stream.id(), h, 0, false, quiet);
        ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), message + "\n");
        encoder().writeData(ctx, stream.id(), body, 0, true, endStream ? quiet : resetAfter(stream.id()));
        flushSoon();
        context.metrics.httpRejected(httpStatus);
        refused(stream.id(), httpStatus, StatusCode.INTERNAL, startNanos);
        context.log.warn("http_rejected", idPrefix + Integer.toString(stream.id(), 36), "status", httpStatus,
                "message", message);
    }

    /**
     * Tells the observers (the access log) of a request answered here before any method ran.
     * Only from {@link #startCall}: the request's headers are still in {@link #requestHeaders}.
     */
    private void refused(int streamId, int httpStatus, StatusCode code, long startNanos) {
        CallObserver[] observers = context.registry.observers();
        if (observers.length == 0) {
            return;
        }
        String requestId = RequestHeaderRules.clientRequestId(requestHeaders.xRequestId());
        if (requestId == null) {
            requestId = idPrefix + Integer.toString(streamId, 36);
        }
        CharSequence p = requestHeaders.path();
        String path = p == null ? "" : p.length() > MAX_LOGGED_PATH ? p.subSequence(0, MAX_LOGGED_PATH) + "..."
                : p.toString();
        long nanos = System.nanoTime() - startNanos;
        for (CallObserver o : observers) {
            try {
                o.requestRefused(requestId, path, peer(), httpStatus, code, nanos);
            } catch (RuntimeException e) {
                context.log.error("observer_failed", requestId, "error", e.toString());
            }
        }
    }

    void logCallError(String event, ServerStream call, Status status, Throwable t) {
        if (t == null) {
            context.log.warn(event, call.requestId(), "method", call.methodPath(), "code", status.code().name(),
                    "message", status.description());
        } else {
            // the stack trace stays in the log, never in the response
            context.log.error(event, call.requestId(), "method", call.methodPath(), "where", status.description(),
                    "error", t.toString(), "stack", JsonLog.stackTrace(t));
        }
    }

    @Override
    public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
        Http2Stream stream = connection().stream(streamId);
        ServerStream call = stream == null ? null : stream.getProperty(callKey);
        if (call != null) {
            call.onRstStream(errorCode);
        }
    }

    @Override
    public void onPingRead(ChannelHandlerContext ctx, long data) {
        if (!enforcer.pingReceived(System.nanoTime(), connection().numActiveStreams() > 0)) {
            context.metrics.connectionError("too_many_pings");
            context.log.warn("too_many_pings", null, "connection", idPrefix, "strikes", enforcer.strikes(),
                    "permit_keepalive_time_ms", context.config.permitKeepaliveTimeMs());
            ByteBuf debug = Unpooled.copiedBuffer("too_many_pings", StandardCharsets.US_ASCII);
            goAway(ctx, connection().remote().lastStreamCreated(), Http2Error.ENHANCE_YOUR_CALM.code(), debug,
                    ctx.newPromise());
            flush(ctx);
            ctx.close();
        }
    }

    @Override
    public void onPingAckRead(ChannelHandlerContext ctx, long data) {
        if (data == DRAIN_PING) {
            drain.onDrainPingAck();
        } else if (data == KEEPALIVE_PING) {
            keepAlive.onPingAck();
        }
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
    }

    @Override
    public void onSettingsAckRead(ChannelHandlerContext ctx) {
    }

    @Override
    public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight,
            boolean exclusive) {
    }

    @Override
    public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId, Http2Headers headers,
            int padding) throws Http2Exception {
        throw Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, "a client must not send PUSH_PROMISE");
    }

    @Override
    public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
        context.log.debug("goaway_received", null, "connection", idPrefix, "error",
                Http2Error.valueOf(errorCode) == null ? Long.toString(errorCode) : Http2Error.valueOf(errorCode).name());
    }

    @Override
    public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
    }

    @Override
    public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags,
            ByteBuf payload) {
    }

    // ------------------------------------------------------------------ graceful drain

    /** Starts the two-phase GOAWAY drain ({@link GracefulDrain}). Any thread. */
    void startDrain() {
        ctx.executor().execute(() -> {
            if (!closed) {
                drain.start();
            }
        });
    }

    private static final Status SHUTDOWN_GRACE_OVER =
            Status.of(StatusCode.UNAVAILABLE, "the server is shutting down and the drain grace period ended");
    private static final Status AGE_GRACE_OVER = Status.of(StatusCode.UNAVAILABLE, "the connection reached its"
            + " maximum age and the grace period after it ended (transport.max_connection_age_grace_ms); retry on a"
            + " new connection");

    /** End of the shutdown's grace period (any thread): cancels the calls still running and closes. */
    void forceClose() {
        ctx.executor().execute(() -> {
            if (!closed) {
                drain.forceClose(SHUTDOWN_GRACE_OVER);
            }
        });
    }

    /** What the keepalive pinger, the idle monitor, the drain and the write queue do to this connection. */
    private final class Wire implements KeepAlivePinger.Connection, IdleMonitor.Connection, GracefulDrain.Connection,
            ConnectionAgeLimit.Connection {
        void flushIfOpen() {
            if (!closed) {
                flush(ctx);
            }
        }

        @Override
        public void sendKeepAlivePing() {
            encoder().writePing(ctx, false, KEEPALIVE_PING, ctx.newPromise());
            flush(ctx);
        }

        @Override
        public void keepAliveTimedOut() {
            context.metrics.connectionError("keepalive_timeout");
            context.log.info("keepalive_timeout", null, "connection", idPrefix);
            ctx.close();
        }

        @Override
        public boolean hasActiveStreams() {
            return connection().numActiveStreams() > 0;
        }

        @Override
        public boolean isDraining() {
            return drain.isDraining();
        }

        @Override
        public void idleTooLong() {
            context.log.debug("connection_idle", null, "connection", idPrefix, "max_connection_idle_ms",
                    context.config.maxConnectionIdleMs());
            context.metrics.connectionDrained("max_connection_idle");
            drain.start();
        }

        @Override
        public void tooOld() {
            context.log.debug("connection_max_age", null, "connection", idPrefix, "max_connection_age_ms",
                    TimeUnit.NANOSECONDS.toMillis(age.maxAgeNanos()), "active_calls", connection().numActiveStreams());
            context.metrics.connectionDrained("max_connection_age");
            drain.start();
        }

        @Override
        public void graceOver() {
            if (!closed && hasActiveStreams()) {
                context.log.debug("connection_max_age_grace", null, "connection", idPrefix, "cancelled_calls",
                        connection().numActiveStreams());
                context.metrics.connectionDrained("max_connection_age_grace");
            }
            drain.forceClose(AGE_GRACE_OVER);
        }

        @Override
        public void goAway(int lastStreamId) {
            ConnectionHandler.this.goAway(ctx, lastStreamId, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER,
                    ctx.newPromise());
            flush(ctx);
        }

        @Override
        public void sendDrainPing() {
            encoder().writePing(ctx, false, DRAIN_PING, ctx.newPromise());
            flush(ctx);
        }

        @Override
        public int lastStreamCreated() {
            return connection().remote().lastStreamCreated();
        }

        @Override
        public void cancelCalls(Status why) {
            List<ServerStream> calls = new ArrayList<>();
            try {
                connection().forEachActiveStream(s -> {
                    ServerStream c = s.getProperty(callKey);
                    if (c != null) {
                        calls.add(c);
                    }
                    return true;
                });
            } catch (Http2Exception e) {
                // not thrown by our visitor
            }
            for (ServerStream c : calls) {
                c.cancelForShutdown(why, true);
            }
        }

        @Override
        public void close() {
            flush(ctx);
            ctx.close();
        }
    }
}
