package org.remotemedia.daemon;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import org.remotemedia.config.ConfigException;
import org.remotemedia.config.ConfigLoader;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.Dashboard;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.observe.MetricsServer;
import org.remotemedia.observe.RecentHistory;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.transport.GrpcServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code remotemedia serve}: config, then metrics server ({@code /ready} says "warming up"),
 * then services, warm-up, and the gRPC transport; runs until SIGTERM / SIGINT, then drains
 * (readiness off first, then two-phase GOAWAY, calls finish within {@code server.drain_grace_ms},
 * the rest are cancelled) and exits 0. SIGHUP reloads the token file and the other reloadable
 * settings without touching connections.
 *
 * <p>Exit codes: 0 clean shutdown, 2 invalid configuration, 3 a port could not be bound,
 * 1 any other start-up failure.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the gRPC daemon.", "",
            "Settings, in rising precedence: defaults < --config file < environment (RM_<SECTION>_<KEY>, and GRPC_HOST,"
                    + " GRPC_PORT, AUTH_TOKENS_FILE, MAX_TIMEOUT_MS, MAX_MEMORY_BYTES, MAX_CONCURRENT_EXECUTIONS,"
                    + " LOG_LEVEL) < --set < the flags below. Every setting: docs/configuration.md.", ""},
        footer = {"", "Signals: TERM/INT drain and exit 0; HUP reloads tokens and the reloadable settings.",
            "Exit codes: 0 stopped after a drain, 1 start-up failure, 2 invalid configuration, 3 port in use."})
final class ServeCommand implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_CONFIG = 2;
    static final int EXIT_BIND = 3;

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file (e.g. /etc/remotemedia/server.yaml).")
    Path config;

    @Option(names = "--port", paramLabel = "N", description = "gRPC port (server.port; 0 = any free port).")
    String port;

    @Option(names = "--metrics-port", paramLabel = "N", description = "Metrics / health port (server.metrics_port).")
    String metricsPort;

    @Option(names = "--bind", paramLabel = "ADDR", description = "gRPC listen address (server.host).")
    String bind;

    @Option(names = "--metrics-bind", paramLabel = "ADDR", description = "Metrics listen address (server.metrics_host).")
    String metricsBind;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any setting, e.g. --set limits.rate_calls_per_second=50 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--print-config", description = "Print the configuration in force as YAML (secrets redacted) and exit.")
    boolean printConfig;

    /** The environment the settings come from (tests replace it). */
    Map<String, String> env = System.getenv();

    private Map<String, String> flags() {
        Map<String, String> f = new LinkedHashMap<>();
        if (port != null) {
            f.put("--port", "server.port=" + port);
        }
        if (metricsPort != null) {
            f.put("--metrics-port", "server.metrics_port=" + metricsPort);
        }
        if (bind != null) {
            f.put("--bind", "server.host=" + bind);
        }
        if (metricsBind != null) {
            f.put("--metrics-bind", "server.metrics_host=" + metricsBind);
        }
        return f;
    }

    /** The settings from every source, or null after printing each problem on one line of stderr. */
    private ConfigLoader.Sources sources(PrintWriter err) {
        try {
            ConfigLoader.Sources s = ConfigLoader.sources(config, env, overrides, flags());
            org.remotemedia.auth.TokenSet.from(s.config().auth()); // a bad token file stops the start before any port opens
            return s;
        } catch (ConfigException e) {
            for (String p : e.problems()) {
                err.println("remotemedia: invalid setting: " + p);
            }
            err.flush();
            return null;
        }
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ConfigLoader.Sources sources = sources(err);
        if (sources == null) {
            return EXIT_CONFIG;
        }
        ServerConfig cfg = sources.config();
        if (printConfig) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(ServerConfig.toYaml(sources.values()));
            out.flush();
            return EXIT_OK;
        }
        JsonLog log = JsonLog.stdout(cfg.logging().level());
        try {
            return serve(cfg, sources, log, err);
        } finally {
            log.close(); // the log's writer thread holds the last lines (stopped, startup_failed)
        }
    }

    /** Starts the daemon, then waits for signals: HUP reloads, TERM / INT drain and end. */
    private int serve(ServerConfig cfg, ConfigLoader.Sources sources, JsonLog log, PrintWriter err) {
        // TERM / INT end the wait below; the drain then runs on this thread and the process exits 0
        // (a JVM shutdown hook could not choose the exit code). HUP reloads. The handlers are set
        // before start-up: a signal sent as soon as "started" is logged must not meet the JVM's default.
        LinkedBlockingQueue<String> signals = new LinkedBlockingQueue<>();
        String[] names = {"TERM", "INT", "HUP"};
        sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[names.length];
        sun.misc.SignalHandler enqueue = sig -> signals.add(sig.getName());
        List<String> wasIgnored = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            sun.misc.Signal signal = new sun.misc.Signal(names[i]);
            previous[i] = sun.misc.Signal.handle(signal, enqueue);
            // An inherited "ignore" makes the JVM decline the handler silently. INT stays ignored:
            // that is how a shell keeps Ctrl-C away from its background jobs.
            if (previous[i] == sun.misc.SignalHandler.SIG_IGN && !names[i].equals("INT")) {
                if (InheritedSignals.restoreDefault(signal.getNumber())) {
                    sun.misc.Signal.handle(signal, enqueue);
                    wasIgnored.add(names[i]);
                } else {
                    log.warn("signal_ignored", null, "signal", names[i], "note",
                            "inherited as ignored and could not be reset; it has no effect on this server");
                }
            }
        }
        if (!wasIgnored.isEmpty()) {
            log.info("signals_reset", null, "signals", String.join(",", wasIgnored), "note",
                    "inherited as ignored (e.g. nohup); the server handles them as documented");
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(cfg, log);
        } catch (ConfigException e) { // e.g. an unreadable or plaintext auth.tokens_file
            for (String p : e.problems()) {
                err.println("remotemedia: invalid setting: " + p);
            }
            err.flush();
            return restoreSignals(names, previous, EXIT_CONFIG);
        } catch (BindException e) {
            log.error("startup_failed", null, "reason", "port in use or not bindable", "detail", e.getMessage(),
                    "grpc_port", cfg.server().port(), "metrics_port", cfg.server().metricsPort());
            return restoreSignals(names, previous, EXIT_BIND);
        } catch (Exception e) {
            log.error("startup_failed", null, "error", e.toString());
            return restoreSignals(names, previous, EXIT_FAILURE);
        }
        while (true) {
            String sig;
            try {
                sig = signals.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                sig = "INT";
            }
            if (sig.equals("HUP")) {
                sources = reload(daemon, sources, log);
                continue;
            }
            log.info("signal_received", null, "signal", sig, "action", "drain", "notice_ms",
                    cfg.server().drainNoticeMs(), "grace_ms", cfg.server().drainGraceMs());
            daemon.close(cfg.server().drainNoticeMs(), cfg.server().drainGraceMs());
            return EXIT_OK;
        }
    }

    /** SIGHUP: the same sources read again; a bad result keeps everything as it was and says why. */
    private ConfigLoader.Sources reload(Daemon daemon, ConfigLoader.Sources current, JsonLog log) {
        ConfigLoader.Sources next;
        ServerConfig cfg;
        Services.Reload r;
        try {
            next = ConfigLoader.sources(config, env, overrides, flags());
            cfg = next.config();
            r = daemon.services.reload(cfg, ServerConfig.effective(current.values()),
                    ServerConfig.effective(next.values()), log);
        } catch (ConfigException e) {
            log.error("reload_failed", null, "signal", "HUP", "kept", "the previous settings and tokens",
                    "problems", String.join("; ", e.problems()));
            return current;
        }
        log.info("reloaded", null, "signal", "HUP", "changed", String.join(",", r.changed()), "tokens", r.tokens(),
                "tokens_added", String.join(",", r.tokensAdded()), "tokens_removed", String.join(",", r.tokensRemoved()));
        if (!r.needRestart().isEmpty()) {
            log.warn("reload_needs_restart", null, "settings", String.join(",", r.needRestart()),
                    "note", "these changed in the configuration but apply only after a restart");
        }
        return next;
    }

    /** Gives the process its previous signal handlers back (start-up failed; matters for in-process runs). */
    private static int restoreSignals(String[] names, sun.misc.SignalHandler[] previous, int exitCode) {
        for (int i = 0; i < names.length; i++) {
            sun.misc.Signal.handle(new sun.misc.Signal(names[i]), previous[i]);
        }
        return exitCode;
    }

    /** The running parts, in start order; closed in reverse. */
    static final class Daemon {
        final MetricsServer metricsServer;
        final Services services;
        final GrpcServer grpc;
        final JsonLog log;
        final Readiness readiness;
        final RecentHistory history;

        private Daemon(MetricsServer metricsServer, Services services, GrpcServer grpc, JsonLog log,
                Readiness readiness, RecentHistory history) {
            this.metricsServer = metricsServer;
            this.services = services;
            this.grpc = grpc;
            this.log = log;
            this.readiness = readiness;
            this.history = history;
        }

        static Daemon start(ServerConfig cfg, JsonLog log) throws Exception {
            Metrics metrics = new Metrics(cfg.metrics().latencyWindowSeconds(), cfg.metrics().perCallLatency())
                    .withJvmMetrics();
            metrics.counterOf("log_lines_dropped", "event log lines dropped because stdout was slower than the events"
                    + " (the access log counts its own)", log::dropped);
            Readiness readiness = new Readiness();
            // sampled from when the gRPC port opens (start() below); until then /history is empty
            RecentHistory history = new RecentHistory(RecentHistory.fromCallsCounter(metrics, GrpcServer.CALLS_COUNTER),
                    RecentHistory.DEFAULT_INTERVALS);
            Map<String, MetricsServer.Route> routes = new LinkedHashMap<>();
            routes.put("/health", q -> MetricsServer.Page.text(200, "ok: the process runs\n"));
            routes.put("/ready", q -> {
                String why = readiness.notReadyReason();
                return why == null ? MetricsServer.Page.text(200, "ready\n")
                        : MetricsServer.Page.text(503, "not ready: " + why + "\n");
            });
            routes.putAll(new Dashboard(history, metrics.windowSeconds()).routes());
            MetricsServer ms;
            try {
                ms = MetricsServer.start(cfg.server().metricsHost(), cfg.server().metricsPort(), metrics, routes);
            } catch (IOException e) {
                throw bindError("metrics", cfg.server().metricsPort(), e);
            }
            log.info("metrics_listening", null, "metrics_port", ms.port(), "paths",
                    "/metrics /latency " + String.join(" ", routes.keySet()));
            HeapTarget.apply(log);
            Services services;
            try {
                services = Services.create(cfg, metrics, log, new PipelineEngine(
                        Services.nodeRegistry(cfg, log), new org.remotemedia.buffer.BufferPool(),
                        org.remotemedia.pipeline.EngineLimits.from(cfg.execution())), readiness);
            } catch (RuntimeException e) {
                ms.close();
                throw e;
            }
            warnIfOpen(cfg, services.auth.tokens().enabled(), log);
            // before the warm-up, so it runs the leak detector the network connections will
            GrpcServer.applyLeakDetection(cfg.transport().leakDetection(), log);
            warmUp(services, cfg, log);
            MethodRegistry registry = services.registry;
            GrpcServer grpc;
            try {
                grpc = GrpcServer.start(cfg, registry, metrics, log);
            } catch (Exception e) {
                services.close();
                ms.close();
                if (e instanceof BindException) {
                    throw bindError("gRPC", cfg.server().port(), e);
                }
                throw e;
            }
            readiness.phase(Readiness.Phase.SERVING);
            services.followReadiness(); // health says SERVING before "started" is logged
            history.start();
            log.info("started", null, "grpc_port", grpc.port(), "metrics_port", ms.port(), "transport",
                    grpc.isEpoll() ? "epoll" : "nio", "tls", cfg.transport().tlsEnabled(),
                    "version", BuildInfo.load().version());
            return new Daemon(ms, services, grpc, log, readiness, history);
        }

        /** A loud warning when anyone who reaches the port may call without a token. */
        static void warnIfOpen(ServerConfig cfg, boolean authOn, JsonLog log) {
            if (authOn) {
                return;
            }
            boolean loopback;
            try {
                loopback = InetAddress.getByName(cfg.server().host()).isLoopbackAddress();
            } catch (IOException e) {
                loopback = false;
            }
            if (!loopback) {
                log.warn("auth_disabled_on_public_address", null, "host", cfg.server().host(), "port",
                        cfg.server().port(), "warning", "AUTHENTICATION IS OFF and the gRPC port listens on "
                                + cfg.server().host() + ": anyone who can reach it can run pipelines. Set"
                                + " auth.tokens_file (remotemedia token new NAME makes a token), or bind to 127.0.0.1");
            }
        }

        /**
         * Before the port opens: a port that accepts calls answers them at full speed. First the
         * engine: the resampler's kernels are always warmed whole (its own check of compiled
         * speed), the other node types for about {@code warmup_ms}. Then the request path: up to
         * {@code warmup_ms} of ExecutePipeline calls through the HTTP/2 codec in memory
         * ({@link ServiceWarmUp}).
         */
        private static void warmUp(Services services, ServerConfig cfg, JsonLog log) {
            long millis = cfg.execution().warmupMs();
            if (millis <= 0) {
                return;
            }
            try {
                warmUpOrThrow(services, cfg, millis, log);
            } catch (RuntimeException e) { // an optimisation: the daemon starts without it
                log.warn("warmup_failed", null, "error", e.toString());
            }
        }

        private static void warmUpOrThrow(Services services, ServerConfig cfg, long millis, JsonLog log) {
            long t0 = System.nanoTime();
            PipelineEngine.WarmUp w = services.engine.warmUp(millis);
            log.info("warmup_done", null, "process_calls", w.processCalls(), "ms", (System.nanoTime() - t0) / 1_000_000);
            for (String d : w.dropped()) {
                log.warn("warmup_node_dropped", null, "node", d);
            }
            ServiceWarmUp.Result r = ServiceWarmUp.run(cfg, services.engine, millis);
            log.info("warmup_service_done", null, "calls", r.calls(), "failed", r.failed(), "ms", r.millis());
            if (r.failed() > 0) {
                log.warn("warmup_calls_failed", null, "failed", r.failed(), "first_failure", r.firstFailure(),
                        "note", "warm-up calls through the in-memory connection should all succeed; the daemon"
                                + " starts anyway");
            }
        }

        private static BindException bindError(String what, int port, Exception e) {
            BindException b = new BindException(what + " port " + port + ": " + e.getMessage());
            b.initCause(e);
            return b;
        }

        /**
         * Readiness and health off first; {@code noticeMs} later (balancers have seen it) open
         * sessions end and the transport drains; then the rest in reverse start order.
         */
        void close(long noticeMs, long graceMs) {
            try {
                services.drain(noticeMs, graceMs);
                grpc.shutdown(graceMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            services.close();
            history.close();
            metricsServer.close();
            log.info("stopped", null);
        }
    }
}
