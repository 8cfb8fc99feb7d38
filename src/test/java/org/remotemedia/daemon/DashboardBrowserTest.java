package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.VersionRequest;
import org.remotemedia.testkit.Await;

/**
 * {@code /dashboard} in a real browser: the daemon's own wiring ({@link ServeCommand.Daemon}) on
 * loopback ports, a few seconds of grpc-java load in which some ExecutePipeline calls end
 * INVALID_ARGUMENT, then headless Chromium loads the page (once before the load too: it must
 * say there are no calls yet). The DOM it ran ({@code --dump-dom}) must show plots holding data (their {@code data-*} attributes), and its screenshot
 * ({@code target/dashboard/dashboard.png}, the picture in perf/README.md) the curves drawn.
 * Nothing here is timed: the load is bounded in calls and seconds, the browser in seconds.
 */
class DashboardBrowserTest {
    private static final String EXECUTE = "remotemedia.v1.PipelineExecutionService/ExecutePipeline";
    private static final String VERSION = "remotemedia.v1.PipelineExecutionService/GetVersion";
    private static final String STREAM = "remotemedia.v1.StreamingPipelineService/StreamPipeline";
    private static final long LOAD_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final int MAX_CALLS = 3000;
    /** Every this many ExecutePipeline calls, one whose request is not protobuf: INVALID_ARGUMENT. */
    private static final int BAD_EVERY = 8;
    private static final long BROWSER_TIMEOUT_S = 60;
    /** Colours of dashboard.js (COLOR): the screenshot must show each drawn. */
    private static final int LATENCY_RGB = 0x2a7a3b;
    private static final int CALLS_RGB = 0x1f5fbf;
    private static final int ERRORS_RGB = 0xd0312d;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theDashboardPlotsLatencyCallsAndErrorsOfALoadedDaemon(@TempDir Path work) throws Exception {
        Path chromium = onPath("chromium");
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        JsonLog log = new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), JsonLog.Level.WARN);
        ServeCommand.Daemon daemon = ServeCommand.Daemon.start(ServerConfig.from(Map.of("server.host", "127.0.0.1",
                "server.port", "0", "server.metrics_host", "127.0.0.1", "server.metrics_port", "0",
                "execution.warmup_ms", "1000")), log);
        try {
            String base = "http://127.0.0.1:" + daemon.metricsServer.port();
            // one refresh is enough here (the first runs at once, the next after 2 s)
            String before = chromium(chromium, work, 1500, base + "/dashboard", "--dump-dom");
            assertTrue(before.contains("data-state=\"ok\""), before);
            assertTrue(before.contains("<p id=\"no-calls\">"), "before any call the page says so (not hidden):\n" + before);
            assertFalse(before.contains("<canvas"), "and draws no plots:\n" + before);

            long[] sent = load(daemon.grpc.port());
            assertTrue(sent[0] > 0 && sent[1] > 0, "calls and bad calls sent");
            // the sampler reads once a second: wait for an interval that holds the errors
            HttpClient http = HttpClient.newHttpClient();
            Await.until(() -> errorsPeakInHistory(http, base) > 0, () -> "no errors in " + base + "/history");

            Path png = Path.of("target", "dashboard", "dashboard.png").toAbsolutePath();
            Files.createDirectories(png.getParent());
            Files.deleteIfExists(png);
            // a few refreshes, then the DOM and the screenshot of the same page
            String dom = chromium(chromium, work, 5000, base + "/dashboard", "--dump-dom", "--screenshot=" + png);
            assertTrue(dom.contains("data-state=\"ok\""), "the page's last refresh succeeded:\n" + dom);
            assertTrue(intAttr(tag(dom, "<body"), "data-refreshes") >= 1, dom);
            String exec = section(dom, EXECUTE);
            String execLatency = tag(exec, "<canvas class=\"latency\"");
            String execRates = tag(exec, "<canvas class=\"rates\"");
            assertTrue(intAttr(execLatency, "data-points") > 0, execLatency);
            assertTrue(intAttr(execLatency, "data-count") > 0, execLatency);
            assertTrue(intAttr(execRates, "data-points") > 0, execRates);
            assertTrue(doubleAttr(execRates, "data-calls-peak") > 0, execRates);
            assertTrue(doubleAttr(execRates, "data-errors-peak") > 0, "the INVALID_ARGUMENT calls: " + execRates);
            String version = section(dom, VERSION);
            assertTrue(intAttr(tag(version, "<canvas class=\"latency\""), "data-points") > 0, version);
            assertEquals(0.0, doubleAttr(tag(version, "<canvas class=\"rates\""), "data-errors-peak"),
                    "GetVersion had no errors: another method's are not shown on it");
            assertTrue(dom.contains("<li data-method=\"" + STREAM + "\" data-state=\"no-calls\">"),
                    "a method never called is listed as such:\n" + dom);
            assertFalse(dom.contains("data-method=\"" + STREAM + "\"><h2"), "and has no plots");
            assertTrue(dom.contains("<p id=\"no-calls\" hidden=\"\">"), "the no-calls notice is hidden now:\n" + dom);

            BufferedImage image = ImageIO.read(png.toFile());
            assertNotNull(image, png + " is not an image");
            assertEquals(1200, image.getWidth());
            assertEquals(900, image.getHeight());
            // a 2-pixel curve across a plot is hundreds of pixels; a legend swatch is 56
            assertTrue(pixels(image, LATENCY_RGB) > 200, "latency curves drawn in " + png);
            assertTrue(pixels(image, CALLS_RGB) > 200, "calls/s lines drawn in " + png);
            assertTrue(pixels(image, ERRORS_RGB) > 60, "errors/s line drawn in " + png);
        } finally {
            daemon.close(0, 0);
        }
    }

    /**
     * ExecutePipeline (a Gain on 10 ms of audio; every {@link #BAD_EVERY}th request undecodable)
     * and GetVersion, one after another, for {@link #LOAD_NANOS} or {@link #MAX_CALLS} calls.
     * Returns {good ExecutePipeline calls, INVALID_ARGUMENT calls}.
     */
    private static long[] load(int grpcPort) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
            var stub = PipelineExecutionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
            MethodDescriptor<byte[], byte[]> rawExecute = org.remotemedia.testkit.RawBytes.unary(EXECUTE);
            ExecuteRequest good = gainRequest();
            long ok = 0;
            long bad = 0;
            long end = System.nanoTime() + LOAD_NANOS;
            for (int i = 1; i <= MAX_CALLS && System.nanoTime() < end; i++) {
                if (i % BAD_EVERY == 0) {
                    try {
                        ClientCalls.blockingUnaryCall(channel, rawExecute, CallOptions.DEFAULT, new byte[] {0x0a, 0x7f, 0x01});
                        fail("an undecodable request was answered");
                    } catch (StatusRuntimeException e) {
                        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
                        bad++;
                    }
                } else {
                    ExecuteResponse r = stub.executePipeline(good);
                    assertFalse(r.hasError(), () -> r.getError().toString());
                    ok++;
                }
                if (i % 3 == 0) {
                    stub.getVersion(VersionRequest.getDefaultInstance());
                }
            }
            return new long[] {ok, bad};
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static ExecuteRequest gainRequest() {
        int frames = 480;
        ByteBuffer samples = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            samples.putFloat((float) (0.5 * Math.sin(2 * Math.PI * 440 * i / 48_000.0)));
        }
        AudioBuffer audio = AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(samples.array()))
                .setSampleRate(48_000).setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(frames).build();
        PipelineManifest m = PipelineManifest.newBuilder().setVersion("v1")
                .setMetadata(ManifestMetadata.newBuilder().setName("dashboard-load"))
                .addNodes(NodeManifest.newBuilder().setId("gain").setNodeType("Gain").setParams("{\"gain_db\": -6}"))
                .build();
        return ExecuteRequest.newBuilder().setClientVersion("v1").setManifest(m).putAudioInputs("gain", audio).build();
    }

    /** The highest errors/s of ExecutePipeline in /history, read as the page reads it. */
    private static double errorsPeakInHistory(HttpClient http, String base) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(base + "/history")).build(), HttpResponse.BodyHandlers.ofString());
            double peak = 0;
            for (JsonNode m : JSON.readTree(r.body()).get("methods")) {
                if (m.get("method").asText().equals(EXECUTE)) {
                    for (JsonNode v : m.get("errors_per_s")) {
                        peak = Math.max(peak, v.asDouble());
                    }
                }
            }
            return peak;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Headless Chromium on {@code url} in a 1200x900 window, its profile under {@code work},
     * doing {@code actions} ({@code --dump-dom}, {@code --screenshot=FILE}) once the page has run
     * for {@code virtualMs} of virtual time (fetches pause that clock: they finish first); returns
     * its stdout.
     */
    private static String chromium(Path chromium, Path work, int virtualMs, String url, String... actions)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars",
                "--user-data-dir=" + work.resolve("profile"), "--window-size=1200,900",
                "--virtual-time-budget=" + virtualMs));
        cmd.addAll(List.of(actions));
        cmd.add(url);
        File out = Files.createTempFile(work, "chromium", ".out").toFile();
        File err = Files.createTempFile(work, "chromium", ".err").toFile();
        Process p = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err).start();
        if (!p.waitFor(BROWSER_TIMEOUT_S, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("chromium did not finish in " + BROWSER_TIMEOUT_S + " s: " + cmd + "\n" + tail(err.toPath()));
        }
        assertEquals(0, p.exitValue(), () -> "chromium failed: " + cmd + "\n" + tail(err.toPath()));
        return Files.readString(out.toPath());
    }

    private static String tail(Path file) {
        try {
            String s = Files.readString(file);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** An executable on PATH, or a failure that says how to install it. */
    private static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return fail(name + " is missing: scripts/lib/install-test-tools.sh installs it (Debian package " + name + ")");
    }

    /** The {@code <section>} of one method's plots in the dumped DOM. */
    private static String section(String dom, String method) {
        int start = dom.indexOf("<section class=\"method\" data-method=\"" + method + "\">");
        assertTrue(start >= 0, () -> "no plots for " + method + " in:\n" + dom);
        return dom.substring(start, dom.indexOf("</section>", start));
    }

    /** The whole start tag that begins with {@code prefix}. */
    private static String tag(String html, String prefix) {
        int start = html.indexOf(prefix);
        assertTrue(start >= 0, () -> "no " + prefix + " in:\n" + html);
        return html.substring(start, html.indexOf('>', start) + 1);
    }

    private static String attr(String tag, String name) {
        Matcher m = Pattern.compile("\\s" + name + "=\"([^\"]*)\"").matcher(tag);
        assertTrue(m.find(), () -> "no " + name + " in " + tag);
        return m.group(1);
    }

    private static int intAttr(String tag, String name) {
        return Integer.parseInt(attr(tag, name));
    }

    private static double doubleAttr(String tag, String name) {
        return Double.parseDouble(attr(tag, name));
    }

    /** Pixels within a small distance of {@code rgb} (anti-aliased edges are not counted). */
    private static int pixels(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int c = image.getRGB(x, y);
                int d = Math.abs(((c >> 16) & 255) - ((rgb >> 16) & 255)) + Math.abs(((c >> 8) & 255) - ((rgb >> 8) & 255))
                        + Math.abs((c & 255) - (rgb & 255));
                if (d <= 24) {
                    n++;
                }
            }
        }
        return n;
    }
}
