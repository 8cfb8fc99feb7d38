package org.remotemedia.daemon;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.limits.Limits;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.service.ServiceMetrics;
import org.remotemedia.transport.GrpcServer;

/**
 * The daemon's real wiring ({@link Services}: engine, DSP placement, auth and admission
 * interceptors, remotemedia.v1 services) on the real transport at 127.0.0.1:0, for one test,
 * with its log captured and a grpc-java channel to it.
 */
public final class TestDaemon implements AutoCloseable {
    private final Services services;
    private final GrpcServer server;
    private final Metrics metrics = new Metrics();
    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final ManagedChannel channel;
    private final JsonLog log;
    private Map<String, String> flat;

    private static Map<String, String> settings(String... settings) {
        Map<String, String> flat = new HashMap<>();
        flat.put("server.host", "127.0.0.1");
        flat.put("server.port", "0");
        flat.put("logging.level", "debug");
        for (int i = 0; i + 1 < settings.length; i += 2) {
            flat.put(settings[i], settings[i + 1]);
        }
        return flat;
    }

    private TestDaemon(NodeRegistry nodes, String... settings) throws Exception {
        flat = settings(settings);
        ServerConfig cfg = ServerConfig.from(flat);
        log = new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), JsonLog.Level.DEBUG);
        services = Services.create(cfg, metrics, log, nodes);
        server = GrpcServer.start(cfg, services.registry, metrics, log);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
                .maxInboundMessageSize(256 * 1024 * 1024).build();
    }

    /** Settings as key, value pairs, e.g. {@code "execution.dsp_mode", "workers"}. */
    public static TestDaemon start(String... settings) throws Exception {
        return new TestDaemon(NodeRegistry.builtin(), settings);
    }

    public static TestDaemon start(NodeRegistry nodes, String... settings) throws Exception {
        return new TestDaemon(nodes, settings);
    }

    public int port() {
        return server.port();
    }

    public ManagedChannel channel() {
        return channel;
    }

    public Metrics metrics() {
        return metrics;
    }

    public PipelineEngine engine() {
        return services.engine;
    }

    public Limits limits() {
        return services.limits;
    }

    /** The daemon's services (their reload, access log, readiness). */
    Services services() {
        return services;
    }

    public String dspMode() {
        return services.dsp.mode();
    }

    /** Admitted ExecutePipeline calls run inline (true) or on a DSP worker (false). */
    public long placed(boolean inline) {
        return services.context.metrics().placedCount(inline);
    }

    public long executions(ServiceMetrics.Outcome o) {
        return services.context.metrics().executions(o);
    }

    /**
     * What SIGHUP does in the daemon: the settings become {@code settings} (pairs, over the same
     * base as at start) and the services take the reloadable ones.
     */
    Services.Reload reload(String... settings) {
        Map<String, String> next = settings(settings);
        Services.Reload r = services.reload(ServerConfig.from(next), ServerConfig.effective(flat),
                ServerConfig.effective(next), log);
        flat = next;
        return r;
    }

    /** Starts the drain as SIGTERM would (the transport keeps serving until closed). */
    public void beginDrain(long graceMs) {
        services.beginDrain(graceMs);
    }

    /** Open connections on the server (closed ones leave at once). */
    public int connectionCount() {
        return server.connectionCount();
    }

    /**
     * What SIGTERM does in the daemon ({@code ServeCommand}): the services' drain, then the
     * transport's two-phase GOAWAY; returns when every call ended or the grace passed.
     */
    public void drainAndStop(long graceMs) throws InterruptedException {
        services.drain(0, graceMs);
        server.shutdown(graceMs);
    }

    public String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
        server.shutdown(0);
        services.close();
    }
}
