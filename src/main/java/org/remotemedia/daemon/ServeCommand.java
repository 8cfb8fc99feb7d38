package org.remotemedia.daemon;

import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.remotemedia.config.ConfigException;
import org.remotemedia.config.ConfigLoader;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.observe.MetricsServer;
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
        Daemon daemon;
        AtomicReference<Services> services = new AtomicReference<>();
        try {
            daemon = Daemon.start(cfg, log, metrics -> {
                Services s = Services.create(cfg, metrics);
                services.set(s);
                return s.registry;
            });
        } catch (BindException e) {
            log.error("startup_failed", null, "reason", "port in use or not bindable", "detail", e.getMessage(),
                    "grpc_port", cfg.server().port(), "metrics_port", cfg.server().metricsPort());
            return EXIT_BIND;
        } catch (Exception e) {
            log.error("startup_failed", null, "error", e.toString());
            return EXIT_FAILURE;
        }
        // SIGTERM / SIGINT end the wait below; the drain then runs on this thread and the
        // process exits 0 (a JVM shutdown hook could not choose the exit code)
        CountDownLatch signalled = new CountDownLatch(1);
        String[] received = new String[1];
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                received[0] = sig.getName();
                signalled.countDown();
            });
        }
        try {
            signalled.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("signal_received", null, "signal", received[0], "action", "drain", "grace_ms",
                cfg.server().drainGraceMs());
        services.get().beginDrain(); // health: NOT_SERVING before the GOAWAYs
        daemon.close(cfg.server().drainGraceMs());
        return EXIT_OK;
    }

    /** The running parts, in start order; closed in reverse. */
    static final class Daemon {
        final MetricsServer metricsServer;
        final GrpcServer grpc;
        final JsonLog log;

        private Daemon(MetricsServer metricsServer, GrpcServer grpc, JsonLog log) {
            this.metricsServer = metricsServer;
            this.grpc = grpc;
            this.log = log;
        }

        /** Start-up order: metrics server, method registry (may register metrics), gRPC transport. */
        static Daemon start(ServerConfig cfg, JsonLog log, Function<Metrics, MethodRegistry> registryFactory)
                throws Exception {
            Metrics metrics = new Metrics();
            MetricsServer ms;
            try {
                ms = MetricsServer.start(cfg.server().metricsHost(), cfg.server().metricsPort(), metrics);
            } catch (IOException e) {
                throw bindError("metrics", cfg.server().metricsPort(), e);
            }
            GrpcServer grpc;
            try {
                MethodRegistry registry = registryFactory.apply(metrics);
                grpc = GrpcServer.start(cfg, registry, metrics, log);
            } catch (Exception e) {
                ms.close();
                if (e instanceof BindException) {
                    throw bindError("gRPC", cfg.server().port(), e);
                }
                throw e;
            }
            log.info("started", null, "grpc_port", grpc.port(), "metrics_port", ms.port(), "transport",
                    grpc.isEpoll() ? "epoll" : "nio", "tls", cfg.transport().tlsEnabled(),
                    "version", BuildInfo.load().version());
            return new Daemon(ms, grpc, log);
        }

        private static BindException bindError(String what, int port, Exception e) {
            BindException b = new BindException(what + " port " + port + ": " + e.getMessage());
            b.initCause(e);
            return b;
        }

        void close(long graceMs) {
            try {
                grpc.shutdown(graceMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            metricsServer.close();
            log.info("stopped", null);
        }
    }
}
