package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.auth.TokenSet;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;
import org.remotemedia.proto.v1.VersionRequest;
import org.remotemedia.testkit.Await;

/**
 * The installable distribution, as an operator meets it: {@code scripts/dist} builds it, it is
 * unpacked away from the checkout, and the systemd unit's ExecStart (paths substituted) starts
 * it from its own {@code bin/}; then health and readiness, promtool, the access log, token
 * rotation by SIGHUP and the drain, through grpc-java and the HTTP endpoints.
 */
class DistributionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path tmp;
    static Path dist;

    @BeforeAll
    static void build() throws Exception {
        Path out = tmp.resolve("build");
        ProcessBuilder pb = new ProcessBuilder("scripts/dist", "--out", out.toString()).redirectErrorStream(true);
        pb.environment().put("RM_SKIP_BUILD", "1"); // maven has built target/ already; never a maven inside maven
        Process p = pb.start();
        p.getOutputStream().close();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), text);
        assertEquals(0, p.exitValue(), text);
        Path tar = Files.list(out).filter(f -> f.toString().endsWith(".tar.gz")).findFirst().orElseThrow();
        Path opt = Files.createDirectories(tmp.resolve("opt"));
        Process untar = new ProcessBuilder("tar", "-C", opt.toString(), "-xzf", tar.toString()).inheritIO().start();
        assertEquals(0, untar.waitFor());
        dist = Files.list(opt).findFirst().orElseThrow();
        for (String f : new String[] {"bin/remotemedia", "config/server.yaml", "config/jvm.options",
            "systemd/remotemedia.service", "README.md", "models/silero_vad.onnx", "models/silero_vad.properties"}) {
            assertTrue(Files.exists(dist.resolve(f)), "the distribution has " + f
                    + " (scripts/test runs scripts/fetch-models and builds the client first)");
        }
        assertTrue(Files.isExecutable(dist.resolve("bin/remotemedia")));
        try (var jars = Files.list(dist.resolve("lib"))) {
            List<String> names = jars.map(j -> j.getFileName().toString()).toList();
            assertTrue(names.stream().anyMatch(n -> n.startsWith("remotemedia-server-")), names.toString());
            assertTrue(names.stream().noneMatch(n -> n.startsWith("grpc-")), "no grpc-java in the daemon: " + names);
        }
    }

    /** Runs {@code cmd} in {@code tmp} (away from the checkout) with JAVA_HOME set; stdout and stderr apart. */
    static ProcessBuilder inTmp(List<String> cmd, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("RM_"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        return pb;
    }

    record Run(int exit, String out, String err) {
    }

    static Run run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(dist.resolve("bin/remotemedia").toString());
        cmd.addAll(List.of(args));
        Process p = inTmp(cmd, env).start();
        p.getOutputStream().close();
        var err = new java.util.concurrent.CompletableFuture<String>();
        Thread t = new Thread(() -> {
            try {
                err.complete(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.complete(e.toString());
            }
        });
        t.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Run(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
    }

    /** The daemon's own lines on stderr (the JVM adds its incubator-module warning). */
    static List<String> ownLines(String stderr) {
        return stderr.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
    }

    @Test
    void helpListsEverySubcommandAndTheClientCommandRunsOnItsOwnClasspath() throws Exception {
        assertTrue(Files.exists(dist.resolve("lib/client/commands")), "scripts/dist packs the Java client");
        try (var jars = Files.list(dist.resolve("lib/client"))) {
            assertTrue(jars.anyMatch(j -> j.getFileName().toString().startsWith("grpc-")),
                    "grpc-java belongs to the client's classpath");
        }
        Run help = run(Map.of(), "--help");
        assertEquals(0, help.exit(), help.err());
        for (String sub : new String[] {"serve", "process", "token", "call", "help"}) {
            assertTrue(help.out().lines().anyMatch(l -> l.strip().startsWith(sub + " ")), sub + " in\n" + help.out());
        }
        Run call = run(Map.of(), "call", "--help");
        assertEquals(0, call.exit(), call.err());
        assertTrue(call.out().contains("--server") && call.out().contains("--stream"), call.out());
        assertEquals(List.of(), ownLines(call.err()), "no noise on stderr");
        Run serveHelp = run(Map.of(), "serve", "--help");
        for (String flag : new String[] {"--config", "--port", "--metrics-port", "--bind", "--metrics-bind", "--set",
            "--print-config"}) {
            assertTrue(serveHelp.out().contains(flag), flag + " in\n" + serveHelp.out());
        }
    }

    @Test
    void tokenNewPrintsATokenAndTheLineThatAcceptsIt() throws Exception {
        Run r = run(Map.of(), "token", "new", "alice");
        assertEquals(0, r.exit(), r.err());
        String token = r.out().lines().filter(l -> l.startsWith("token:")).findFirst().orElseThrow().substring(6).strip();
        String line = r.out().lines().filter(l -> l.startsWith("line:")).findFirst().orElseThrow().substring(5).strip();
        assertEquals(43, token.length(), "256 bits, base64url");
        assertEquals(TokenSet.entry("alice", token), line);
    }

    @Test
    void aBadSettingStopsTheStartWithOneLineAndExitCode2() throws Exception {
        Run r = run(Map.of("GRPC_PORT", "http"), "serve");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertEquals(List.of("remotemedia: invalid setting: server.port = 'http': not an integer; allowed 0 to 65535"
                + " (sizes may end in k, m, g; times are milliseconds) (from environment GRPC_PORT)"), ownLines(r.err()));
        assertEquals("", r.out());
        Run printed = run(Map.of("GRPC_PORT", "6000"), "serve", "--print-config", "--set", "auth.tokens="
                + TokenSet.entry("a", "x"));
        assertEquals(0, printed.exit(), printed.err());
        assertTrue(printed.out().contains("  port: 6000\n") && printed.out().contains("<redacted: 1 entries>")
                && !printed.out().contains(TokenSet.entry("a", "x").substring(2)), printed.out());
    }

    /**
     * systemd waits TimeoutStopSec after SIGTERM, then kills: the unit must outlast the drain the
     * shipped configuration asks for (notice, then grace), and give the descriptors the docs promise.
     */
    @Test
    void theUnitOutlastsTheDrainAndHasTheDescriptorsTheDocsPromise() throws Exception {
        String unit = Files.readString(dist.resolve("systemd/remotemedia.service"));
        long timeoutStopSec = Long.parseLong(unitSetting(unit, "TimeoutStopSec"));
        long limitNoFile = Long.parseLong(unitSetting(unit, "LimitNOFILE"));
        for (var cfg : List.of(org.remotemedia.config.ConfigLoader.load(dist.resolve("config/server.yaml"), Map.of(),
                List.of()), org.remotemedia.config.ServerConfig.defaults())) {
            long drainMs = cfg.server().drainNoticeMs() + cfg.server().drainGraceMs();
            // the unit's comment promises "plus a few seconds": the transport's own bounded waits
            // after the grace (forced close, event loops) come on top of it
            assertTrue(timeoutStopSec * 1000 >= drainMs + 5000, "TimeoutStopSec=" + timeoutStopSec
                    + " s must exceed drain_notice_ms + drain_grace_ms = " + drainMs + " ms by a few seconds");
        }
        String ops = Files.readString(Path.of("docs/operations.md"));
        java.util.regex.Matcher doc = java.util.regex.Pattern.compile("`LimitNOFILE=(\\d+)`").matcher(ops);
        assertTrue(doc.find(), "docs/operations.md states LimitNOFILE");
        assertEquals(Long.parseLong(doc.group(1)), limitNoFile, "the unit's LimitNOFILE is the one the docs state");
        assertTrue(limitNoFile >= 100_000, "one descriptor per connection: room for 100k connections, not " + limitNoFile);
        java.util.regex.Matcher stop = java.util.regex.Pattern.compile("`TimeoutStopSec=(\\d+)`").matcher(ops);
        assertTrue(stop.find(), "docs/operations.md states TimeoutStopSec");
        assertEquals(Long.parseLong(stop.group(1)), timeoutStopSec, "the unit's TimeoutStopSec is the one the docs state");
    }

    /** The value of a [Service] setting (one line, no unit suffix allowed: systemd would read "45s" too, we do not). */
    private static String unitSetting(String unit, String key) {
        List<String> values = unit.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)
                .strip()).toList();
        assertEquals(1, values.size(), key + " once in the unit: " + values);
        assertTrue(values.get(0).matches("\\d+"), key + " is a plain number: " + values.get(0));
        return values.get(0);
    }

    @Test
    void theUnitsExecStartServesReloadsTokensAndDrains() throws Exception {
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Path tokens = etc.resolve("tokens");
        Files.writeString(tokens, TokenSet.entry("alice", "alice-token") + "\n");
        Path yaml = etc.resolve("server.yaml");
        Files.writeString(yaml, "server:\n  host: 127.0.0.1\n  port: 0\n  metrics_host: 127.0.0.1\n  metrics_port: 0\n"
                + "  drain_notice_ms: 4000\n  drain_grace_ms: 20000\nexecution:\n  warmup_ms: 1500\nauth:\n  tokens_file: " + tokens + "\n");
        String unit = Files.readString(dist.resolve("systemd/remotemedia.service"));
        String exec = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow()
                .substring("ExecStart=".length());
        assertTrue(unit.contains("ExecReload=/bin/kill -HUP $MAINPID") && unit.contains("KillSignal=SIGTERM")
                && unit.contains("Restart=on-failure") && unit.contains("NoNewPrivileges=true")
                && unit.contains("ProtectSystem=strict") && unit.contains("User=remotemedia"), unit);
        assertEquals(1, exec.split(" --config ", -1).length - 1, "--config once: " + exec);
        List<String> cmd = new ArrayList<>();
        for (String word : exec.split(" ")) {
            cmd.add(word.replace("/opt/remotemedia-server", dist.toString())
                    .replace("/etc/remotemedia/server.yaml", yaml.toString()));
        }
        verifyUnit(unit);

        Process p = inTmp(cmd, Map.of()).start();
        // stderr is read too: an unread stderr pipe fills (64 KB) and blocks whichever daemon
        // thread writes to it next. Its lines go into a failure message with the log's.
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread errReader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = err.readLine()) != null) {
                    lines.add("stderr: " + line);
                }
            } catch (IOException e) {
                lines.add("stderr reader: " + e);
            }
        });
        errReader.setDaemon(true);
        errReader.start();
        BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        List<String> notJson = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.add(line);
                    try {
                        events.add(JSON.readTree(line));
                    } catch (IOException e) {
                        notJson.add(line);
                    }
                }
            } catch (IOException e) {
                notJson.add("reader: " + e);
            }
        });
        reader.start();
        ManagedChannel ch = null;
        try {
            int metricsPort = next(events, "metrics_listening", lines).get("metrics_port").asInt();
            // warm-up: the metrics port answers, /ready says why it is not ready yet
            boolean sawWarmingUp = false;
            while (events.stream().noneMatch(e -> "started".equals(e.path("event").asText()))) {
                HttpResponse<String> ready = get(metricsPort, "/ready");
                if (ready.statusCode() == 503 && ready.body().contains("warming up")) {
                    sawWarmingUp = true;
                    break;
                }
            }
            assertTrue(sawWarmingUp, "/ready is 503 'warming up' during the warm-up: " + lines);
            assertEquals(200, get(metricsPort, "/health").statusCode());
            int grpcPort = next(events, "started", lines).get("grpc_port").asInt();
            assertEquals(200, get(metricsPort, "/ready").statusCode());
            assertTrue(events.stream().anyMatch(e -> "model_loaded".equals(e.path("event").asText())),
                    "the distribution finds its own models/ (models.silero_vad_path is relative to it): " + lines);
            ch = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            int calls = 0;
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(ch)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            calls++;
            var alice = stub(ch, "authorization", "Bearer alice-token");
            assertNotNull(alice.getVersion(VersionRequest.getDefaultInstance()));
            calls++;
            var aliceKey = stub(ch, "x-api-key", "alice-token");
            assertNotNull(aliceKey.executePipeline(ExecuteRequest.newBuilder().setClientVersion("v1")
                    .setManifest(OperationsTest.passThrough()).build()), "x-api-key is accepted");
            calls++;
            // a session opened before the reload, on the same connection
            BlockingQueue<StreamResponse> answers = new LinkedBlockingQueue<>();
            AtomicReference<Throwable> streamError = new AtomicReference<>();
            var sessionDone = new java.util.concurrent.CountDownLatch(1);
            StreamObserver<StreamRequest> session = StreamingPipelineServiceGrpc.newStub(ch)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers("authorization",
                            "Bearer alice-token"))).streamPipeline(new StreamObserver<>() {
                                @Override
                                public void onNext(StreamResponse r) {
                                    answers.add(r);
                                }

                                @Override
                                public void onError(Throwable t) {
                                    streamError.set(t);
                                    sessionDone.countDown();
                                }

                                @Override
                                public void onCompleted() {
                                    sessionDone.countDown();
                                }
                            });
            session.onNext(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setClientVersion("v1")
                    .setManifest(OperationsTest.passThrough())).build());
            assertTrue(answers.poll(30, TimeUnit.SECONDS).hasReady());
            calls++;

            // rotate: bob in, alice out, SIGHUP; the connection and the session stay
            Files.writeString(tokens, "# rotated\n" + TokenSet.entry("bob", "bob-token") + "\n");
            signal(p, "HUP");
            JsonNode reloaded = next(events, "reloaded", lines);
            assertEquals("bob", reloaded.get("tokens_added").asText());
            assertEquals("alice", reloaded.get("tokens_removed").asText());
            assertNotNull(stub(ch, "authorization", "Bearer bob-token").getVersion(VersionRequest.getDefaultInstance()));
            calls++;
            StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                    () -> alice.getVersion(VersionRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, gone.getStatus().getCode());
            calls++;
            // a bad file keeps the tokens in force
            Files.writeString(tokens, "plaintext-token\n");
            signal(p, "HUP");
            assertTrue(next(events, "reload_failed", lines).get("problems").asText().contains("sha256sum"));
            assertNotNull(stub(ch, "authorization", "Bearer bob-token").getVersion(VersionRequest.getDefaultInstance()));
            calls++;
            String metrics = get(metricsPort, "/metrics").body();
            assertTrue(metrics.contains("remotemedia_grpc_server_connections 1.0"), "one connection all along");
            assertTrue(metrics.contains("remotemedia_auth_calls_total{identity=\"bob\"}")
                    && metrics.contains("jvm_memory_used_bytes") && metrics.contains("remotemedia_limits_queued")
                    && metrics.contains("remotemedia_grpc_server_handling_seconds_bucket"), metrics);
            promtool(metrics);
            HttpResponse<String> hgrm = get(metricsPort,
                    "/latency?method=remotemedia.v1.PipelineExecutionService/GetVersion&window=cumulative");
            assertEquals(200, hgrm.statusCode());
            assertTrue(hgrm.body().contains("Value     Percentile TotalCount 1/(1-Percentile)")
                    && hgrm.body().contains("#[Max"), hgrm.body());

            // drain: readiness turns 503 during the notice (the session is still open), then the
            // server ends the session cleanly with StreamClosed "server shutting down"
            signal(p, "TERM");
            Await.until(() -> {
                HttpResponse<String> r = get(metricsPort, "/ready");
                return r.statusCode() == 503 && r.body().contains("draining");
            }, () -> "/ready during the drain notice");
            assertEquals(1, sessionDone.getCount(), "the session outlives the drain notice's start");
            assertTrue(sessionDone.await(30, TimeUnit.SECONDS), "the drain ends the session");
            assertNull(streamError.get(), "a clean end, not an error");
            StreamResponse last = null;
            for (StreamResponse r : answers) {
                last = r;
            }
            assertTrue(last != null && last.hasClosed() && last.getClosed().getReason().contains("shutting down"),
                    "the last message is StreamClosed: " + answers);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "stops after the drain");
            assertEquals(0, p.exitValue(), String.join("\n", lines));
            reader.join(10_000);
            assertEquals(List.of(), notJson, "every stdout line is JSON");
            int callsMade = calls;
            long access = events.stream().filter(e -> "access".equals(e.path("event").asText())).count();
            assertEquals(callsMade, access, "one access line per call: " + lines);
        } finally {
            if (ch != null) {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            p.destroyForcibly();
        }
    }

    private static void verifyUnit(String unit) throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        if (!Files.isExecutable(analyze)) {
            return; // systemd is not installed here: the unit is checked where it is
        }
        Path file = tmp.resolve("unit/remotemedia.service");
        Files.createDirectories(file.getParent());
        Files.writeString(file, unit.replace("/opt/remotemedia-server", dist.toString())
                .replace("/etc/remotemedia", tmp.resolve("etc").toString()));
        Process v = new ProcessBuilder(analyze.toString(), "verify", file.toString()).redirectErrorStream(true).start();
        String out = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(v.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, v.exitValue(), "systemd-analyze verify: " + out);
    }

    static void promtool(String metrics) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        assertTrue(Files.isExecutable(promtool), "promtool is missing: scripts/lib/install-test-tools.sh installs it"
                + " (Debian package prometheus)");
        Process v = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        v.getOutputStream().write(metrics.getBytes(StandardCharsets.UTF_8));
        v.getOutputStream().close();
        String out = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(v.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, v.exitValue(), "promtool check metrics:\n" + out);
    }

    private static Metadata headers(String k, String v) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v);
        return m;
    }

    private static PipelineExecutionServiceGrpc.PipelineExecutionServiceBlockingStub stub(ManagedChannel ch, String k,
            String v) {
        return PipelineExecutionServiceGrpc.newBlockingStub(ch)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers(k, v)));
    }

    private static void signal(Process p, String sig) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).start().waitFor());
    }

    static HttpResponse<String> get(int port, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(path + ": " + e, e);
        }
    }

    /** The next event named {@code name} (earlier events stay queued for later waits). */
    private static JsonNode next(BlockingQueue<JsonNode> events, String name, List<String> lines) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < until) {
            for (JsonNode e : events) {
                if (name.equals(e.path("event").asText())) {
                    events.remove(e);
                    return e;
                }
            }
            Thread.sleep(20); // polling the reader's queue; no timing is asserted
        }
        throw new AssertionError("no \"" + name + "\" event in " + lines);
    }
}
