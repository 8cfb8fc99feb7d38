package org.remotemedia.observe;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.HdrHistogram.Histogram;

/**
 * The metrics port: {@code /metrics} (Prometheus text, or protobuf with native histograms when
 * the scraper asks for it), {@code /latency} (HdrHistogram percentile distributions in the
 * {@code .hgrm} text format) and the pages the daemon adds as {@link Route}s ({@code /health},
 * {@code /ready}, ...): one map entry per path, so a page is one line to add.
 *
 * <p>Runs on its own single daemon thread, never on an event loop.
 */
public final class MetricsServer implements AutoCloseable {
    /** One page: answers a GET of its path. Runs on the metrics thread. */
    @FunctionalInterface
    public interface Route {
        Page serve(Map<String, String> query) throws IOException;
    }

    /** What a route answers. */
    public record Page(int status, String contentType, byte[] body) {
        public static Page text(int status, String text) {
            return new Page(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private final HTTPServer server;
    private final ExecutorService executor;

    private MetricsServer(HTTPServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    public static MetricsServer start(String host, int port, Metrics metrics) throws IOException {
        return start(host, port, metrics, Map.of());
    }

    /** Serves {@code /metrics}, {@code /latency} and {@code routes} (path -> page) on {@code host:port}. */
    public static MetricsServer start(String host, int port, Metrics metrics, Map<String, Route> routes)
            throws IOException {
        Map<String, Route> all = new LinkedHashMap<>();
        all.put("/latency", q -> latencyPage(metrics, q));
        all.putAll(routes);
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
                .defaultHandler(exchange -> serve(exchange, all))
                .buildAndStart();
        return new MetricsServer(server, executor);
    }

    public int port() {
        return server.getPort();
    }

    private static void serve(HttpExchange exchange, Map<String, Route> routes) throws IOException {
        String path = exchange.getRequestURI().getPath();
        Route r = routes.get(path);
        Page page;
        if (r != null) {
            try {
                page = r.serve(query(exchange.getRequestURI().getRawQuery()));
            } catch (RuntimeException e) {
                page = Page.text(500, "error: " + e + "\n");
            }
        } else {
            StringBuilder index = new StringBuilder("remotemedia-server metrics port: /metrics (Prometheus)");
            for (String p : routes.keySet()) {
                index.append(", ").append(p);
            }
            page = Page.text(path.equals("/") ? 200 : 404, index.append('\n').toString());
        }
        exchange.getResponseHeaders().set("Content-Type", page.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(page.status(), head ? -1 : page.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            if (!head) {
                out.write(page.body());
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new TreeMap<>();
        if (raw == null) {
            return q;
        }
        for (String part : raw.split("&")) {
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            q.put(k, eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return q;
    }

    /**
     * {@code /latency?method=M[&window=recent|cumulative]} (or {@code name=N} for a recorder
     * without a method label): one distribution in HdrHistogram's {@code .hgrm} text format,
     * values in microseconds; without a parameter, the list of what can be asked for.
     */
    static Page latencyPage(Metrics metrics, Map<String, String> q) {
        String method = q.get("method");
        String name = q.get("name");
        String window = q.getOrDefault("window", "recent");
        if (!window.equals("recent") && !window.equals("cumulative")) {
            return Page.text(400, "window=" + window + ": expected recent (the last " + metrics.windowSeconds()
                    + " s) or cumulative (since start)\n");
        }
        if (method == null && name == null) {
            StringBuilder sb = new StringBuilder("# HdrHistogram latency distributions (.hgrm, microseconds).\n"
                    + "# /latency?method=METHOD[&window=recent|cumulative]  (recent = last " + metrics.windowSeconds()
                    + " s; cumulative = since start)\n# /latency?name=NAME for the others\n");
            for (LatencyRecorder r : metrics.latencies()) {
                sb.append(r.labelName() == null ? "name=" + r.name() : r.labelName() + "=" + r.labelValue())
                        .append("  (").append(r.name()).append(": ").append(r.help()).append(")\n");
            }
            return Page.text(200, sb.toString());
        }
        for (LatencyRecorder r : metrics.latencies()) {
            boolean match = method != null ? "method".equals(r.labelName()) && method.equals(r.labelValue())
                    : r.labelName() == null && name.equals(r.name());
            if (match) {
                Histogram h = window.equals("recent") ? r.recent() : r.cumulative();
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
                h.outputPercentileDistribution(out, 5, 1000.0);
                return Page.text(200, bytes.toString(StandardCharsets.UTF_8));
            }
        }
        return Page.text(404, (method != null ? "method=" + method : "name=" + name)
                + ": no such latency distribution; /latency lists them\n");
    }

    @Override
    public void close() {
        server.close();
        executor.shutdownNow();
    }
}
