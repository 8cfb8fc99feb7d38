package org.remotemedia.observe;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.remotemedia.json.Json;

/**
 * The latency page of the metrics port: {@code /dashboard} (HTML) and {@code /dashboard.js}
 * (its script, plain canvas drawing, no library), both from the classpath and served by the
 * daemon itself, so the page needs no network beyond the metrics port; and {@code /history},
 * the {@link RecentHistory} as JSON. The page reads {@code /history} and {@code /latency}.
 *
 * <p>Runs on the metrics thread (its routes); the page bytes are read once, at construction.
 */
public final class Dashboard {
    static final String HTML = "text/html; charset=utf-8";
    static final String JAVASCRIPT = "text/javascript; charset=utf-8";
    static final String JSON = "application/json; charset=utf-8";

    private final RecentHistory history;
    private final int latencyWindowSeconds;
    private final byte[] html = resource("dashboard.html");
    private final byte[] script = resource("dashboard.js");

    /** @param latencyWindowSeconds the window of {@code /latency?window=recent}, shown on the page */
    public Dashboard(RecentHistory history, int latencyWindowSeconds) {
        this.history = history;
        this.latencyWindowSeconds = latencyWindowSeconds;
    }

    /** {@code /dashboard}, {@code /dashboard.js} and {@code /history}, for {@link MetricsServer#start}. */
    public Map<String, MetricsServer.Route> routes() {
        Map<String, MetricsServer.Route> routes = new LinkedHashMap<>();
        routes.put("/dashboard", q -> new MetricsServer.Page(200, HTML, html));
        routes.put("/dashboard.js", q -> new MetricsServer.Page(200, JAVASCRIPT, script));
        routes.put("/history", q -> new MetricsServer.Page(200, JSON,
                historyJson(history.snapshot(), latencyWindowSeconds).getBytes(StandardCharsets.UTF_8)));
        return routes;
    }

    /**
     * {@code {"sample_interval_ms", "capacity_intervals", "latency_window_s", "t_ms": [interval
     * ends, epoch ms], "methods": [{"method", "calls_total", "errors_total", "calls_per_s": [...],
     * "errors_per_s": [...]}], "methods_not_followed", "sampler_error"}}; each rate array is
     * aligned with {@code t_ms}.
     */
    static String historyJson(RecentHistory.Snapshot s, int latencyWindowSeconds) {
        StringBuilder sb = new StringBuilder(256 + s.intervalEndEpochMillis().length * 16 * (1 + s.methods().size()));
        sb.append("{\"sample_interval_ms\":").append(s.sampleIntervalMs())
                .append(",\"capacity_intervals\":").append(s.capacityIntervals())
                .append(",\"latency_window_s\":").append(latencyWindowSeconds)
                .append(",\"t_ms\":[");
        long[] t = s.intervalEndEpochMillis();
        for (int i = 0; i < t.length; i++) {
            sb.append(i == 0 ? "" : ",").append(t[i]);
        }
        sb.append("],\"methods\":[");
        for (int m = 0; m < s.methods().size(); m++) {
            RecentHistory.MethodRates r = s.methods().get(m);
            sb.append(m == 0 ? "{" : ",{").append("\"method\":");
            Json.string(sb, r.method());
            sb.append(",\"calls_total\":").append(r.callsTotal()).append(",\"errors_total\":").append(r.errorsTotal());
            appendRates(sb.append(",\"calls_per_s\":"), r.callsPerSecond());
            appendRates(sb.append(",\"errors_per_s\":"), r.errorsPerSecond());
            sb.append('}');
        }
        sb.append("],\"methods_not_followed\":").append(s.methodsNotFollowed()).append(",\"sampler_error\":");
        if (s.samplerError() == null) {
            sb.append("null");
        } else {
            Json.string(sb, s.samplerError());
        }
        return sb.append("}\n").toString();
    }

    /** Rates to the millisecond's precision: enough for a plot, and short. */
    private static void appendRates(StringBuilder sb, double[] rates) {
        sb.append('[');
        for (int i = 0; i < rates.length; i++) {
            sb.append(i == 0 ? "" : ",").append(Math.round(rates[i] * 1000) / 1000.0);
        }
        sb.append(']');
    }

    private static byte[] resource(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard/" + name + " is missing from the classpath (a packaging bug)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
