package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2LifecycleManager;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.remotemedia.config.ServerConfig;

/**
 * One connection's defences against a peer that is broken or hostile, in one place: which
 * inbound frames are strays on streams this server reset (ignored, RFC 9113 §5.1), and the
 * budgets whose breach ends the connection with GOAWAY ENHANCE_YOUR_CALM. The decorators that
 * sit in netty's codec ({@link GuardedFrameReader}, {@link ResetTracker},
 * {@link ControlFrameBacklog}) ask it; it counts every decision in a metric and logs each kind
 * once per connection.
 *
 * <p>Threads: confined to the connection's event loop. Time comes from the clock it is handed.
 */
final class ConnectionGuard implements FrameHeaderScanner.Sink {
    private final Http2Connection connection;
    private final TransportContext context;
    private final LongSupplier clock;
    private final RecentlyResetStreams resets;
    private final WindowBudget resetsSent;
    private final int maxConsecutiveEmptyData;
    private final WindowBudget settingsFrames;
    private final WindowBudget pingFrames;
    private final WindowBudget windowUpdateFrames;
    private final WindowBudget rstFramesReceived;
    private final WindowBudget resetsBeforeAnswer;
    private final HeaderBlockClock headerBlock;
    private final Runnable headerBlockCheck = this::headerBlockCheck;
    private Http2LifecycleManager lifecycle;
    private StallWatch stalls;
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> headerBlockTimer;
    private boolean failed;
    private boolean pingWithTraffic;
    private String idPrefix = "c?-";
    private boolean strayLogged;
    private int consecutiveEmptyStrays;

    ConnectionGuard(Http2Connection connection, TransportContext context, LongSupplier clock) {
        this.connection = connection;
        this.context = context;
        this.clock = clock;
        ServerConfig.Transport t = context.config;
        this.resets = new RecentlyResetStreams(t.resetStreamMemory(), TimeUnit.MILLISECONDS.toNanos(t.resetStreamGraceMs()));
        this.resetsSent = new WindowBudget(t.maxRstFramesPerWindow(), TimeUnit.SECONDS.toNanos(t.rstFramesWindowSeconds()));
        this.maxConsecutiveEmptyData = ConnectionHandlerBuilder.MAX_CONSECUTIVE_EMPTY_DATA_FRAMES;
        long controlWindow = TimeUnit.SECONDS.toNanos(t.controlFramesWindowSeconds());
        this.settingsFrames = new WindowBudget(t.maxSettingsFramesPerWindow(), controlWindow);
        this.pingFrames = new WindowBudget(t.maxPingFramesPerWindow(), controlWindow);
        this.windowUpdateFrames = new WindowBudget(t.maxWindowUpdateFramesPerWindow(), controlWindow);
        long rstWindow = TimeUnit.SECONDS.toNanos(t.rstFramesWindowSeconds());
        this.rstFramesReceived = new WindowBudget(t.maxRstFramesPerWindow(), rstWindow);
        this.resetsBeforeAnswer = new WindowBudget(t.maxResetStreamsPerWindow(), rstWindow);
        this.headerBlock = new HeaderBlockClock(TimeUnit.MILLISECONDS.toNanos(t.maxHeaderBlockMs()));
    }

    /** Told of every window the peer gives, so a slow reader that makes progress is not reset. */
    void stallWatch(StallWatch watch) {
        this.stalls = watch;
    }

    /** The handler that ends the connection when a timer finds a budget exceeded (no frame to throw from). */
    void lifecycle(Http2LifecycleManager manager) {
        this.lifecycle = manager;
    }

    /** The connection's log prefix, once the handler has its id. */
    void idPrefix(String prefix) {
        this.idPrefix = prefix;
    }

    /** A budget ended the connection: whatever the peer sent after it goes unread. */
    boolean failed() {
        return failed;
    }

    // ------------------------------------------------------------------ stray frames

    /**
     * True for a frame on a stream that no longer exists because this server reset or refused it
     * within the grace: the peer sent it before it saw our RST_STREAM. netty would answer it with
     * RST_STREAM(STREAM_CLOSED), or end the connection (PROTOCOL_ERROR "does not exist") when the
     * stream was refused before netty created it.
     */
    boolean isStray(int streamId) {
        return !resets.isEmpty() && connection.stream(streamId) == null && resets.contains(streamId, clock.getAsLong());
    }

    /**
     * A stray DATA frame: its bytes still count against the connection's flow-control window
     * (the peer counted them), so they are consumed here and the window goes back to the peer.
     * Empty DATA frames without END_STREAM have no use (netty's own limit for them is
     * {@link ConnectionHandlerBuilder#MAX_CONSECUTIVE_EMPTY_DATA_FRAMES}); a run of them on dead
     * streams is a flood, not a straggler.
     */
    void strayData(int streamId, ByteBuf data, int padding, boolean endOfStream) throws Http2Exception {
        connection.local().flowController().receiveFlowControlledFrame(null, data, padding, endOfStream);
        if (data.readableBytes() + padding == 0 && !endOfStream) {
            if (++consecutiveEmptyStrays > maxConsecutiveEmptyData) {
                throw exceeded("empty_data_frames", "more than " + maxConsecutiveEmptyData
                        + " consecutive empty DATA frames on streams the server had reset");
            }
        } else {
            consecutiveEmptyStrays = 0;
        }
        stray("DATA", streamId);
    }

    /**
     * A RST_STREAM on a stream this server reset: ignored like any stray, and not counted
     * against the received-reset rate ({@link #rstStreamFrame}). grpc-java sends one whenever
     * the server's status arrives before the client half-closed (a refused upload, a call the
     * server ends first), so counting them ended a well-behaved client's connection after 200
     * such calls in 30 s. It is the peer's last frame on the stream, so the id is forgotten: a
     * second RST_STREAM on it is no straggler and counts like any other.
     */
    boolean strayRstStream(int streamId) {
        if (resets.isEmpty() || connection.stream(streamId) != null || !resets.forget(streamId, clock.getAsLong())) {
            return false;
        }
        stray("RST_STREAM", streamId);
        return true;
    }

    /** Any other frame on a stream this server reset: ignored. */
    void stray(String frameType, int streamId) {
        context.metrics.strayFrameIgnored();
        if (!strayLogged) {
            strayLogged = true;
            context.log.info("stray_frames_ignored", null, "connection", idPrefix, "stream", streamId, "frame",
                    frameType, "grace_ms", context.config.resetStreamGraceMs());
        }
    }

    // ------------------------------------------------------------------ resets sent

    /**
     * This server is sending RST_STREAM on {@code streamId}: remember it for the stray frames, and
     * count it against the budget of resets the peer can make us send (netty's own encoder limit,
     * which this replaces: CANCEL and NO_ERROR do not count). Returns the error to end the
     * connection with, or null.
     */
    Http2Exception resetSent(int streamId, long errorCode) {
        long now = clock.getAsLong();
        resets.add(streamId, now);
        Http2Stream stream = connection.stream(streamId);
        if ((stream == null || !stream.isHeadersSent()) && !resetsBeforeAnswer.tryAcquire(now)) {
            return resetsBeforeAnswerExceeded();
        }
        if (errorCode == Http2Error.CANCEL.code() || errorCode == Http2Error.NO_ERROR.code()) {
            return null;
        }
        if (!resetsSent.tryAcquire(now)) {
            return exceeded("rst_frames_sent", "more than " + resetsSent.max() + " RST_STREAM frames sent within "
                    + TimeUnit.NANOSECONDS.toSeconds(resetsSent.windowNanos()) + " s");
        }
        return null;
    }

    // ------------------------------------------------------------------ control frames received

    void settingsFrame() throws Http2Exception {
        if (!settingsFrames.tryAcquire(clock.getAsLong())) {
            throw overRate("settings_frames", "SETTINGS", settingsFrames);
        }
    }

    /** HEADERS or DATA arrived: the next PING comes with traffic (grpc-java's flow-control pings do). */
    void trafficFrame() {
        pingWithTraffic = true;
    }

    /**
     * A PING that follows HEADERS or DATA is free: grpc-java sends one per round trip while data
     * flows (to tune its windows), so a busy client pings about once per call. Only PINGs with
     * nothing else between them count: a flood of them costs the server, and gives it nothing.
     */
    void pingFrame() throws Http2Exception {
        if (pingWithTraffic) {
            pingWithTraffic = false;
            return;
        }
        if (!pingFrames.tryAcquire(clock.getAsLong())) {
            throw overRate("ping_frames", "PING", pingFrames);
        }
    }

    void windowUpdateFrame(int streamId) throws Http2Exception {
        stalls.windowGiven(streamId);
        if (!windowUpdateFrames.tryAcquire(clock.getAsLong())) {
            throw overRate("window_update_frames", "WINDOW_UPDATE", windowUpdateFrames);
        }
    }

    /**
     * A RST_STREAM from the peer: counted against the received-reset rate (the rapid-reset
     * attack, CVE-2023-44487), and, when the stream had no answer yet, against the budget of
     * streams reset before the server answered (the work such a stream started is wasted).
     */
    void rstStreamFrame(int streamId) throws Http2Exception {
        long now = clock.getAsLong();
        if (!rstFramesReceived.tryAcquire(now)) {
            throw overRate("rst_frames_received", "RST_STREAM", rstFramesReceived);
        }
        Http2Stream stream = connection.stream(streamId);
        if (stream != null && !stream.isHeadersSent() && stream.state() != Http2Stream.State.CLOSED
                && !resetsBeforeAnswer.tryAcquire(now)) {
            throw resetsBeforeAnswerExceeded();
        }
    }

    private Http2Exception overRate(String budget, String frame, WindowBudget b) {
        return exceeded(budget, "more than " + b.max() + " " + frame + " frames within "
                + TimeUnit.NANOSECONDS.toSeconds(b.windowNanos()) + " s");
    }

    private Http2Exception resetsBeforeAnswerExceeded() {
        return exceeded("reset_streams", "more than " + resetsBeforeAnswer.max()
                + " streams reset before the server answered them, within "
                + TimeUnit.NANOSECONDS.toSeconds(resetsBeforeAnswer.windowNanos()) + " s");
    }

    // ------------------------------------------------------------------ header blocks

    /** The reader's frames are scanned from here ({@link GuardedFrameReader}). */
    void context(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        ctx.channel().closeFuture().addListener(f -> close());
    }

    @Override
    public void frameHeader(int type, int flags, int streamId, int payloadLength) throws Http2Exception {
        if (!headerBlock.timed(type, flags)) {
            return; // no block open and none opening: nothing to time, so no clock read per frame
        }
        long now = clock.getAsLong();
        if (headerBlock.frame(type, flags, now) && headerBlockTimer == null && ctx != null) {
            headerBlockTimer = ctx.executor().schedule(headerBlockCheck, headerBlock.maxNanos() + 1,
                    TimeUnit.NANOSECONDS);
        }
        if (headerBlock.overdue(now)) {
            throw headerBlockOverdue();
        }
    }

    private void headerBlockCheck() {
        headerBlockTimer = null;
        if (failed || !ctx.channel().isActive() || !headerBlock.isOpen()) {
            return;
        }
        long now = clock.getAsLong();
        if (headerBlock.overdue(now)) {
            lifecycle.onError(ctx, false, headerBlockOverdue());
            ctx.flush();
        } else {
            headerBlockTimer = ctx.executor().schedule(headerBlockCheck, headerBlock.deadlineNanos() - now + 1,
                    TimeUnit.NANOSECONDS);
        }
    }

    private Http2Exception headerBlockOverdue() {
        return exceeded("header_block_time", "a header block (HEADERS and its CONTINUATION frames) took longer than "
                + TimeUnit.NANOSECONDS.toMillis(headerBlock.maxNanos()) + " ms to complete");
    }

    /** The connection closed: no timer outlives it. */
    private void close() {
        if (headerBlockTimer != null) {
            headerBlockTimer.cancel(false);
            headerBlockTimer = null;
        }
    }

    // ------------------------------------------------------------------ budgets

    /**
     * netty's own limits, which throw from inside its reader and decoder: named and counted like
     * ours. Returns what to throw: netty's error, or for an oversized header block, which netty
     * ends with PROTOCOL_ERROR, ENHANCE_YOUR_CALM as for every other flood. Other errors
     * (protocol violations, not budgets) are left to the connection's error log.
     */
    Http2Exception nettyError(Http2Exception e) {
        if (failed || Http2Exception.isStreamError(e)) {
            return e;
        }
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("Number of small consecutive continuations frames")) {
            exceeded("continuation_frames", m);
        } else if (m.startsWith("Header size exceeded max allowed size")) {
            return exceeded("header_block_bytes", "a header block of more than "
                    + ((long) context.config.maxHeaderListBytes() * 5 / 4) + " bytes (1.25 x "
                    + "transport.max_header_list_bytes)");
        } else if (m.startsWith("Maximum number of RST frames reached")) {
            exceeded("rst_frames_received", m);
        } else if (m.contains("empty data frames without end_of_stream")) {
            exceeded("empty_data_frames", m);
        }
        return e;
    }

    /** A budget was exceeded: counted and logged (once: the connection ends), and the error to end it with. */
    Http2Exception exceeded(String budget, String detail) {
        if (!failed) {
            failed = true;
            context.metrics.budgetExceeded(budget);
            context.log.warn("budget_exceeded", null, "connection", idPrefix, "budget", budget, "detail", detail);
        }
        return Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, "%s", detail);
    }
}
