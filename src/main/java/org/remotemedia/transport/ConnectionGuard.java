package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
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
final class ConnectionGuard {
    private final Http2Connection connection;
    private final TransportContext context;
    private final LongSupplier clock;
    private final RecentlyResetStreams resets;
    private final WindowBudget resetsSent;
    private final int maxConsecutiveEmptyData;
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
    }

    /** The connection's log prefix, once the handler has its id. */
    void idPrefix(String prefix) {
        this.idPrefix = prefix;
    }

    long nanoTime() {
        return clock.getAsLong();
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
        if (errorCode == Http2Error.CANCEL.code() || errorCode == Http2Error.NO_ERROR.code()) {
            return null;
        }
        if (!resetsSent.tryAcquire(now)) {
            return exceeded("rst_frames_sent", "more than " + resetsSent.max() + " RST_STREAM frames sent within "
                    + TimeUnit.NANOSECONDS.toSeconds(resetsSent.windowNanos()) + " s");
        }
        return null;
    }

    // ------------------------------------------------------------------ budgets

    /** A budget was exceeded: counted, logged (once: the connection ends), and the error to end it with. */
    Http2Exception exceeded(String budget, String detail) {
        context.metrics.budgetExceeded(budget);
        context.log.warn("budget_exceeded", null, "connection", idPrefix, "budget", budget, "detail", detail);
        return Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, "%s", detail);
    }
}
