package org.remotemedia.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's routes on a real metrics port: status and content types, the shape of
 * {@code /history}, and a page that loads nothing from outside the daemon.
 */
class DashboardTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ATTRIBUTE_URL = Pattern.compile("\\b(?:src|href|action)\\s*=\\s*\"([^\"]*)\"");

    private final Map<String, RecentHistory.Totals> totals = new HashMap<>();
    private final RecentHistory history = new RecentHistory(() -> Map.copyOf(totals), 300);
    private final HttpClient http = HttpClient.newHttpClient();
    private MetricsServer server;

    @BeforeEach
    void start() throws Exception {
        Metrics metrics = new Metrics(60);
        server = MetricsServer.start("127.0.0.1", 0, metrics, new Dashboard(history, 60).routes());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void pageAndScriptAreServedWithTheirContentTypes() throws Exception {
        HttpResponse<String> page = get("/dashboard");
        assertEquals(200, page.statusCode());
        assertEquals(Dashboard.HTML, page.headers().firstValue("content-type").orElseThrow());
        assertTrue(page.body().contains("<script src=\"dashboard.js\"></script>"), page.body());
        HttpResponse<String> script = get("/dashboard.js");
        assertEquals(200, script.statusCode());
        assertEquals(Dashboard.JAVASCRIPT, script.headers().firstValue("content-type").orElseThrow());
        assertTrue(script.body().contains("function drawLatency"), "the page's own script");
        assertTrue(get("/").body().contains("/dashboard"), "the metrics port's index names the page");
    }

    @Test
    void thePageLoadsNothingFromOutsideTheDaemon() throws Exception {
        String html = get("/dashboard").body();
        String js = get("/dashboard.js").body();
        for (String text : new String[] {html, js}) {
            assertFalse(Pattern.compile("(?i)\\b(?:https?|wss?|ftp):").matcher(text).find(), "an absolute URL");
            assertFalse(text.contains("//cdn") || text.contains("\"//") || text.contains("'//"),
                    "a protocol-relative URL");
        }
        Matcher m = ATTRIBUTE_URL.matcher(html);
        Set<String> referenced = new TreeSet<>();
        while (m.find()) {
            referenced.add(m.group(1));
        }
        assertEquals(Set.of("dashboard.js"), referenced, "the page's only reference is its own script");
        assertTrue(html.contains("Content-Security-Policy\" content=\"default-src 'self';"),
                "the browser itself refuses anything but the daemon's own URLs");
        // and the script reads only the daemon's pages, by relative URL
        Matcher fetches = Pattern.compile("\\bget\\('([a-z.]+)").matcher(js);
        Set<String> read = new TreeSet<>();
        while (fetches.find()) {
            read.add(fetches.group(1));
        }
        assertEquals(Set.of("history", "latency"), read);
        assertEquals(1, js.split("fetch\\(", -1).length - 1, "every request goes through get()");
    }

    @Test
    void historyIsJsonWithOneRateArrayPerMethodAlignedWithTheTimestamps() throws Exception {
        HttpResponse<String> empty = get("/history");
        assertEquals(200, empty.statusCode());
        assertEquals(Dashboard.JSON, empty.headers().firstValue("content-type").orElseThrow());
        JsonNode e = JSON.readTree(empty.body());
        assertEquals(0, e.get("t_ms").size());
        assertEquals(0, e.get("methods").size());

        totals.put("svc/Exec", new RecentHistory.Totals(0, 0));
        totals.put("svc/Idle", new RecentHistory.Totals(0, 0));
        history.sample(1_000, 0);
        totals.put("svc/Exec", new RecentHistory.Totals(40, 4));
        history.sample(3_000, 2_000_000_000L);
        totals.put("svc/Exec", new RecentHistory.Totals(43, 4));
        history.sample(4_000, 3_000_000_000L);
        JsonNode h = JSON.readTree(get("/history").body());
        assertEquals(1000, h.get("sample_interval_ms").asLong());
        assertEquals(300, h.get("capacity_intervals").asInt());
        assertEquals(60, h.get("latency_window_s").asInt());
        assertEquals("[3000,4000]", h.get("t_ms").toString());
        assertTrue(h.get("sampler_error").isNull());
        assertEquals(0, h.get("methods_not_followed").asInt());
        assertEquals(2, h.get("methods").size());
        JsonNode exec = h.get("methods").get(0);
        assertEquals("svc/Exec", exec.get("method").asText());
        assertEquals(43, exec.get("calls_total").asLong());
        assertEquals(4, exec.get("errors_total").asLong());
        assertEquals("[20.0,3.0]", exec.get("calls_per_s").toString());
        assertEquals("[2.0,0.0]", exec.get("errors_per_s").toString());
        JsonNode idle = h.get("methods").get(1);
        assertEquals("svc/Idle", idle.get("method").asText());
        assertEquals(0, idle.get("calls_total").asLong());
        assertEquals("[0.0,0.0]", idle.get("calls_per_s").toString());
    }

    @Test
    void aMethodNameIsEscapedInTheJson() throws Exception {
        totals.put("odd\"name\\x", new RecentHistory.Totals(1, 0));
        history.sample(1_000, 0);
        assertEquals("odd\"name\\x", JSON.readTree(get("/history").body()).get("methods").get(0).get("method").asText());
    }
}
