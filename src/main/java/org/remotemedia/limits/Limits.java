package org.remotemedia.limits;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.grpc.ErrorDetails;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.CallInterceptor;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.WorkGate;
import org.remotemedia.rpc.Workload;

/**
 * Every limit the daemon applies to calls, in one component:
 * <ul>
 *   <li>the drain: from {@link #beginDrain} new streaming sessions are refused (an open one would
 *       be closed at once); every other call the transport accepted before its final GOAWAY is
 *       still served, so a client loses none (later ones are refused by the GOAWAY itself, which
 *       clients retry transparently);</li>
 *   <li>per-peer authentication-failure throttling ({@link AuthFailureThrottle});</li>
 *   <li>per-identity token buckets: calls per second, and audio seconds per second (charged
 *       when the audio is known, refused while in debt);</li>
 *   <li>separate caps for ExecutePipeline calls and streaming sessions, each with a bounded FIFO
 *       wait queue ({@link SlotPool}); RetryInfo's delay follows the measured drain rate;</li>
 *   <li>shedding by measured pressure: the recent DSP queue delay, the engine's buffer-pool
 *       memory, and the direct memory of the transport's network buffers (frames read and not yet
 *       consumed, partial uploads among them; sampled by the timer, so a call reads one volatile
 *       field and no frame pays anything).</li>
 * </ul>
 * Two interceptors apply them before a call's handler starts ({@link #admission()} before
 * authentication, {@link #quota()} after it, once the identity is known); they answer with a
 * Status and {@code google.rpc} details (ErrorInfo, RetryInfo, QuotaFailure) and never close
 * the call themselves. The services take their slots through {@link WorkGate}.
 *
 * <p>Threads: the interceptors and gate run on event loops and DSP workers; one timer thread
 * ("rm-limits") times queue waits out and measures drain rates. Reloadable settings
 * ({@link #reload}) are one immutable snapshot behind a volatile field.
 */
public final class Limits implements WorkGate, AutoCloseable {
    /** ErrorInfo.domain of every rejection. */
    static final String DOMAIN = "remotemedia.v1";
    /** Identity of callers on a server without authentication. */
    public static final String ANONYMOUS = "anonymous";
    static final long TICK_MS = 50;
    /** Half-life of the measured DSP queue delay once no new measurement comes. */
    static final long DELAY_HALF_LIFE_NANOS = 250_000_000L;

    /** Why a call was refused (the {@code reason} label of the shed counter). */
    public enum Reason {
        DRAINING, EXECUTIONS_FULL, SESSIONS_FULL, QUEUE_TIMEOUT, DSP_QUEUE_DELAY, BUFFER_POOL_MEMORY, NETWORK_BUFFER_MEMORY,
        RATE_CALLS,
        RATE_AUDIO, AUTH_THROTTLED;

        final String label = name().toLowerCase(Locale.ROOT);
    }

    /** The reloadable part of the settings, with the state it implies (buckets, throttle). */
    private record Policy(ServerConfig.Limits cfg, long shedPoolBytes, long shedNetworkBytes, AuthFailureThrottle throttle,
            Map<String, TokenBucket> callBuckets, Map<String, TokenBucket> audioBuckets) {
    }

    private final SlotPool executions;
    private final SlotPool sessions;
    private final LongSupplier poolBytes;
    private final LongSupplier networkBytes;
    private final long directMemoryBytes;
    private final JsonLog log;
    private final Map<Reason, CounterDataPoint> shed = new EnumMap<>(Reason.class);
    private final ScheduledExecutorService timer;
    private final SlotPool.Refusals refusals = new SlotPool.Refusals() {
        @Override
        public Status queueTimeout(SlotPool pool, long waitedMs) {
            count(Reason.QUEUE_TIMEOUT);
            return ErrorDetails.of(StatusCode.UNAVAILABLE, "server overloaded: waited " + waitedMs + " ms for one of the "
                            + pool.max + " " + pool.name + " slots (" + pool.setting + "); limits.max_queue_wait_ms = "
                            + pool.maxWaitNanos / 1_000_000 + "; retry after " + pool.retryAfterMs()
                            + " ms, or spread the load over more servers")
                    .errorInfo("QUEUE_TIMEOUT", DOMAIN, Map.of("setting", "limits.max_queue_wait_ms"))
                    .retryAfterMillis(pool.retryAfterMs())
                    .build();
        }

        @Override
        public Status cancelled() {
            return Status.CANCELLED;
        }
    };
    private volatile Policy policy;
    private volatile boolean draining;
    private volatile long drainRetryAfterMs = 1000;
    // the network buffers' direct memory as of the last tick (reading the allocator locks its arenas)
    private volatile long networkBytesSample;
    // recent DSP queue delay: an exponentially weighted mean that decays while nothing is measured
    private double delayNanos;
    private long delayAtNanos;

    /**
     * @param poolBytes the engine's buffer-pool bytes in use (memory-pressure shedding)
     * @param directMemoryBytes the JVM's direct-memory limit ({@code limits.shed_pool_bytes: auto} takes 3/4)
     */
    public Limits(ServerConfig cfg, Metrics metrics, LongSupplier poolBytes, long directMemoryBytes, JsonLog log) {
        this(cfg, metrics, poolBytes, () -> 0, directMemoryBytes, log);
    }

    /**
     * @param poolBytes the engine's buffer-pool bytes in use (memory-pressure shedding)
     * @param networkBytes the direct memory the transport's network buffers hold; read by the timer
     *     every {@value #TICK_MS} ms, never on a call's path
     * @param directMemoryBytes the JVM's direct-memory limit ({@code limits.shed_pool_bytes: auto} takes
     *     3/4, {@code limits.shed_network_bytes: auto} 1/4)
     */
    public Limits(ServerConfig cfg, Metrics metrics, LongSupplier poolBytes, LongSupplier networkBytes,
            long directMemoryBytes, JsonLog log) {
        ServerConfig.Limits l = cfg.limits();
        this.executions = new SlotPool("execution", "execution.max_concurrent_executions",
                cfg.execution().maxConcurrentExecutions(), l.maxQueuedExecutions(), l.maxQueueWaitMs());
        this.sessions = new SlotPool("streaming session", "streaming.max_sessions", cfg.streaming().maxSessions(),
                l.maxQueuedSessions(), l.maxQueueWaitMs());
        this.poolBytes = poolBytes;
        this.networkBytes = networkBytes;
        this.directMemoryBytes = directMemoryBytes;
        this.log = log;
        this.policy = policy(l);
        sampleNetwork();
        Counter c = metrics.counter("limits_shed", "calls refused by a limit, by reason", "reason");
        for (Reason r : Reason.values()) {
            shed.put(r, c.labelValues(r.label));
        }
        metrics.gaugesOf("limits_in_flight", "slots taken: ExecutePipeline calls running, streaming sessions open",
                "workload", Map.of("execution", executions::inFlight, "session", sessions::inFlight));
        metrics.gaugesOf("limits_queued", "calls waiting for a slot (admission queue depth)", "workload",
                Map.of("execution", executions::queued, "session", sessions::queued));
        metrics.gaugesOf("limits_drain_rate", "measured slot completions per second (feeds RetryInfo)", "workload",
                Map.of("execution", executions::completionsPerSecond, "session", sessions::completionsPerSecond));
        metrics.gaugeOf("limits_dsp_queue_delay_seconds", "recent wait of a task for a DSP worker (pressure shedding)",
                () -> dspDelayNanos(System.nanoTime()) / 1e9);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "rm-limits");
            th.setDaemon(true);
            return th;
        });
        t.scheduleAtFixedRate(() -> tick(System.nanoTime()), TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        this.timer = t;
    }

    private Policy policy(ServerConfig.Limits l) {
        long shedPool = l.shedPoolBytes() < 0 ? directMemoryBytes / 4 * 3 : l.shedPoolBytes();
        return new Policy(l, shedPool, shedNetwork(l), new AuthFailureThrottle(l.authFailureLimit(), l.authFailureWindowMs(),
                l.authFailureBackoffMs()), new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
    }

    /**
     * Takes the reloadable settings (rates, throttling, shedding) from {@code l}, rebuilding only the
     * state whose settings changed: the auth-failure throttle (its peers' failures and back-offs) is
     * kept while the three {@code limits.auth_failure_*} stay the same; the call buckets while
     * {@code limits.rate_calls_*} stay the same, the audio buckets (debts included) while
     * {@code limits.rate_audio_seconds_*} do. A kept bucket map loses the identities not in
     * {@code identities} (tokens removed); a rebuilt one starts empty, so every bucket starts full.
     * A routine token rotation thus neither lifts a peer's back-off nor refills a bucket.
     *
     * @param identities the identities calls can have from now on (the token names; {@link #ANONYMOUS}
     *     without authentication)
     */
    public void reload(ServerConfig.Limits l, java.util.Set<String> identities) {
        Policy old = policy;
        ServerConfig.Limits was = old.cfg();
        long shedPool = l.shedPoolBytes() < 0 ? directMemoryBytes / 4 * 3 : l.shedPoolBytes();
        AuthFailureThrottle throttle = was.authFailureLimit() == l.authFailureLimit()
                && was.authFailureWindowMs() == l.authFailureWindowMs()
                && was.authFailureBackoffMs() == l.authFailureBackoffMs() ? old.throttle()
                : new AuthFailureThrottle(l.authFailureLimit(), l.authFailureWindowMs(), l.authFailureBackoffMs());
        Map<String, TokenBucket> calls = was.rateCallsPerSecond() == l.rateCallsPerSecond()
                && was.rateCallsBurst() == l.rateCallsBurst() ? old.callBuckets() : new ConcurrentHashMap<>();
        Map<String, TokenBucket> audio = was.rateAudioSecondsPerSecond() == l.rateAudioSecondsPerSecond()
                && was.rateAudioSecondsBurst() == l.rateAudioSecondsBurst() ? old.audioBuckets()
                : new ConcurrentHashMap<>();
        calls.keySet().retainAll(identities);
        audio.keySet().retainAll(identities);
        policy = new Policy(l, shedPool, shedNetwork(l), throttle, calls, audio);
    }

    /** {@code limits.shed_network_bytes}, auto resolved: 1/4 of direct memory (with the pool's 3/4, all of it). */
    private long shedNetwork(ServerConfig.Limits l) {
        return l.shedNetworkBytes() < 0 ? directMemoryBytes / 4 : l.shedNetworkBytes();
    }

    void tick(long nowNanos) {
        executions.tick(nowNanos, refusals);
        sessions.tick(nowNanos, refusals);
        sampleNetwork();
    }

    /** Reads the network buffers' direct memory for the next calls' shedding decision (timer thread). */
    void sampleNetwork() {
        if (policy.shedNetworkBytes() > 0) {
            try {
                networkBytesSample = networkBytes.getAsLong();
            } catch (RuntimeException e) {
                networkBytesSample = 0; // never shed on a figure that could not be read
            }
        } else {
            networkBytesSample = 0;
        }
    }

    // ------------------------------------------------------------------ interceptors

    /** Before authentication: the drain, and peers throttled for failing authentication. */
    public CallInterceptor admission() {
        return this::admit;
    }

    /** After authentication: per-identity rates, pressure, and full caps (the cheap early answer). */
    public CallInterceptor quota() {
        return this::checkQuota;
    }

    private Status admit(ServerCall call) {
        Workload w = call.workload();
        if (w == Workload.PROBE) {
            return null;
        }
        if (draining && w == Workload.SESSION) {
            return drainingStatus();
        }
        AuthFailureThrottle throttle = policy.throttle();
        if (throttle.enabled()) {
            long ms = throttle.blockedForMs(call.peerAddress(), System.nanoTime());
            if (ms > 0) {
                count(Reason.AUTH_THROTTLED);
                return ErrorDetails.of(StatusCode.RESOURCE_EXHAUSTED, "too many failed authentication attempts from "
                                + call.peerAddress() + ": refused for another " + ms + " ms (limits.auth_failure_limit"
                                + " failures within limits.auth_failure_window_ms); check the token the client sends")
                        .errorInfo("AUTH_THROTTLED", DOMAIN, Map.of("peer", call.peerAddress()))
                        .retryAfterMillis(ms)
                        .build();
            }
        }
        return null;
    }

    private Status checkQuota(ServerCall call) {
        Workload w = call.workload();
        if (w == Workload.PROBE) {
            return null;
        }
        Policy p = policy;
        ServerConfig.Limits l = p.cfg();
        long now = System.nanoTime();
        String id = call.identity() == null ? ANONYMOUS : call.identity();
        if (l.rateCallsPerSecond() > 0) {
            TokenBucket b = p.callBuckets().computeIfAbsent(id, k -> new TokenBucket(l.rateCallsPerSecond(),
                    burst(l.rateCallsBurst(), l.rateCallsPerSecond()), now));
            if (!b.tryTake(1, now)) {
                count(Reason.RATE_CALLS);
                return rateLimited(id, "calls", "at most " + fmt(b.ratePerSecond()) + " calls per second, burst "
                        + fmt(b.burst()) + " (limits.rate_calls_per_second, limits.rate_calls_burst)", b.millisUntil(1, now));
            }
        }
        if (w == Workload.LIGHT) {
            return null;
        }
        if (l.rateAudioSecondsPerSecond() > 0) {
            TokenBucket b = audioBucket(p, id, now);
            if (!b.solvent(now)) {
                count(Reason.RATE_AUDIO);
                return rateLimited(id, "audio", "at most " + fmt(b.ratePerSecond()) + " seconds of audio per second, burst "
                        + fmt(b.burst()) + " (limits.rate_audio_seconds_per_second, limits.rate_audio_seconds_burst)",
                        b.millisUntil(0, now));
            }
        }
        SlotPool pool = pool(w);
        long pool0 = p.shedPoolBytes();
        long inUse = poolBytes.getAsLong();
        if (pool0 > 0 && inUse > pool0) {
            count(Reason.BUFFER_POOL_MEMORY);
            return overloaded("memory pressure: the engine holds " + inUse + " bytes of audio buffers, over "
                    + pool0 + " (limits.shed_pool_bytes)", "BUFFER_POOL_MEMORY", "limits.shed_pool_bytes", pool);
        }
        long net0 = p.shedNetworkBytes();
        long net = networkBytesSample;
        if (net0 > 0 && net > net0) {
            count(Reason.NETWORK_BUFFER_MEMORY);
            return overloaded("memory pressure: network buffers (frames read, partial uploads) hold " + net
                    + " bytes of direct memory, over " + net0 + " (limits.shed_network_bytes)", "NETWORK_BUFFER_MEMORY",
                    "limits.shed_network_bytes", pool);
        }
        long shedDelayMs = l.shedDspQueueDelayMs();
        if (shedDelayMs > 0) {
            double delay = dspDelayNanos(now);
            if (delay > shedDelayMs * 1e6) {
                count(Reason.DSP_QUEUE_DELAY);
                return overloaded("DSP pressure: work waits " + Math.round(delay / 1e6) + " ms for a DSP worker, over "
                        + shedDelayMs + " ms (limits.shed_dsp_queue_delay_ms)", "DSP_QUEUE_DELAY",
                        "limits.shed_dsp_queue_delay_ms", pool);
            }
        }
        if (pool.full() && pool.queueFull()) {
            count(w == Workload.SESSION ? Reason.SESSIONS_FULL : Reason.EXECUTIONS_FULL);
            return full(pool);
        }
        return null;
    }

    private static double burst(double burst, double rate) {
        return burst > 0 ? burst : Math.max(1, rate);
    }

    private static TokenBucket audioBucket(Policy p, String id, long now) {
        ServerConfig.Limits l = p.cfg();
        return p.audioBuckets().computeIfAbsent(id, k -> new TokenBucket(l.rateAudioSecondsPerSecond(),
                burst(l.rateAudioSecondsBurst(), l.rateAudioSecondsPerSecond()), now));
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private Status rateLimited(String id, String quota, String what, long retryMs) {
        return ErrorDetails.of(StatusCode.RESOURCE_EXHAUSTED, "rate limit of identity '" + id + "': " + what
                        + "; retry after " + retryMs + " ms")
                .errorInfo("RATE_LIMITED", DOMAIN, Map.of("identity", id, "quota", quota))
                .retryAfterMillis(retryMs)
                .quotaFailure("identity:" + id, what)
                .build();
    }

    private Status overloaded(String why, String reason, String setting, SlotPool pool) {
        long retry = pool.retryAfterMs();
        return ErrorDetails.of(StatusCode.UNAVAILABLE, "server overloaded, " + why + "; retry after " + retry
                        + " ms, or spread the load over more servers")
                .errorInfo(reason, DOMAIN, Map.of("setting", setting))
                .retryAfterMillis(retry)
                .build();
    }

    private Status full(SlotPool pool) {
        long retry = pool.retryAfterMs();
        String what = "at most " + pool.max + " " + pool.name + "s at once and " + pool.maxQueue + " waiting";
        return ErrorDetails.of(StatusCode.UNAVAILABLE, "server overloaded: " + pool.inFlight() + " " + pool.name
                        + "s in flight (" + pool.setting + " = " + pool.max + ") and " + pool.queued() + " waiting ("
                        + queueSetting(pool) + " = " + pool.maxQueue + "); retry after " + retry
                        + " ms, or spread the load over more servers")
                .errorInfo(pool == sessions ? "TOO_MANY_SESSIONS" : "OVERLOADED", DOMAIN,
                        Map.of("limit", Integer.toString(pool.max), "setting", pool.setting))
                .retryAfterMillis(retry)
                .quotaFailure(pool.setting, what)
                .build();
    }

    private String queueSetting(SlotPool pool) {
        return pool == sessions ? "limits.max_queued_sessions" : "limits.max_queued_executions";
    }

    private Status drainingStatus() {
        count(Reason.DRAINING);
        long ms = drainRetryAfterMs;
        return ErrorDetails.of(StatusCode.UNAVAILABLE, "server is draining (shutting down) and takes no new streaming sessions: retry"
                        + " after " + ms + " ms, on another instance or once it has restarted")
                .errorInfo("DRAINING", DOMAIN, Map.of())
                .retryAfterMillis(ms)
                .build();
    }

    private void count(Reason r) {
        shed.get(r).inc();
    }

    private SlotPool pool(Workload w) {
        return w == Workload.SESSION ? sessions : executions;
    }

    // ------------------------------------------------------------------ WorkGate

    @Override
    public boolean tryEnter(ServerCall call) {
        Workload w = call.workload();
        return !(draining && w == Workload.SESSION) && pool(w).tryAcquire();
    }

    @Override
    public void enqueue(ServerCall call, Waiter waiter) {
        if (draining && call.workload() == Workload.SESSION) {
            waiter.refused(drainingStatus());
            return;
        }
        SlotPool pool = pool(call.workload());
        if (!pool.enqueue(new SlotPool.Waiting(call, waiter, System.nanoTime()))) {
            count(pool == sessions ? Reason.SESSIONS_FULL : Reason.EXECUTIONS_FULL);
            waiter.refused(full(pool));
        }
    }

    @Override
    public void exit(Workload workload) {
        pool(workload).release();
    }

    @Override
    public void chargeAudio(ServerCall call, double seconds) {
        Policy p = policy;
        if (p.cfg().rateAudioSecondsPerSecond() > 0 && seconds > 0) {
            long now = System.nanoTime();
            audioBucket(p, call.identity() == null ? ANONYMOUS : call.identity(), now).charge(seconds, now);
        }
    }

    @Override
    public synchronized void dspQueueDelay(long nanos) {
        long now = System.nanoTime();
        double decayed = decayed(now);
        delayNanos = decayed + 0.2 * (nanos - decayed);
        delayAtNanos = now;
    }

    private synchronized double dspDelayNanos(long now) {
        return decayed(now);
    }

    private double decayed(long now) {
        long dt = now - delayAtNanos;
        return dt <= 0 ? delayNanos : delayNanos * Math.pow(0.5, (double) dt / DELAY_HALF_LIFE_NANOS);
    }

    // ------------------------------------------------------------------ authentication failures

    /** A call from {@code peerAddress} failed authentication; enough of them start its back-off. */
    public void authFailed(String peerAddress) {
        if (policy.throttle().failed(peerAddress, System.nanoTime())) {
            log.warn("auth_throttled", null, "peer", peerAddress, "failures", policy.cfg().authFailureLimit(),
                    "window_ms", policy.cfg().authFailureWindowMs(), "backoff_ms", policy.cfg().authFailureBackoffMs());
        }
    }

    // ------------------------------------------------------------------ drain, readiness

    /**
     * From now on new streaming sessions are refused, queued ones too, with the hint
     * {@code retryAfterMs}; executions are still admitted and queued (the transport's GOAWAY
     * decides which calls a draining server serves: every one it accepted).
     */
    public void beginDrain(long retryAfterMs) {
        drainRetryAfterMs = Math.max(1, retryAfterMs);
        draining = true;
        sessions.refuseAll(drainingStatus());
    }

    @Override
    public Status drainRefusal() {
        return drainingStatus();
    }

    public boolean draining() {
        return draining;
    }

    /** Why new work would be refused now (for {@code /ready}), or null while the server takes work. */
    public String notReadyReason() {
        if (draining) {
            return "draining: the server is shutting down";
        }
        for (SlotPool pool : new SlotPool[] {executions, sessions}) {
            if (pool.full() && pool.queueFull()) {
                return "admission full: " + pool.inFlight() + " " + pool.name + "s in flight (" + pool.setting + " = "
                        + pool.max + ") and " + pool.queued() + " waiting (" + queueSetting(pool) + ")";
            }
        }
        Policy p = policy;
        long inUse = poolBytes.getAsLong();
        if (p.shedPoolBytes() > 0 && inUse > p.shedPoolBytes()) {
            return "memory pressure: " + inUse + " bytes of audio buffers in use, over " + p.shedPoolBytes()
                    + " (limits.shed_pool_bytes)";
        }
        long net = networkBytesSample;
        if (p.shedNetworkBytes() > 0 && net > p.shedNetworkBytes()) {
            return "memory pressure: network buffers hold " + net + " bytes of direct memory, over "
                    + p.shedNetworkBytes() + " (limits.shed_network_bytes)";
        }
        long shedDelayMs = p.cfg().shedDspQueueDelayMs();
        double delay = dspDelayNanos(System.nanoTime());
        if (shedDelayMs > 0 && delay > shedDelayMs * 1e6) {
            return "DSP pressure: work waits " + Math.round(delay / 1e6) + " ms for a DSP worker (limits.shed_dsp_queue_delay_ms = "
                    + shedDelayMs + ")";
        }
        return null;
    }

    public int executionsInFlight() {
        return executions.inFlight();
    }

    public int sessionsInFlight() {
        return sessions.inFlight();
    }

    public int maxExecutions() {
        return executions.max;
    }

    public int maxSessions() {
        return sessions.max;
    }

    /** The pool-memory threshold in force (auto resolved), 0 when off. */
    public long shedPoolBytes() {
        return policy.shedPoolBytes();
    }

    /** The network-buffer threshold in force (auto resolved), 0 when off. */
    public long shedNetworkBytes() {
        return policy.shedNetworkBytes();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
