package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.remotemedia.grpc.GzipCodec;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.MessageDeframer;
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
 * One gRPC call on one HTTP/2 stream: deframes its DATA, delivers messages and events to the
 * handler, writes its headers, messages and trailers, and tracks deadline, cancellation and
 * outbound readiness. There is no child channel: the {@link ConnectionHandler} routes frames
 * here by stream property.
 *
 * <p>Threads: all fields are owned by the connection's event loop except the volatile
 * {@code cancelled} and {@code ready} flags. The {@link ServerCall} methods may be called from
 * any thread: off the loop they are queued to it ({@link ConnectionHandler#enqueue}); a message
 * sent off the loop is serialized on the caller's thread into a pooled buffer first.
 */
final class ServerStream implements ServerCall {
    private final ConnectionHandler conn;
    private final Http2Stream stream;
    private final int id;
    private final RegisteredMethod method;
    private final boolean unaryRequest;
    private final MessageDeframer deframer;
    private final Metadata requestHeaders;
    private final String authority;
    private final String clientRequestId;
    private final long startNanos;
    private final String inboundEncoding; // null (identity) or "gzip"
    private final boolean clientAcceptsGzip;
    private final boolean hasDeadline;
    private final long deadlineNanoTime;
    private final long timeoutNanos;
    private final TransportMetrics.MethodMetrics metrics;

    private CallListener listener = CallListener.NOOP;
    private ScheduledFuture<?> deadlineTimer;
    private String requestId;
    private int demand;
    private boolean delivering;
    private boolean eos;
    private boolean halfCloseDelivered;
    private boolean unaryHeld;
    private boolean headersSent;
    private boolean outboundGzip;
    private boolean messageCompression = true;
    private boolean done;
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
        this.deframer = new MessageDeframer(conn.buffers(), conn.context().maxMessageBytes);
        this.requestHeaders = requestHeaders;
        this.authority = authority;
        this.clientRequestId = clientRequestId;
        this.startNanos = System.nanoTime();
        this.inboundEncoding = inboundEncoding;
        this.clientAcceptsGzip = clientAcceptsGzip;
        this.timeoutNanos = timeoutNanos;
        this.hasDeadline = timeoutNanos >= 0;
        this.deadlineNanoTime = hasDeadline ? saturatedAdd(startNanos, timeoutNanos) : Long.MAX_VALUE;
        this.metrics = conn.context().metrics.method(method);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    // ------------------------------------------------------------------ event loop: inbound

    /** Runs interceptors, arms the deadline, and starts the handler. */
    void start() {
        if (hasDeadline) {
            long remaining = deadlineNanoTime - System.nanoTime();
            if (remaining <= 0) {
                deadlineExpired();
                return;
            }
            deadlineTimer = conn.ctx().executor().schedule(this::deadlineExpired, remaining, TimeUnit.NANOSECONDS);
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
            if (done) {
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
        if (len > 0) {
            ByteBuffer base = SharedNioView.of(data);
            if (base != null) {
                deframer.add(base, base.position(), len, data.retain());
            } else {
                // a composite buffer (never from netty's HTTP/2 reader in practice): one copy
                ByteBuf copy = conn.ctx().alloc().directBuffer(len).writeBytes(data, data.readerIndex(), len);
                ByteBuffer view = copy.internalNioBuffer(0, len);
                deframer.add(view, view.position(), len, copy);
            }
        }
        if (endOfStream) {
            eos = true;
        }
        deliver();
    }

    void onEndOfStream() {
        eos = true;
        deliver();
    }

    private void deliver() {
        if (delivering || done) {
            returnWindow();
            return;
        }
        delivering = true;
        try {
            if (unaryRequest) {
                deliverUnary();
            } else {
                deliverStreaming();
            }
        } finally {
            delivering = false;
        }
        returnWindow();
    }

    private void deliverStreaming() {
        while (!done) {
            if (demand > 0) {
                int r = deframer.poll();
                if (r == MessageDeframer.MESSAGE) {
                    demand--;
                    dispatch(deframer.message());
                    continue;
                }
                if (r < 0) {
                    deframeError(r);
                    return;
                }
            }
            if (eos && !halfCloseDelivered) {
                if (!deframer.hasPartialMessage()) {
                    halfCloseDelivered = true;
                    try {
                        listener.onHalfClose();
                    } catch (Throwable t) {
                        handlerFailed(t, "onHalfClose");
                    }
                } else if (demand > 0) {
                    failInbound(Status.of(StatusCode.INTERNAL, truncatedMessage()));
                }
            }
            return;
        }
    }

    private void deliverUnary() {
        if (!unaryHeld) {
            int r = deframer.poll();
            if (r == MessageDeframer.MESSAGE) {
                unaryHeld = true;
            } else if (r < 0) {
                deframeError(r);
                return;
            }
        }
        if (unaryHeld && deframer.queuedBytes() > 0) {
            failInbound(Status.of(StatusCode.INTERNAL, "too many request messages: " + method.path() + " is a "
                    + kindName() + " method and takes exactly one"));
            return;
        }
        if (!eos || halfCloseDelivered) {
            return;
        }
        halfCloseDelivered = true;
        if (!unaryHeld) {
            failInbound(Status.of(StatusCode.INTERNAL, deframer.hasPartialMessage() ? truncatedMessage()
                    : "no request message: the client ended the stream without one, but " + method.path()
                            + " is a " + kindName() + " method and takes exactly one"));
            return;
        }
        InboundMessage m = deframer.message();
        if (!prepare(m)) {
            return;
        }
        try {
            ((UnaryHandler) method.handler()).onRequest(this, m);
        } catch (Throwable t) {
            handlerFailed(t, "onRequest");
        } finally {
            afterCallback(m);
        }
    }

    private void dispatch(InboundMessage m) {
        if (!prepare(m)) {
            return;
        }
        try {
            listener.onMessage(m);
        } catch (Throwable t) {
            handlerFailed(t, "onMessage");
        } finally {
            afterCallback(m);
        }
    }

    /** Inflates a compressed message in place (a fresh pooled buffer) or repositions the view. */
    private boolean prepare(InboundMessage m) {
        if (!deframer.isCompressed()) {
            m.reposition();
            m.markCompressed(false);
            return true;
        }
        if (inboundEncoding == null) {
            failInbound(Status.of(StatusCode.INTERNAL, "a message has the compressed flag set but the request has no "
                    + "grpc-encoding header: set grpc-encoding (gzip) or send messages uncompressed"));
            return false;
        }
        ByteBuf compressedCopy = null;
        ByteBuffer src;
        if (m.bufferCount() == 1) {
            src = m.buffer();
            m.reposition();
        } else {
            compressedCopy = conn.ctx().alloc().directBuffer(m.length());
            src = compressedCopy.internalNioBuffer(0, m.length());
            ByteBuffer dst = src.duplicate();
            m.copyTo(dst);
        }
        try {
            long size = GzipCodec.announcedSize(src);
            if (size < 0) {
                failInbound(Status.of(StatusCode.INTERNAL, "could not decompress a gzip message of " + m.length()
                        + " bytes: too short to be gzip"));
                return false;
            }
            if (size > conn.context().maxMessageBytes) {
                failInbound(Status.of(StatusCode.RESOURCE_EXHAUSTED, "decompressed message of " + size
                        + " bytes exceeds the limit of " + conn.context().maxMessageBytes
                        + " bytes (transport.max_inbound_message_bytes)"));
                return false;
            }
            int n = (int) size;
            ByteBuf out = conn.ctx().alloc().directBuffer(Math.max(n, 1));
            ByteBuffer dst = out.internalNioBuffer(0, n);
            int rc = conn.gzip().inflate(src, dst);
            if (rc != GzipCodec.OK) {
                out.release();
                failInbound(Status.of(StatusCode.INTERNAL, "could not decompress a gzip message of " + m.length()
                        + " bytes: corrupt data, or a CRC or size mismatch"));
                return false;
            }
            out.writerIndex(n);
            m.resetToSingle(dst, dst.position(), n, out);
            m.markCompressed(true);
            return true;
        } finally {
            if (compressedCopy != null) {
                compressedCopy.release();
            }
        }
    }

    private void afterCallback(InboundMessage m) {
        Object temp = m.takeTempOwner();
        if (temp != null) {
            ((ByteBuf) temp).release();
        }
        deframer.messageDone();
    }

    private void returnWindow() {
        long n = deframer.takeReturnableBytes();
        if (n > 0) {
            conn.returnWindow(stream, (int) n);
        }
    }

    private void deframeError(int code) {
        if (code == MessageDeframer.ERR_TOO_LARGE) {
            failInbound(Status.of(StatusCode.RESOURCE_EXHAUSTED, "received message of " + deframer.badValue()
                    + " bytes exceeds the limit of " + conn.context().maxMessageBytes
                    + " bytes (transport.max_inbound_message_bytes)"));
        } else {
            failInbound(Status.of(StatusCode.INTERNAL, "invalid message prefix: compressed flag " + deframer.badValue()
                    + ", expected 0 or 1 (the stream is not gRPC length-prefixed messages)"));
        }
    }

    private String truncatedMessage() {
        return "truncated message: the client ended the stream with " + deframer.queuedBytes()
                + " bytes of an unfinished length-prefixed message";
    }

    private String kindName() {
        return method.kind() == MethodKind.UNARY ? "unary" : "server-streaming";
    }

    /** An inbound protocol error found by the transport: status to the client, cancel to the handler. */
    private void failInbound(Status status) {
        conn.logCallError("call_rejected", this, status, null);
        terminate(status, true, true);
    }

    private void handlerFailed(Throwable t, String where) {
        conn.logCallError("handler_failed", this, Status.of(StatusCode.INTERNAL, where), t);
        terminate(Status.of(StatusCode.INTERNAL, "internal error in the method handler (request id "
                + requestId() + ")"), true, true);
    }

    void deadlineExpired() {
        deadlineTimer = null;
        if (done) {
            return;
        }
        Status s = Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded: the call ran past its grpc-timeout of "
                + formatNanos(timeoutNanos));
        // trailers with the status, then RST_STREAM(CANCEL) as the spec asks
        terminateWithRst(s, Http2Error.CANCEL);
        conn.flushSoon();
    }

    private static String formatNanos(long nanos) {
        if (nanos % 1_000_000 == 0) {
            return nanos / 1_000_000 + " ms";
        }
        return nanos / 1000 + " us";
    }

    /** The client reset the stream. */
    void onRstStream(long errorCode) {
        if (done) {
            return;
        }
        terminate(Status.of(StatusCode.CANCELLED, "the client cancelled the call (RST_STREAM "
                + Http2Error.valueOf(errorCode) + ")"), false, true);
    }

    /** Netty closed the stream (RST sent or received, both sides ended, connection gone). */
    void onStreamClosed() {
        if (!done) {
            terminate(Status.of(StatusCode.CANCELLED, "the stream closed before the call finished"), false, true);
        }
        release();
    }

    /** The connection is going away or the drain grace period ended. */
    void cancelForShutdown(Status status, boolean writeStatus) {
        if (done) {
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
        if (done) {
            return;
        }
        done = true;
        if (notifyCancel) {
            cancelled = true;
        }
        ready = false;
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
            deadlineTimer = null;
        }
        deframer.close();
        if (writeStatus && localOpen()) {
            writeStatus(status, trailers, rstNow);
        }
        long durationNanos = System.nanoTime() - startNanos;
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
        if (status.description() == null && status.details() == null && (trailers == null || trailers.isEmpty())
                && !echoId) {
            h = headersSent ? SharedHeaders.trailers(status.code()) : SharedHeaders.trailersOnly(status.code());
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
        } else if (eos) {
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
        deframer.close();
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
            deadlineTimer = null;
        }
    }

    boolean isDone() {
        return done;
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
        if (!done) {
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
        if (done) {
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
        if (done || headersSent) {
            return;
        }
        Http2Headers h;
        boolean echoId = conn.context().echoRequestId;
        if ((md == null || md.isEmpty()) && !echoId) {
            h = outboundGzip ? SharedHeaders.RESPONSE_GZIP : SharedHeaders.RESPONSE;
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
        if (done) {
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
        if (!conn.encoder().flowController().isWritable(stream)) {
            ready = false;
            conn.cannotWrite(this); // netty tells only of changes: a window that was never open is none
        }
    }

    private void doClose(Status status, Metadata trailers) {
        terminate(status, trailers, true, false, null);
    }

    private void doRequest(int n) {
        if (n <= 0 || done) {
            return;
        }
        demand = demand + n < 0 ? Integer.MAX_VALUE : demand + n;
        deliver();
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
        return hasDeadline;
    }

    @Override
    public long deadlineNanoTime() {
        return deadlineNanoTime;
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
        if (inEventLoop() && !done) {
            boolean r = conn.encoder().flowController().isWritable(stream);
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
        return "ServerStream{" + method.path() + ", stream " + id + ", done=" + done + '}';
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
