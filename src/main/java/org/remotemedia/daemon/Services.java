package org.remotemedia.daemon;

import java.util.List;
import org.remotemedia.auth.TokenAuthenticator;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.limits.Admission;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.pipeline.EngineLimits;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.exec.DspExecutor;
import org.remotemedia.proto.v1.ExecutionProto;
import org.remotemedia.proto.v1.StreamingProto;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.service.ExecutionGate;
import org.remotemedia.service.PipelineService;
import org.remotemedia.service.ServiceContext;
import org.remotemedia.service.ServiceMetrics;
import org.remotemedia.service.StatusDetails;
import org.remotemedia.service.stream.StreamingMetrics;
import org.remotemedia.service.stream.StreamingService;

/**
 * The one place that decides which services the daemon serves and builds what they share: the
 * engine (built-in nodes, one buffer pool, execution limits), where DSP runs (inline or
 * workers), admission ({@link Admission}) and bearer-token auth ({@link TokenAuthenticator}),
 * both adapted here to rpc interceptors, and the remotemedia.v1 services; then the standard
 * services (health, reflection: {@link StandardServices}) describing all of them.
 *
 * <p>Built once at start-up on the main thread; {@link #beginDrain} and {@link #close} are
 * called by the shutdown path.
 */
final class Services implements AutoCloseable {
    final ServerConfig cfg;
    final PipelineEngine engine;
    final DspExecutor dsp;
    final Admission admission;
    final TokenAuthenticator auth;
    final ServiceContext context;
    final StreamingService streaming;
    final MethodRegistry registry;
    final StandardServices standard;

    private Services(ServerConfig cfg, Metrics metrics, JsonLog log, PipelineEngine engine) {
        this.cfg = cfg;
        this.engine = engine;
        this.auth = TokenAuthenticator.from(cfg.auth());
        this.admission = Admission.from(cfg.execution());
        this.dsp = DspExecutor.from(cfg.execution());
        BuildInfo build = BuildInfo.load();
        StreamingMetrics streamMetrics = new StreamingMetrics(metrics);
        this.context = ServiceContext.builder()
                .engine(engine)
                .dsp(dsp)
                .metrics(new ServiceMetrics(metrics))
                .log(log)
                .gate(gate(admission))
                .debugErrors(cfg.execution().debugErrors())
                .build(build.version(), build.buildTimestamp())
                .supportedProtocols(List.of("v1"))
                .activeStreams(streamMetrics::active)
                .nodeTypes(engine.registry().names())
                .conclude();
        this.streaming = new StreamingService(context, cfg.streaming(), streamMetrics);
        MethodRegistry.Builder b = MethodRegistry.builder();
        b.intercept(new AuthInterceptor(auth));
        b.intercept(new AdmissionInterceptor(admission));
        new PipelineService(context).register(b);
        streaming.register(b);
        this.standard = StandardServices.register(b, List.of(
                ExecutionProto.getDescriptor().findServiceByName("PipelineExecutionService"),
                StreamingProto.getDescriptor().findServiceByName("StreamingPipelineService")));
        this.registry = b.build();
        standard.serving(registry);
        log.info("services_ready", null, "dsp_mode", dsp.mode(), "worker_threads",
                dsp.threads(), "pin_workers", cfg.execution().pinWorkers(),
                "idle_strategy", cfg.execution().idleStrategy(), "auth", auth.enabled() ? "bearer" : "off",
                "auth_tokens", auth.tokenCount(), "max_concurrent_executions", admission.maxInFlight());
    }

    /** With a private metrics registry and a stdout log (tests of the wiring alone). */
    static Services create(ServerConfig cfg) {
        return create(cfg, new Metrics(), JsonLog.stdout(cfg.logging().level()));
    }

    /** The daemon's registry alone (tests). */
    static MethodRegistry registry(ServerConfig cfg) {
        return create(cfg).registry;
    }

    static Services create(ServerConfig cfg, Metrics metrics, JsonLog log) {
        return create(cfg, metrics, log, NodeRegistry.builtin());
    }

    /** Services on an engine that exists already (the warm-up's throw-away services use the daemon's). */
    static Services create(ServerConfig cfg, Metrics metrics, JsonLog log, PipelineEngine engine) {
        return new Services(cfg, metrics, log, engine);
    }

    /** With another node registry (tests add nodes that fail on purpose). */
    static Services create(ServerConfig cfg, Metrics metrics, JsonLog log, NodeRegistry nodes) {
        return new Services(cfg, metrics, log,
                new PipelineEngine(nodes, new BufferPool(), EngineLimits.from(cfg.execution())));
    }

    /** The admission slots, seen by the service as an {@link ExecutionGate}. */
    static ExecutionGate gate(Admission admission) {
        return new ExecutionGate() {
            @Override
            public boolean tryEnter() {
                return admission.tryAcquire();
            }

            @Override
            public void exit() {
                admission.release();
            }

            @Override
            public StatusDetails.Rejection rejection() {
                return admission.draining() ? StatusDetails.draining(admission.drainRetryAfterMs())
                        : StatusDetails.overloaded(admission.maxInFlight(), admission.retryAfterMs());
            }
        };
    }

    /**
     * The drain begins: health turns NOT_SERVING and ends its watches, new streaming sessions are
     * refused with UNAVAILABLE + RetryInfo and open ones are closed with StreamClosed "server
     * shutting down"; other calls go on being served until the transport's final GOAWAY.
     */
    void beginDrain(long graceMs) {
        standard.beginDrain();
        admission.beginDrain(Math.max(1000, graceMs));
        streaming.beginDrain();
    }

    /** Stops the DSP workers (after the transport has finished or cancelled every call). */
    @Override
    public void close() {
        streaming.close();
        dsp.close();
    }
}
