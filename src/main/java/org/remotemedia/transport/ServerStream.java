package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.ServerCallState;
import org.remotemedia.grpc.MessageEncoder;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.PercentEncoding;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.CallInterceptor;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.CallNotes;
import org.remotemedia.rpc.CallObserver;
import org.remotemedia.rpc.MethodKind;
import org.remotemedia.rpc.RegisteredMethod;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.StreamingHandler;
import org.remotemedia.rpc.UnaryHandler;
import org.remotemedia.rpc.Workload;

/**
 * One gRPC call on one HTTP/2 stream, adapting the call's gRPC state ({@link ServerCallState}:
 * deframing, demand, delivery, half-close, terminate once, deadline) to netty and to the
 * method's handler: it feeds DATA in, passes deliveries on, writes headers, messages
 * ({@link org.remotemedia.grpc.MessageFramer}) and trailers, and tracks cancellation and
 * outbound readiness. There is no child channel: the {@link ConnectionHandler} routes frames
 * here by stream property.
 *
 * <p>Threads: all fields are owned by the connection's event loop except the volatile
 * {@code cancelled} and {@code ready} flags. The {@link ServerCall} methods may be called from
 * any thread: off the loop they are queued to it ({@link ConnectionHandler#enqueue}); a message
 * sent off the loop is serialized on the caller's thread into a pooled buffer first.
 */
final class ServerStream implements ServerCall, ServerCallState.Listener {
    private final ConnectionHandler conn;
    private final Http2Stream stream;
    private final int id;
    private final RegisteredMethod method;
    private final boolean unaryRequest;
    private final ServerCallState state;
    private final Metadata requestHeaders;
    private final String authority;
    private final String clientRequestId;
    private final long startNanos;
    private final boolean clientAcceptsGzip;
    private final TransportMetrics.MethodMetrics metrics;

    private CallListener listener = CallListener.NOOP;
    private ConnectionTimers.Timer deadlineTimer;
    private String requestId;
    private boolean headersSent;
    private boolean outboundGzip;
    private boolean messageCompression = true;
    private long bytesWhileNotReady;
    private long bytesIn;
    private long bytesOut;
    private String identity; // set by the auth interceptor on the loop, before the handler
    private final CallNotes notes = new CallNotes();
    private volatile boolean cancelled;
    private volatile boolean ready = true;

    ServerStream(ConnectionHandler conn, Http2Stream stream, RegisteredMethod method, Metadata requestHeaders,
            String authority, String clientRequestId, String inboundEncoding, boolean clientAcceptsGzip,
            long timeoutNanos) {
        this.conn = conn;
        this.stream = stream;
        this.id = stream.id();
        this.method = method;
        this.unaryRequest = !method.kind().clientStreams();
        this.requestHeaders = requestHeaders;
        this.authority = authority;
        this.clientRequestId = clientRequestId;
        this.startNanos = conn.timers().nanoTime();
        this.clientAcceptsGzip = clientAcceptsGzip;
        this.metrics = conn.context().metrics.method(method);
        this.state = new ServerCallState(this, unaryRequest, method.path(), kindName(method.kind()), conn.buffers(),
                conn.deframers(), conn.context().maxMessageBytes, inboundEncoding, conn.gzipSource(), startNanos, timeoutNanos);
    }

    // ------------------------------------------------------------------ event loop: inbound

    /** Runs interceptors, arms the deadline, and starts the handler. */
    void start() {
        if (state.hasDeadline()) {
            long remaining = state.nanosUntilDeadline(conn.timers().nanoTime());
            if (remaining <= 0) {
                deadlineExpired();
                return;
            }
            deadlineTimer = conn.timers().schedule(this::deadlineExpired, remaining);
        }
        for (CallInterceptor interceptor : conn.context().registry.interceptors()) {
            Status verdict;
            try {
                verdict = interceptor.check(this);
            } catch (Throwable t) {
                handlerFailed(t, "interceptor");
                return;
            }
            if (verdict != null) {
                terminate(verdict, true, false); // details, if any, go out as grpc-status-details-bin
                return;
            }
            if (state.isDone()) {
                return;
            }
        }
        if (!unaryRequest) {
            try {
                CallListener l = ((StreamingHandler) method.handler()).startCall(this);
                if (l != null) {
                    listener = l;
                }
            } catch (Throwable t) {
                handlerFailed(t, "startCall");
            }
        }
    }

    /** A DATA frame's payload; this method takes its own reference. */
    void onData(ByteBuf data, boolean endOfStream) {
        int len = data.readableBytes();
        bytesIn += len;
        if (len == 0) {
            state.data(null, 0, 0, null, endOfStream);
            return;
        }
        ByteBuffer base = SharedNioView.of(data);
        if (base != null) {
            state.data(base, base.position(), len, data.retain(), endOfStream);
        } else {
            // a composite buffer (never from netty's HTTP/2 reader in practice): one copy
            ByteBuf copy = conn.ctx().alloc().directBuffer(len).writeBytes(data, data.readerIndex(), len);
            ByteBuffer view = copy.internalNioBuffer(0, len);
            state.data(view, view.position(), len, copy, endOfStream);
        }
    }

    void onEndOfStream() {
        state.endOfStream();
    }

    // ServerCallState.Listener: what the call delivers, on the loop

    @Override
    public void onMessage(InboundMessage m) throws Exception {
        listener.onMessage(m);
    }

    @Override
    public void onRequest(InboundMessage m) throws Exception {
        ((UnaryHandler) method.handler()).onRequest(this, m);
    }

    @Override
    public void onHalfClose() throws Exception {
        listener.onHalfClose();
    }

    @Override
    public void returnWindow(int bytes) {
        conn.returnWindow(stream, bytes);
    }

    private static String kindName(MethodKind kind) {
        return kind == MethodKind.UNARY ? "unary" : "server-streaming";
    }

    /** An inbound protocol error found by the transport: status to the client, cancel to the handler. */
    @Override
    public void inboundFailed(Status status) {
        conn.logCallError("call_rejected", this, status, null);
        terminate(status, true, true);
    }

    @Override
    public void handlerFailed(Throwable t, String where) {
        conn.logCallError("handler_failed", this, Status.of(StatusCode.INTERNAL, where), t);
        terminate(Status.of(StatusCode.INTERNAL, "internal error in the method handler (request id "
                + requestId() + ")"), true, true);
    }

    void deadlineExpired() {
        deadlineTimer = null;
        if (state.isDone()) {
            return;
        }
        // trailers with the status, then RST_STREAM(CANCEL) as the spec asks
        terminateWithRst(state.deadlineExceeded(), Http2Error.CANCEL);
        conn.flushSoon();
    }

    /** The client reset the stream. */
    void onRstStream(long errorCode) {
        if (state.isDone()) {
            return;
        }
        terminate(Status.of(StatusCode.CANCELLED, "the client cancelled the call (RST_STREAM "
                + Http2Error.valueOf(errorCode) + ")"), false, true);
    }

    /** Netty closed the stream (RST sent or received, both sides ended, connection gone). */
    void onStreamClosed() {
        if (!state.isDone()) {
            terminate(Status.of(StatusCode.CANCELLED, "the stream closed before the call finished"), false, true);
        }
        release();
    }

    /** The connection is going away or the drain grace period ended. */
    void cancelForShutdown(Status status, boolean writeStatus) {
        if (state.isDone()) {
            return;
        }
        if (writeStatus) {
            terminateWithRst(status, Http2Error.CANCEL);
        } else {
            terminate(status, false, true);
        }
    }

    /** Status to the client, then RST_STREAM({@code rst}) at once (deadline, drain, a client not reading). */
    private void terminateWithRst(Status status, Http2Error rst) {
        terminate(status, null, true, true, rst);
    }

    private boolean localOpen() {
        Http2Stream.State s = stream.state();
        return s == Http2Stream.State.OPEN || s == Http2Stream.State.HALF_CLOSED_REMOTE;
    }

    /**
     * Ends the call once: optionally writes the status (Trailers-Only if no headers went out;
     * RST_STREAM(NO_ERROR) after it if the client is still sending), records metrics, and
     * tells the listener (onCancel when the handler did not close it itself, else onComplete).
     */
    private void terminate(Status status, boolean writeStatus, boolean notifyCancel) {
        terminate(status, null, writeStatus, notifyCancel, null);
    }

    private void terminate(Status status, Metadata trailers, boolean writeStatus, boolean notifyCancel,
            Http2Error rstNow) {
        if (!state.terminate()) {
            return;
        }
        if (notifyCancel) {
            cancelled = true;
        }
        ready = false;
        if (deadlineTimer != null) {
            deadlineTimer.cancel();
            deadlineTimer = null;
        }
        if (writeStatus && localOpen()) {
            writeStatus(status, trailers, rstNow);
        }
        long durationNanos = conn.timers().nanoTime() - startNanos;
        metrics.record(status.code(), durationNanos);
        for (CallObserver o : conn.context().registry.observers()) {
            try {
                o.callEnded(this, status.code(), durationNanos, bytesIn, bytesOut);
            } catch (Throwable t) {
                conn.logCallError("observer_failed", this, status, t);
            }
        }
        if (notifyCancel) {
            try {
                listener.onCancel(status);
            } catch (Throwable t) {
                conn.logCallError("listener_failed", this, status, t);
            }
        } else {
            try {
                listener.onComplete();
            } catch (Throwable t) {
                conn.logCallError("listener_failed", this, status, t);
            }
        }
    }

    private void writeStatus(Status status, Metadata trailers, Http2Error rstNow) {
        Http2Headers h;
        boolean echoId = !headersSent && conn.context().echoRequestId;
        if (status.description() == null && status.details() == null && (trailers == null || trailers.isEmpty())) {
            h = headersSent ? SharedHeaders.trailers(status.code()) : SharedHeaders.trailersOnly(status.code());
            if (echoId) {
                h = SharedHeaders.withRequestId(h, requestId());
            }
        } else {
            h = new DefaultHttp2Headers(false, 6 + (trailers == null ? 0 : trailers.size()));
            if (!headersSent) {
                h.status(GrpcHeaderNames.STATUS_200);
                h.set(GrpcHeaderNames.CONTENT_TYPE, GrpcHeaderNames.APPLICATION_GRPC);
                if (echoId) {
                    h.set(GrpcHeaderNames.X_REQUEST_ID, requestId());
                }
            }
            h.set(GrpcHeaderNames.GRPC_STATUS, GrpcHeaderNames.STATUS_VALUES[status.code().value()]);
            if (status.description() != null) {
                h.set(GrpcHeaderNames.GRPC_MESSAGE, PercentEncoding.encode(status.description()));
            }
            ConnectionHandler.addMetadata(h, trailers);
            if (status.details() != null && (trailers == null || !trailers.containsKey(GrpcHeaderNames.STATUS_DETAILS))) {
                h.set(GrpcHeaderNames.STATUS_DETAILS, org.remotemedia.grpc.Base64Bin.encode(status.details()));
            }
        }
        headersSent = true;
        if (rstNow != null) {
            // the status if it can still get out, then the reset at once, whatever is queued
            conn.encoder().writeHeaders(conn.ctx(), id, h, 0, true, conn.quietPromise());
            if (stream.state() != Http2Stream.State.CLOSED) {
                conn.encoder().writeRstStream(conn.ctx(), id, rstNow.code(), conn.quietPromise());
            }
        } else if (state.clientEnded()) {
            conn.encoder().writeHeaders(conn.ctx(), id, h, 0, true, conn.quietPromise());
        } else {
            // early server closure: RST_STREAM(NO_ERROR) once the trailers are out
            conn.encoder().writeHeaders(conn.ctx(), id, h, 0, true, conn.resetAfter(id));
        }
        conn.flushSoon();
    }

    private void release() {
        conn.unreadChanged(-bytesWhileNotReady); // the stream is gone: netty dropped what it held
        bytesWhileNotReady = 0;
        state.release();
        if (deadlineTimer != null) {
            deadlineTimer.cancel();
            deadlineTimer = null;
        }
    }

    boolean isDone() {
        return state.isDone();
    }

    /** The HTTP/2 stream is gone (both sides ended, or reset): nothing of it is queued any more. */
    boolean isStreamClosed() {
        return stream.state() == Http2Stream.State.CLOSED;
    }

    /**
     * The client gave no window for too long ({@link StallWatch}): the call ends with
     * {@code status}, and the stream is reset even if the answer was complete but queued, so
     * netty frees what it held.
     */
    void resetStalled(Status status) {
        if (!state.isDone()) {
            terminateWithRst(status, Http2Error.CANCEL);
        } else if (!isStreamClosed()) {
            conn.encoder().writeRstStream(conn.ctx(), id, Http2Error.CANCEL.code(), conn.quietPromise());
            conn.flushSoon();
        }
        conn.flushSoon();
    }

    int id() {
        return id;
    }

    void writabilityChanged(boolean writable) {
        if (state.isDone()) {
            return;
        }
        boolean was = ready;
        ready = writable;
        if (writable) {
            conn.unreadChanged(-bytesWhileNotReady);
            bytesWhileNotReady = 0;
            if (!was) {
                try {
                    listener.onReady();
                } catch (Throwable t) {
                    handlerFailed(t, "onReady");
                }
            }
        }
    }

    // ------------------------------------------------------------------ event loop: outbound

    private void doSendHeaders(Metadata md) {
        if (state.isDone() || headersSent) {
            return;
        }
        Http2Headers h;
        boolean echoId = conn.context().echoRequestId;
        if (md == null || md.isEmpty()) {
            h = outboundGzip ? SharedHeaders.RESPONSE_GZIP : SharedHeaders.RESPONSE;
            if (echoId) {
                h = SharedHeaders.withRequestId(h, requestId());
            }
        } else {
            h = new DefaultHttp2Headers(false, 5 + (md == null ? 0 : md.size()));
            h.status(GrpcHeaderNames.STATUS_200);
            h.set(GrpcHeaderNames.CONTENT_TYPE, GrpcHeaderNames.APPLICATION_GRPC);
            if (outboundGzip) {
                h.set(GrpcHeaderNames.GRPC_ENCODING, GrpcHeaderNames.GZIP);
            }
            h.set(GrpcHeaderNames.GRPC_ACCEPT_ENCODING, GrpcHeaderNames.ACCEPTED_ENCODINGS);
            if (echoId) {
                h.set(GrpcHeaderNames.X_REQUEST_ID, requestId());
            }
            ConnectionHandler.addMetadata(h, md);
        }
        headersSent = true;
        conn.encoder().writeHeaders(conn.ctx(), id, h, 0, false, conn.quietPromise());
        conn.flushSoon();
    }

    private void doSendFramed(ByteBuf framed) {
        if (state.isDone()) {
            framed.release();
            return;
        }
        if (!headersSent) {
            doSendHeaders(null);
        }
        ByteBuf out = outboundGzip && messageCompression ? (ByteBuf) conn.framer().compress(framed, conn.gzip()) : framed;
        int n = out.readableBytes();
        bytesOut += n;
        if (!ready) {
            String refused = conn.unreadRefusal(bytesWhileNotReady + n, n);
            if (refused != null) {
                out.release();
                Status s = Status.of(StatusCode.RESOURCE_EXHAUSTED, "the client is not reading: " + refused);
                conn.logCallError("client_not_reading", this, s, null);
                terminateWithRst(s, Http2Error.CANCEL);
                return;
            }
            bytesWhileNotReady += n;
            conn.unreadChanged(n);
        }
        conn.encoder().writeData(conn.ctx(), id, out, 0, false, conn.quietPromise());
        conn.flushSoon();
        if (!conn.remoteFlow().isWritable(stream)) {
            ready = false;
            conn.cannotWrite(this); // netty tells only of changes: a window that was never open is none
        }
    }

    private void doClose(Status status, Metadata trailers) {
        terminate(status, trailers, true, false, null);
    }

    private void doRequest(int n) {
        state.request(n);
    }

    // ------------------------------------------------------------------ ServerCall (any thread)

    @Override
    public String methodPath() {
        return method.path();
    }

    @Override
    public MethodKind kind() {
        return method.kind();
    }

    @Override
    public Metadata requestHeaders() {
        return requestHeaders;
    }

    @Override
    public String authority() {
        return authority;
    }

    @Override
    public String peer() {
        return conn.peer();
    }

    @Override
    public String peerAddress() {
        return conn.peerAddress();
    }

    @Override
    public Workload workload() {
        return method.workload();
    }

    @Override
    public String identity() {
        return identity;
    }

    @Override
    public void setIdentity(String identity) {
        this.identity = identity;
    }

    @Override
    public CallNotes notes() {
        return notes;
    }

    @Override
    public String requestId() {
        String r = requestId;
        if (r == null) {
            r = clientRequestId != null ? clientRequestId : conn.idPrefix() + Integer.toString(id, 36);
            requestId = r;
        }
        return r;
    }

    @Override
    public boolean hasDeadline() {
        return state.hasDeadline();
    }

    @Override
    public long deadlineNanoTime() {
        return state.deadlineNanoTime();
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public void setListener(CallListener l) {
        CallListener value = l == null ? CallListener.NOOP : l;
        if (inEventLoop()) {
            listener = value;
        } else {
            conn.enqueue(() -> listener = value);
        }
    }

    @Override
    public void request(int n) {
        if (inEventLoop()) {
            doRequest(n);
        } else {
            conn.enqueue(() -> doRequest(n));
        }
    }

    @Override
    public boolean isReady() {
        if (inEventLoop() && !state.isDone()) {
            boolean r = conn.remoteFlow().isWritable(stream);
            ready = r;
            return r;
        }
        return ready && !cancelled;
    }

    @Override
    public boolean setCompression(String encoding) {
        boolean gzip = "gzip".equals(encoding);
        if (!gzip && !"identity".equals(encoding)) {
            return false;
        }
        if (gzip && !clientAcceptsGzip) {
            return false;
        }
        if (inEventLoop()) {
            if (!headersSent) {
                outboundGzip = gzip;
            }
        } else {
            conn.enqueue(() -> {
                if (!headersSent) {
                    outboundGzip = gzip;
                }
            });
        }
        return true;
    }

    @Override
    public void setMessageCompression(boolean enabled) {
        if (inEventLoop()) {
            messageCompression = enabled;
        } else {
            conn.enqueue(() -> messageCompression = enabled);
        }
    }

    @Override
    public void sendHeaders(Metadata headers) {
        if (inEventLoop()) {
            doSendHeaders(headers);
        } else {
            conn.enqueue(() -> doSendHeaders(headers));
        }
    }

    @Override
    public <T> void sendMessage(T message, MessageEncoder<? super T> encoder) {
        if (cancelled) {
            return;
        }
        ByteBuf framed;
        try {
            framed = (ByteBuf) conn.framer().frame(message, encoder);
        } catch (RuntimeException e) {
            if (inEventLoop()) {
                handlerFailed(e, "encode");
            } else {
                conn.enqueue(() -> handlerFailed(e, "encode"));
            }
            return;
        }
        if (inEventLoop()) {
            doSendFramed(framed);
        } else {
            conn.enqueue(new SendFramed(this, framed));
        }
    }

    @Override
    public void close(Status status, Metadata trailers) {
        if (inEventLoop()) {
            doClose(status, trailers);
        } else {
            conn.enqueue(() -> doClose(status, trailers));
        }
    }

    @Override
    public boolean inEventLoop() {
        return conn.ctx().executor().inEventLoop();
    }

    @Override
    public int callsOnEventLoop() {
        return conn.loopLoad().openStreams;
    }

    @Override
    public Executor eventLoop() {
        return conn.ctx().executor();
    }

    @Override
    public String toString() {
        return "ServerStream{" + method.path() + ", stream " + id + ", done=" + state.isDone() + '}';
    }

    /** A framed message handed over from another thread; releases it if never written. */
    static final class SendFramed implements WriteQueue.Command {
        private final ServerStream call;
        private final ByteBuf framed;

        SendFramed(ServerStream call, ByteBuf framed) {
            this.call = call;
            this.framed = framed;
        }

        @Override
        public void run() {
            call.doSendFramed(framed);
        }

        @Override
        public void discard() {
            framed.release();
        }
    }
}
