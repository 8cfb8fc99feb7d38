package org.remotemedia.service.stream;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.StreamingHandler;
import org.remotemedia.service.ServiceContext;
import org.remotemedia.service.StatusDetails;

/**
 * {@code remotemedia.v1.StreamingPipelineService/StreamPipeline}: one {@link StreamCall} per
 * call, after the {@code streaming.max_sessions} check (beyond it: UNAVAILABLE with RetryInfo
 * and QuotaFailure). Owns what the sessions share: their settings, metrics, the id sequence and
 * one idle-timer thread. When the server drains ({@link #beginDrain()}), every open session is
 * closed the way COMMAND_CLOSE closes it, with the reason "server shutting down", and sessions
 * that had not started yet are refused with UNAVAILABLE + RetryInfo.
 *
 * <p>Thread-safe: {@link #startCall} runs on any event loop; the daemon builds it once and
 * {@link #close()}s it at shutdown, after the transport has ended every call.
 */
public final class StreamingService implements StreamingHandler, AutoCloseable {
    public static final String SERVICE = "remotemedia.v1.StreamingPipelineService";
    public static final String PATH = "/" + SERVICE + "/StreamPipeline";
    /** RetryInfo sent with a max_sessions rejection: sessions are long, so a second rather than a request's time. */
    static final long SESSIONS_RETRY_AFTER_MS = 1000;

    final ServiceContext ctx;
    final ServerConfig.Streaming settings;
    final StreamingMetrics metrics;
    final long idleTimeoutNanos;
    final AtomicBoolean loggedEmptyVersion = new AtomicBoolean();
    private final AtomicInteger open = new AtomicInteger();
    private final Set<StreamCall> live = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    private final AtomicLong ids = new AtomicLong();
    private final String idPrefix;
    private final ScheduledExecutorService timer;

    public StreamingService(ServiceContext ctx, ServerConfig.Streaming settings, StreamingMetrics metrics) {
        this.ctx = ctx;
        this.settings = settings;
        this.metrics = metrics;
        this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(settings.idleTimeoutMs());
        this.idPrefix = "s" + Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36) + "-";
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "rm-stream-idle");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        this.timer = t;
    }

    public MethodRegistry.Builder register(MethodRegistry.Builder b) {
        return b.bidiStreaming(PATH, this);
    }

    @Override
    public CallListener startCall(ServerCall call) {
        if (!tryOpen()) {
            metrics.rejected();
            int max = settings.maxSessions();
            StatusDetails.of(StatusCode.UNAVAILABLE, "too many streaming sessions: " + max + " already open"
                            + " (streaming.max_sessions = " + max + "); retry after " + SESSIONS_RETRY_AFTER_MS
                            + " ms, or spread the sessions over more servers",
                    StatusDetails.errorInfo("TOO_MANY_SESSIONS", Map.of("limit", Integer.toString(max),
                            "setting", "streaming.max_sessions")),
                    StatusDetails.retryAfter(SESSIONS_RETRY_AFTER_MS),
                    StatusDetails.quota("streaming.max_sessions", "at most " + max + " open streaming sessions"))
                    .close(call);
            return CallListener.NOOP;
        }
        metrics.opened();
        long n = ids.incrementAndGet();
        StreamCall s = new StreamCall(this, call, n, idPrefix + Long.toString(n, 36));
        live.add(s);
        s.start();
        if (draining) { // the drain began while this call was admitted: it sees it too
            s.shutdown();
        }
        return s;
    }

    private boolean tryOpen() {
        int n;
        do {
            n = open.get();
            if (n >= settings.maxSessions()) {
                return false;
            }
        } while (!open.compareAndSet(n, n + 1));
        return true;
    }

    /** A session ended (once per successful {@link #tryOpen}). */
    void closed(StreamCall call, StreamingMetrics.Outcome outcome) {
        live.remove(call);
        open.decrementAndGet();
        metrics.ended(outcome);
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    /** Sessions open now. */
    public int openSessions() {
        return open.get();
    }

    /**
     * The server drains (any thread, once): each open session processes the chunks it has
     * already received, flushes its tail and ends with StreamClosed "server shutting down", so its
     * client knows where to resume elsewhere; a session still waiting for its init is refused
     * with UNAVAILABLE + RetryInfo. Idempotent.
     */
    public void beginDrain() {
        draining = true;
        for (StreamCall c : live) {
            c.shutdown();
        }
    }

    /** Stops the idle timer (the transport has ended every call by now). */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
