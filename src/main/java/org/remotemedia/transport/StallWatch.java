package org.remotemedia.transport;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;

/**
 * Resets the streams whose client gives no flow-control window for longer than
 * {@code transport.stalled_stream_timeout_ms}: a stream is stalled from the moment it cannot write
 * (no window, or a socket the peer does not drain) until it can again, and any WINDOW_UPDATE for
 * it or for the connection restarts its clock, so a slow reader that makes progress is left
 * alone. A stalled stream holds its queued answer (pooled direct buffers) and, for a session,
 * its slot: the reset frees both. Only stalled streams are tracked, in a small list; one timer
 * per connection, and only while a stream is stalled.
 *
 * <p>Threads: confined to the connection's event loop. Time comes from the clock it is handed.
 */
final class StallWatch {
    private final long timeoutNanos;
    private final LongSupplier clock;
    private final TransportContext context;
    private final ArrayList<ServerStream> streams = new ArrayList<>();
    private final ArrayList<ServerStream> due = new ArrayList<>();
    private long[] since = new long[4];
    private final Runnable check = () -> check();
    private EventExecutor loop;
    private ScheduledFuture<?> timer;
    private String idPrefix = "c?-";
    private boolean logged;

    StallWatch(TransportContext context, LongSupplier clock) {
        this.context = context;
        this.clock = clock;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(context.config.stalledStreamTimeoutMs());
    }

    void attach(EventExecutor loop, String idPrefix) {
        this.loop = loop;
        this.idPrefix = idPrefix;
    }

    /** netty's remote flow controller says {@code call} can (or cannot) write. */
    void writabilityChanged(ServerStream call, boolean writable) {
        int i = streams.indexOf(call);
        if (writable || call.isStreamClosed()) {
            if (i >= 0) {
                remove(i);
            }
            return;
        }
        if (i < 0) {
            if (streams.size() == since.length) {
                since = java.util.Arrays.copyOf(since, since.length * 2);
            }
            since[streams.size()] = clock.getAsLong();
            streams.add(call);
            schedule(timeoutNanos);
        }
    }

    /** The peer gave window: on the connection (stream 0) every stalled stream's clock restarts. */
    void windowGiven(int streamId) {
        if (streams.isEmpty()) {
            return;
        }
        long now = clock.getAsLong();
        for (int i = 0; i < streams.size(); i++) {
            if (streamId == 0 || streams.get(i).id() == streamId) {
                since[i] = now;
            }
        }
    }

    int stalled() {
        return streams.size();
    }

    /** Resets what has been stalled too long; returns how many. Called by the timer, and by tests. */
    int check() {
        timer = null;
        long now = clock.getAsLong();
        long next = Long.MAX_VALUE;
        // collect first: a reset makes netty report the stream's writability, which lands back here
        for (int i = streams.size() - 1; i >= 0; i--) {
            ServerStream call = streams.get(i);
            if (call.isStreamClosed()) {
                remove(i);
            } else if (now - since[i] >= timeoutNanos) {
                remove(i);
                due.add(call);
            } else {
                next = Math.min(next, since[i] + timeoutNanos - now);
            }
        }
        if (next != Long.MAX_VALUE) {
            schedule(next);
        }
        int reset = due.size();
        for (int i = 0; i < reset; i++) {
            ServerStream call = due.get(i);
            call.resetStalled(Status.of(StatusCode.RESOURCE_EXHAUSTED, "the client gave no flow-control window for "
                    + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms (transport.stalled_stream_timeout_ms): "
                    + "the stream is reset and its queued answer freed"));
            context.metrics.stalledStreamReset();
            if (!logged) {
                logged = true;
                context.log.info("stalled_streams_reset", null, "connection", idPrefix, "stream", call.id(),
                        "timeout_ms", TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            }
        }
        due.clear();
        return reset;
    }

    private void remove(int i) {
        int last = streams.size() - 1;
        since[i] = since[last];
        streams.set(i, streams.get(last));
        streams.remove(last);
    }

    private void schedule(long delayNanos) {
        if (timer == null && loop != null) {
            timer = loop.schedule(check, delayNanos + 1, TimeUnit.NANOSECONDS);
        }
    }

    /** The connection closed: no timer outlives it, no stream is held. */
    void close() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        streams.clear();
    }
}
