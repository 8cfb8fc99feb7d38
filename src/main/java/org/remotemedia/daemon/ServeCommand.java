package org.remotemedia.daemon;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.remotemedia.config.ConfigException;
import org.remotemedia.config.ConfigLoader;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.observe.MetricsServer;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.transport.GrpcServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code remotemedia serve}: config, then metrics server, then method registry, then the gRPC
 * transport; runs until SIGTERM / SIGINT, then drains (two-phase GOAWAY, calls finish within
 * {@code server.drain_grace_ms}, the rest are cancelled) and exits 0.
 *
 * <p>Exit codes: 0 clean shutdown, 2 invalid configuration, 3 a port could not be bound,
 * 1 any other start-up failure.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gRPC daemon.")
final class ServeCommand implements Callable<Integer> {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_CONFIG = 2;
    static final int EXIT_BIND = 3;

    @Option(names = "--config", description = "YAML configuration file (see docs/configuration.md).")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one setting, e.g. server.port=6000.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        ServerConfig cfg;
        try {
            cfg = ConfigLoader.load(config, System.getenv(), overrides);
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return EXIT_CONFIG;
        }
        JsonLog log = JsonLog.stdout(cfg.logging().level());
        // SIGTERM / SIGINT end the wait below; the drain then runs on this thread and the process
        // exits 0 (a JVM shutdown hook could not choose the exit code). The handlers are set before
        // start-up: a signal sent as soon as "started" is logged must not meet the JVM's default.
        CountDownLatch signalled = new CountDownLatch(1);
        String[] received = new String[1];
        String[] names = {"TERM", "INT"};
        sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[names.length];
        for (int i = 0; i < names.length; i++) {
            previous[i] = sun.misc.Signal.handle(new sun.misc.Signal(names[i]), sig -> {
                received[0] = sig.getName();
                signalled.countDown();
            });
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(cfg, log);
        } catch (ConfigException e) { // e.g. an unreadable auth.tokens_file
            System.err.println(e.getMessage());
            return restoreSignals(names, previous, EXIT_CONFIG);
        } catch (BindException e) {
            log.error("startup_failed", null, "reason", "port in use or not bindable", "detail", e.getMessage(),
                    "grpc_port", cfg.server().port(), "metrics_port", cfg.server().metricsPort());
            return restoreSignals(names, previous, EXIT_BIND);
        } catch (Exception e) {
            log.error("startup_failed", null, "error", e.toString());
            return restoreSignals(names, previous, EXIT_FAILURE);
        }
        try {
            signalled.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("signal_received", null, "signal", received[0], "action", "drain", "grace_ms",
                cfg.server().drainGraceMs());
        daemon.close(cfg.server().drainGraceMs());
        return EXIT_OK;
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

        private Daemon(MetricsServer metricsServer, Services services, GrpcServer grpc, JsonLog log) {
            this.metricsServer = metricsServer;
            this.services = services;
            this.grpc = grpc;
            this.log = log;
        }

        static Daemon start(ServerConfig cfg, JsonLog log) throws Exception {
            Metrics metrics = new Metrics();
            MetricsServer ms;
            try {
                ms = MetricsServer.start(cfg.server().metricsHost(), cfg.server().metricsPort(), metrics);
            } catch (IOException e) {
                throw bindError("metrics", cfg.server().metricsPort(), e);
            }
            Services services;
            try {
                services = Services.create(cfg, metrics, log);
            } catch (RuntimeException e) {
                ms.close();
                throw e;
            }
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
            log.info("started", null, "grpc_port", grpc.port(), "metrics_port", ms.port(), "transport",
                    grpc.isEpoll() ? "epoll" : "nio", "tls", cfg.transport().tlsEnabled(),
                    "version", BuildInfo.load().version());
            return new Daemon(ms, services, grpc, log);
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

        void close(long graceMs) {
            services.beginDrain(graceMs);
            try {
                grpc.shutdown(graceMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            services.close();
            metricsServer.close();
            log.info("stopped", null);
        }
    }
}
