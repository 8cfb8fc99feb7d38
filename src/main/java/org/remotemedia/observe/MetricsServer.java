package org.remotemedia.observe;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.HdrHistogram.Histogram;

/**
 * The metrics port: {@code /metrics} (Prometheus text) and {@code /latency} (HdrHistogram
 * percentile distributions in microseconds, one block per recorder).
 *
 * <p>Runs on its own single daemon thread, never on an event loop.
 */
public final class MetricsServer implements AutoCloseable {
    private final HTTPServer server;
    private final ExecutorService executor;

    private MetricsServer(HTTPServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static MetricsServer start(String host, int port, Metrics metrics) throws IOException {
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        });
        HTTPServer server = HTTPServer.builder()
                .hostname(host)
                .port(port)
                .registry(metrics.registry())
                .executorService(executor)
                .defaultHandler(exchange -> serveDefault(exchange, metrics))
                .buildAndStart();
        return new MetricsServer(server, executor);
    }

    public int port() {
        return server.getPort();
    }

    private static void serveDefault(HttpExchange exchange, Metrics metrics) throws IOException {
        String path = exchange.getRequestURI().getPath();
        byte[] body;
        int status = 200;
        if (path.equals("/latency")) {
            body = latencyText(metrics);
        } else {
            status = path.equals("/") ? 200 : 404;
            body = "remotemedia-server metrics: /metrics (Prometheus), /latency (HdrHistogram)\n"
                    .getBytes(StandardCharsets.UTF_8);
        }
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    static byte[] latencyText(Metrics metrics) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        for (LatencyRecorder r : metrics.latencies()) {
            Histogram h = r.cumulative();
            out.println("# " + r.name() + " (" + r.help() + "), values in microseconds, count=" + h.getTotalCount());
            if (h.getTotalCount() > 0) {
                h.outputPercentileDistribution(out, 5, 1000.0);
            }
            out.println();
        }
        return bytes.toByteArray();
    }

    @Override
    public void close() {
        server.close();
        executor.shutdownNow();
    }
}
