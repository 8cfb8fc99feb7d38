package org.remotemedia.daemon;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.remotemedia.auth.AuthInterceptor;
import org.remotemedia.auth.TokenSet;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.nodes.SileroVad;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.inference.Models;
import org.remotemedia.limits.Limits;
import org.remotemedia.observe.AccessLog;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.pipeline.EngineLimits;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.exec.DspExecutor;
import org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus;
import org.remotemedia.proto.v1.ExecutionProto;
import org.remotemedia.proto.v1.StreamingProto;
import org.remotemedia.rpc.CallNotes;
import org.remotemedia.rpc.CallObserver;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.service.PipelineService;
import org.remotemedia.service.ServiceContext;
import org.remotemedia.service.ServiceMetrics;
import org.remotemedia.service.stream.StreamingMetrics;
import org.remotemedia.service.stream.StreamingService;

/**
 * The one place that decides which services the daemon serves and builds what they share: the
 * engine (built-in nodes, one buffer pool, execution limits), where DSP runs (inline or
 * workers), the limits ({@link Limits}: drain, throttling, rates, caps and queues, shedding),
 * token authentication ({@link AuthInterceptor}), the access log, and the remotemedia.v1
 * services; then the standard services (health, reflection: {@link StandardServices}),
 * whose health follows {@link Readiness}.
 *
 * <p>Interceptors, in order: limits before authentication (drain, throttled peers), token
 * authentication (sets the identity), limits after it (per-identity rates, pressure, full caps).
 *
 * <p>Built once at start-up on the main thread; {@link #beginDrain} and {@link #close} are
 * called by the shutdown path, {@link #reload} by the SIGHUP path.
 */
final class Services implements AutoCloseable {
    /** How often grpc.health.v1 is brought in line with {@link Readiness} (admission can fill and empty fast). */
    static final long HEALTH_TICK_MS = 100;

    final ServerConfig cfg;
    final PipelineEngine engine;
    final DspExecutor dsp;
    final Limits limits;
    final AuthInterceptor auth;
    final AccessLog accessLog;
    final ServiceContext context;
    final StreamingService streaming;
    final MethodRegistry registry;
    final StandardServices standard;
    final Readiness readiness;
    private final ScheduledExecutorService healthTicker;
    private boolean healthServing = true;

    private Services(ServerConfig cfg, Metrics metrics, JsonLog log, PipelineEngine engine, Readiness readiness) {
        this.cfg = cfg;
        this.engine = engine;
        this.readiness = readiness;
        TokenSet tokens = TokenSet.from(cfg.auth());
        this.limits = new Limits(cfg, metrics, () -> engine.pool().inUseBytes(),
                org.remotemedia.transport.GrpcServer::networkBufferBytesInUse, directMemoryLimit(), log);
        this.auth = new AuthInterceptor(tokens, metrics, limits::authFailed);
        this.dsp = DspExecutor.from(cfg.execution());
        this.accessLog = new AccessLog(log.out(), cfg.logging().accessQueueLines(), cfg.logging().access(), metrics);
        BuildInfo build = BuildInfo.load();
        StreamingMetrics streamMetrics = new StreamingMetrics(metrics);
        this.context = ServiceContext.builder()
                .engine(engine)
                .dsp(dsp)
                .metrics(new ServiceMetrics(metrics))
                .log(log)
                .gate(limits)
                .debugErrors(cfg.execution().debugErrors())
                .buildInfo(build.version(), build.buildTimestamp())
                .supportedProtocols(List.of("v1"))
                .activeStreams(streamMetrics::active)
                .nodeTypes(engine.registry().names())
                .conclude();
        this.streaming = new StreamingService(context, cfg.streaming(), streamMetrics);
        metrics.gaugeOf("buffer_pool_bytes_in_use", "off-heap audio buffer bytes the engine holds now",
                () -> engine.pool().inUseBytes());
        metrics.gaugeOf("buffer_pool_bytes_allocated", "off-heap audio buffer bytes held from the JDK (in use plus"
                + " free blocks kept for reuse)", () -> engine.pool().allocatedBytes());
        metrics.counterOf("buffer_pool_allocations", "audio buffer blocks allocated from the JDK: acquisitions the"
                + " free lists could not serve (steady growth under steady load means churn)",
                () -> engine.pool().allocations());
        MethodRegistry.Builder b = MethodRegistry.builder();
        b.intercept(limits.admission());
        b.intercept(auth);
        b.intercept(limits.quota());
        b.observe(new CallObserver() {
            @Override
            public void callEnded(ServerCall call, StatusCode code, long nanos, long in, long out) {
                CallNotes n = call.notes();
                accessLog.log(call.requestId(), call.methodPath(), call.peer(), call.identity(), code.name(), nanos,
                        in, out, n.pipeline(), n.nodes(), n.chunksIn(), n.chunksOut());
            }

            @Override
            public void requestRefused(String requestId, String path, String peer, int httpStatus, StatusCode code,
                    long nanos) {
                accessLog.logRefused(requestId, path, peer, httpStatus, code.name(), nanos);
            }
        });
        new PipelineService(context).register(b);
        streaming.register(b);
        this.standard = StandardServices.register(b, List.of(
                ExecutionProto.getDescriptor().findServiceByName("PipelineExecutionService"),
                StreamingProto.getDescriptor().findServiceByName("StreamingPipelineService")));
        this.registry = b.build();
        standard.serving(registry);
        readiness.limits(limits::notReadyReason);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "rm-health");
            th.setDaemon(true);
            return th;
        });
        t.scheduleAtFixedRate(this::followReadiness, HEALTH_TICK_MS, HEALTH_TICK_MS, TimeUnit.MILLISECONDS);
        t.scheduleAtFixedRate(engine.pool()::trim, BufferPool.TRIM_INTERVAL_SECONDS, BufferPool.TRIM_INTERVAL_SECONDS,
                TimeUnit.SECONDS);
        this.healthTicker = t;
        log.info("services_ready", null, "dsp_mode", dsp.mode(), "worker_threads",
                dsp.threads(), "pin_workers", cfg.execution().pinWorkers(),
                "idle_strategy", cfg.execution().idleStrategy(), "auth", tokens.enabled() ? "tokens" : "off",
                "auth_tokens", tokens.size(), "max_concurrent_executions", limits.maxExecutions(),
                "max_sessions", limits.maxSessions(), "shed_pool_bytes", limits.shedPoolBytes(),
                "shed_network_bytes", limits.shedNetworkBytes(),
                "access_log", cfg.logging().access());
    }

    /** The JVM's direct-memory limit: -XX:MaxDirectMemorySize, or the heap limit when unset (the JVM's default). */
    static long directMemoryLimit() {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            long set = Long.parseLong(bean.getVMOption("MaxDirectMemorySize").getValue());
            return set > 0 ? set : Runtime.getRuntime().maxMemory();
        } catch (RuntimeException e) {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /**
     * grpc.health.v1 says what {@code /ready} says: NOT_SERVING while the server refuses new work.
     * The health ticker calls it, and the start-up path as soon as the phase changes.
     */
    synchronized void followReadiness() {
        boolean serving = readiness.notReadyReason() == null;
        if (serving != healthServing && readiness.phase() != Readiness.Phase.DRAINING) {
            healthServing = serving;
            ServingStatus s = serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
            standard.health().setStatus("", s);
            for (String service : registry.services()) {
                standard.health().setStatus(service, s);
            }
        }
    }

    /** With a private metrics registry and a log written on the caller's thread to stdout (tests of the wiring alone). */
    static Services create(ServerConfig cfg) {
        return create(cfg, new Metrics(), new JsonLog(System.out, JsonLog.Level.of(cfg.logging().level())));
    }

    /** The daemon's registry alone (tests). */
    static MethodRegistry registry(ServerConfig cfg) {
        return create(cfg).registry;
    }

    /** The built-in nodes, SileroVAD with the model of {@code models.silero_vad_path} if it loads. */
    static Services create(ServerConfig cfg, Metrics metrics, JsonLog log) {
        return create(cfg, metrics, log, nodeRegistry(cfg, log));
    }

    /**
     * The built-in nodes with the models loaded (once per process; ONNX Runtime shares the session).
     * A model that does not load is logged, and its node then fails validation with the reason.
     */
    static NodeRegistry nodeRegistry(ServerConfig cfg, JsonLog log) {
        Models models = Models.load(cfg.models());
        if (models.sileroLoaded()) {
            log.info("model_loaded", null, "node", SileroVad.NAME, "model", models.sileroStatus());
        } else {
            log.warn("model_unavailable", null, "node", SileroVad.NAME, "reason", models.sileroStatus());
        }
        return models.registry();
    }

    /** Services on an engine that exists already (the warm-up's throw-away services use the daemon's). */
    static Services create(ServerConfig cfg, Metrics metrics, JsonLog log, PipelineEngine engine) {
        return create(cfg, metrics, log, engine, serving());
    }

    static Services create(ServerConfig cfg, Metrics metrics, JsonLog log, PipelineEngine engine, Readiness readiness) {
        return new Services(cfg, metrics, log, engine, readiness);
    }

    /** With another node registry (tests add nodes that fail on purpose). */
    static Services create(ServerConfig cfg, Metrics metrics, JsonLog log, NodeRegistry nodes) {
        return new Services(cfg, metrics, log,
                new PipelineEngine(nodes, new BufferPool(), EngineLimits.from(cfg.execution())), serving());
    }

    private static Readiness serving() {
        Readiness r = new Readiness();
        r.phase(Readiness.Phase.SERVING);
        return r;
    }

    /**
     * The drain begins: readiness and health turn NOT_SERVING first (health watches end), then new
     * streaming sessions are refused with UNAVAILABLE + RetryInfo; open sessions and other calls
     * go on being served ({@link #drain} closes the sessions after the drain notice).
     */
    void beginDrain(long graceMs) {
        readiness.phase(Readiness.Phase.DRAINING);
        standard.beginDrain();
        limits.beginDrain(Math.max(1000, graceMs));
    }

    /**
     * SIGTERM's part before the transport drains: {@link #beginDrain}, then {@code noticeMs} of
     * serving as before (balancers see /ready 503), then open streaming sessions process what
     * they received, flush their tail and end with StreamClosed "server shutting down". Unary
     * calls are served until the transport's final GOAWAY, so a client loses none.
     */
    void drain(long noticeMs, long graceMs) throws InterruptedException {
        beginDrain(graceMs);
        Thread.sleep(noticeMs); // still serving: only new streaming sessions are refused
        streaming.beginDrain();
    }

    /**
     * SIGHUP: takes the reloadable settings of {@code next} (tokens, logging level and access log,
     * rates, throttling, shedding); returns what changed, and the settings that only a restart
     * applies. Throws {@link org.remotemedia.config.ConfigException} (nothing changed) when the
     * token file is bad.
     */
    Reload reload(ServerConfig next, Map<String, String> before, Map<String, String> after, JsonLog log) {
        TokenSet tokens = TokenSet.from(next.auth()); // throws before anything changes
        List<String> changed = new ArrayList<>();
        List<String> needRestart = new ArrayList<>();
        for (String key : after.keySet()) {
            if (!after.get(key).equals(before.get(key))) {
                (reloadable(key) ? changed : needRestart).add(key);
            }
        }
        TokenSet old = auth.tokens();
        auth.reload(tokens);
        log.setLevel(JsonLog.Level.of(next.logging().level()));
        accessLog.setEnabled(next.logging().access());
        // buckets and the auth-failure throttle carry over unless their own settings changed
        limits.reload(next.limits(), tokens.enabled() ? tokens.names() : java.util.Set.of(Limits.ANONYMOUS));
        List<String> added = new ArrayList<>(tokens.names());
        added.removeAll(old.names());
        List<String> removed = new ArrayList<>(old.names());
        removed.removeAll(tokens.names());
        java.util.Collections.sort(added);
        java.util.Collections.sort(removed);
        return new Reload(changed, needRestart, added, removed, tokens.size());
    }

    /** What a reload did. */
    record Reload(List<String> changed, List<String> needRestart, List<String> tokensAdded,
            List<String> tokensRemoved, int tokens) {
    }

    /** Settings a SIGHUP applies; the others need a restart. */
    static boolean reloadable(String key) {
        return key.startsWith("auth.") || key.equals("logging.level") || key.equals("logging.access")
                || key.startsWith("limits.rate_") || key.startsWith("limits.auth_failure_")
                || key.startsWith("limits.shed_");
    }

    /** Stops the DSP workers and timers (after the transport has finished or cancelled every call). */
    @Override
    public void close() {
        healthTicker.shutdownNow();
        streaming.close();
        dsp.close();
        limits.close();
        accessLog.close();
    }
}
