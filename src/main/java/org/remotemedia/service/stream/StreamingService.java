package org.remotemedia.service.stream;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.grpc.Status;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodKind;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.Workload;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.StreamingHandler;
import org.remotemedia.service.ServiceContext;
import org.remotemedia.rpc.WorkGate;

/**
 * {@code remotemedia.v1.StreamingPipelineService/StreamPipeline}: one {@link StreamCall} per
 * call, started once it holds a session slot ({@code streaming.max_sessions}, taken through the
 * context's gate; beyond the cap and its queue: UNAVAILABLE with RetryInfo and QuotaFailure). Owns what the sessions share: their settings, metrics, the id sequence and
 * one idle-timer thread.
 * When the server drains ({@link #beginDrain()}), every open session is closed the way
 * COMMAND_CLOSE closes it, with the reason "server shutting down", after the chunks it has already
 * received; sessions still waiting for their init are refused with UNAVAILABLE + RetryInfo.
 *
 * <p>Thread-safe: {@link #startCall} runs on any event loop; the daemon builds it once and
 * {@link #close()}s it at shutdown, after the transport has ended every call.
 */
public final class StreamingService implements StreamingHandler, AutoCloseable {
    public static final String SERVICE = "remotemedia.v1.StreamingPipelineService";
    public static final String PATH = "/" + SERVICE + "/StreamPipeline";

    final ServiceContext ctx;
    final ServerConfig.Streaming settings;
    final StreamingMetrics metrics;
    final long idleTimeoutNanos;
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
        return b.add(PATH, MethodKind.BIDI_STREAMING, Workload.SESSION, this);
    }

    /**
     * A session needs a slot of the session cap ({@code streaming.max_sessions}, through the
     * gate); without one it waits in the gate's bounded queue, reading nothing (its init stays in
     * the HTTP/2 window), and starts once admitted.
     */
    @Override
    public CallListener startCall(ServerCall call) {
        long n = ids.incrementAndGet();
        StreamCall s = new StreamCall(this, call, n, idPrefix + Long.toString(n, 36));
        if (ctx.gate().tryEnter(call)) {
            s.admitted();
            return s;
        }
        ctx.gate().enqueue(call, new WorkGate.Waiter() {
            @Override
            public void admitted() {
                s.admitted();
            }

            @Override
            public void refused(Status status) {
                s.refused();
                call.close(status);
            }
        });
        return s;
    }

    /** A session was admitted and starts. */
    void opened(StreamCall call) {
        live.add(call);
        open.incrementAndGet();
        metrics.opened();
        if (draining) { // the drain began while this session waited for its slot: it sees it too
            call.shutdown();
        }
    }

    /** A session that was {@link #opened} ended. */
    void closed(StreamCall call, StreamingMetrics.Outcome outcome) {
        live.remove(call);
        open.decrementAndGet();
        metrics.ended(outcome);
    }

    /** A session got no slot. */
    void rejected() {
        metrics.rejected();
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
