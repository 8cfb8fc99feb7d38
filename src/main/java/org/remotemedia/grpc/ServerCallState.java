package org.remotemedia.grpc;

import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The inbound side of one server call, by the gRPC rules, driven by events (DATA, end of
 * stream, demand, termination) and a clock:
 * <ul>
 *   <li>a streaming request's messages are delivered one per unit of demand, a unary request's
 *       one message only after the client ended its side -- zero or two are errors;</li>
 *   <li>a compressed message is inflated (gzip, bounded by the message limit) before delivery;</li>
 *   <li>half-close is delivered once, after the last whole message;</li>
 *   <li>the call terminates exactly once, and nothing is delivered after that;</li>
 *   <li>the deadline is the start plus grpc-timeout, saturated.</li>
 * </ul>
 * The transport turns its events into frames: a broken request is reported with the status to
 * answer ({@link Listener#inboundFailed}), consumed bytes are handed back for the flow-control
 * window ({@link Listener#returnWindow}).
 *
 * <p>Threads: confined to the connection's event loop. The listener is called on it, never
 * re-entrantly: an event that arrives during a delivery (the handler asks for more) is folded
 * into the delivery loop in progress.
 */
public final class ServerCallState {
    /** What the call delivers to the transport; exceptions from the handler's methods are caught here. */
    public interface Listener {
        /** A client-streaming request's next message; valid until the method returns (retain to keep it). */
        void onMessage(InboundMessage m) throws Exception;

        /** A unary or server-streaming request's one message, once the client ended its side. */
        void onRequest(InboundMessage m) throws Exception;

        void onHalfClose() throws Exception;

        /** The request broke the gRPC rules: the call must end with {@code status}. */
        void inboundFailed(Status status);

        /** The handler threw from {@code where} (onMessage, onRequest, onHalfClose). */
        void handlerFailed(Throwable t, String where);

        /** {@code bytes} of DATA were consumed: give them back to the stream's window. */
        void returnWindow(int bytes);
    }

    private final Listener listener;
    private final boolean unaryRequest;
    private final String methodPath;
    private final String kindName;
    private final OutboundBuffers buffers;
    private final int maxMessageBytes;
    private final String inboundEncoding; // null (identity) or "gzip"
    private final Supplier<GzipCodec> gzip;
    private final DeframerPool deframers;
    private MessageDeframer deframer; // the pool's closed stand-in once released
    /** Bytes read but not yet given back to the window when the deframer went back to the pool. */
    private long unreturnedAtRelease;
    private final boolean hasDeadline;
    private final long timeoutNanos;
    private final long deadlineNanoTime;

    private int demand;
    private boolean delivering;
    private boolean eos;
    private boolean halfCloseDelivered;
    private boolean unaryHeld;
    private boolean done;

    /**
     * @param unaryRequest    the method takes exactly one request message (unary, server-streaming)
     * @param kindName        the method kind as error messages name it ("unary", "server-streaming")
     * @param inboundEncoding the request's grpc-encoding: null (identity) or "gzip"
     * @param gzip            the connection's codec, made on first use
     * @param startNanos      when the call started, on the clock the deadline is checked against
     * @param timeoutNanos    grpc-timeout, or negative for none
     */
    public ServerCallState(Listener listener, boolean unaryRequest, String methodPath, String kindName,
            OutboundBuffers buffers, DeframerPool deframers, int maxMessageBytes, String inboundEncoding,
            Supplier<GzipCodec> gzip, long startNanos, long timeoutNanos) {
        this.listener = listener;
        this.unaryRequest = unaryRequest;
        this.methodPath = methodPath;
        this.kindName = kindName;
        this.buffers = buffers;
        this.maxMessageBytes = maxMessageBytes;
        this.inboundEncoding = inboundEncoding;
        this.gzip = gzip;
        this.deframers = deframers;
        this.deframer = deframers.take();
        this.hasDeadline = timeoutNanos >= 0;
        this.timeoutNanos = timeoutNanos;
        this.deadlineNanoTime = hasDeadline ? saturatedAdd(startNanos, timeoutNanos) : Long.MAX_VALUE;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    // ------------------------------------------------------------------ events

    /**
     * DATA bytes {@code [pos, pos + len)} of {@code base}; takes over one reference of
     * {@code owner}, which is null for a frame without bytes.
     */
    public void data(ByteBuffer base, int pos, int len, Object owner, boolean endOfStream) {
        if (owner != null) {
            deframer.add(base, pos, len, owner);
        }
        if (endOfStream) {
            eos = true;
        }
        deliver();
    }

    /** The client ended its side (END_STREAM on DATA without bytes, or trailers). */
    public void endOfStream() {
        eos = true;
        deliver();
    }

    /** The handler asks for {@code n} more messages (streaming requests). */
    public void request(int n) {
        if (n <= 0 || done) {
            return;
        }
        demand = demand + n < 0 ? Integer.MAX_VALUE : demand + n;
        deliver();
    }

    /**
     * Ends the call: nothing is delivered after this and queued bytes are released. Returns
     * true the first time only -- the caller then answers, records and tells the handler.
     */
    public boolean terminate() {
        if (done) {
            return false;
        }
        done = true;
        deframer.close();
        return true;
    }

    /**
     * The stream is gone: releases what the deframer still holds (after {@link #terminate}, or
     * instead) and gives it back to the connection's pool for a later stream.
     */
    public void release() {
        if (deframer != deframers.closedStandIn()) {
            unreturnedAtRelease += deframer.takeReturnableBytes(); // still given back by returnWindow(), as before pooling
            deframer = deframers.giveBack(deframer);
        }
    }

    public boolean isDone() {
        return done;
    }

    /** The client ended its side of the stream. */
    public boolean clientEnded() {
        return eos;
    }

    // ------------------------------------------------------------------ deadline

    public boolean hasDeadline() {
        return hasDeadline;
    }

    /** {@code Long.MAX_VALUE} without a deadline. */
    public long deadlineNanoTime() {
        return deadlineNanoTime;
    }

    /** Time left at {@code nowNanos}; zero or less once the deadline passed. */
    public long nanosUntilDeadline(long nowNanos) {
        return deadlineNanoTime - nowNanos;
    }

    /** The status of a call that ran past its deadline. */
    public Status deadlineExceeded() {
        return Status.of(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded: the call ran past its grpc-timeout of "
                + formatNanos(timeoutNanos));
    }

    private static String formatNanos(long nanos) {
        if (nanos % 1_000_000 == 0) {
            return nanos / 1_000_000 + " ms";
        }
        return nanos / 1000 + " us";
    }

    // ------------------------------------------------------------------ delivery

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
                        listener.handlerFailed(t, "onHalfClose");
                    }
                } else if (demand > 0) {
                    listener.inboundFailed(Status.of(StatusCode.INTERNAL, truncatedMessage()));
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
            listener.inboundFailed(Status.of(StatusCode.INTERNAL, "too many request messages: " + methodPath
                    + " is a " + kindName + " method and takes exactly one"));
            return;
        }
        if (!eos || halfCloseDelivered) {
            return;
        }
        halfCloseDelivered = true;
        if (!unaryHeld) {
            listener.inboundFailed(Status.of(StatusCode.INTERNAL, deframer.hasPartialMessage() ? truncatedMessage()
                    : "no request message: the client ended the stream without one, but " + methodPath
                            + " is a " + kindName + " method and takes exactly one"));
            return;
        }
        InboundMessage m = deframer.message();
        if (!prepare(m)) {
            return;
        }
        try {
            listener.onRequest(m);
        } catch (Throwable t) {
            listener.handlerFailed(t, "onRequest");
        } finally {
            afterDelivery(m);
        }
    }

    private void dispatch(InboundMessage m) {
        if (!prepare(m)) {
            return;
        }
        try {
            listener.onMessage(m);
        } catch (Throwable t) {
            listener.handlerFailed(t, "onMessage");
        } finally {
            afterDelivery(m);
        }
    }

    /** Inflates a compressed message into a fresh pooled buffer, or repositions the view. */
    private boolean prepare(InboundMessage m) {
        if (!deframer.isCompressed()) {
            m.reposition();
            m.markCompressed(false);
            return true;
        }
        if (inboundEncoding == null) {
            listener.inboundFailed(Status.of(StatusCode.INTERNAL, "a message has the compressed flag set but the "
                    + "request has no grpc-encoding header: set grpc-encoding (gzip) or send messages uncompressed"));
            return false;
        }
        Object compressedCopy = null;
        ByteBuffer src;
        if (m.bufferCount() == 1) {
            src = m.buffer();
            m.reposition();
        } else {
            compressedCopy = buffers.allocate(m.length());
            src = buffers.view(compressedCopy, 0, m.length());
            m.copyTo(src.duplicate());
        }
        try {
            long size = GzipCodec.announcedSize(src);
            if (size < 0) {
                listener.inboundFailed(Status.of(StatusCode.INTERNAL, "could not decompress a gzip message of "
                        + m.length() + " bytes: too short to be gzip"));
                return false;
            }
            if (size > maxMessageBytes) {
                listener.inboundFailed(Status.of(StatusCode.RESOURCE_EXHAUSTED, "decompressed message of " + size
                        + " bytes exceeds the limit of " + maxMessageBytes
                        + " bytes (transport.max_inbound_message_bytes)"));
                return false;
            }
            int n = (int) size;
            Object out = buffers.allocate(Math.max(n, 1));
            ByteBuffer dst = buffers.view(out, 0, n);
            if (gzip.get().inflate(src, dst) != GzipCodec.OK) {
                buffers.release(out);
                listener.inboundFailed(Status.of(StatusCode.INTERNAL, "could not decompress a gzip message of "
                        + m.length() + " bytes: corrupt data, or a CRC or size mismatch"));
                return false;
            }
            buffers.setLength(out, n);
            m.resetToSingle(dst, dst.position(), n, out);
            m.markCompressed(true);
            return true;
        } finally {
            if (compressedCopy != null) {
                buffers.release(compressedCopy);
            }
        }
    }

    private void afterDelivery(InboundMessage m) {
        Object inflated = m.takeTempOwner();
        if (inflated != null) {
            buffers.release(inflated);
        }
        deframer.messageDone();
    }

    private void returnWindow() {
        long n = deframer.takeReturnableBytes() + unreturnedAtRelease;
        unreturnedAtRelease = 0;
        if (n > 0) {
            listener.returnWindow((int) n);
        }
    }

    private void deframeError(int code) {
        if (code == MessageDeframer.ERR_TOO_LARGE) {
            listener.inboundFailed(Status.of(StatusCode.RESOURCE_EXHAUSTED, "received message of "
                    + deframer.badValue() + " bytes exceeds the limit of " + maxMessageBytes
                    + " bytes (transport.max_inbound_message_bytes)"));
        } else {
            listener.inboundFailed(Status.of(StatusCode.INTERNAL, "invalid message prefix: compressed flag "
                    + deframer.badValue() + ", expected 0 or 1 (the stream is not gRPC length-prefixed messages)"));
        }
    }

    private String truncatedMessage() {
        return "truncated message: the client ended the stream with " + deframer.queuedBytes()
                + " bytes of an unfinished length-prefixed message";
    }
}
