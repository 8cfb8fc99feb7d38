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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.auth.TokenSet;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
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

    /**
     * Without JAVA_HOME, or with JAVA_HOME at an older Java, the launcher finds a Java 25 in the
     * usual folders (/usr/lib/jvm here) instead of failing or running the daemon on the wrong one
     * (which would end in UnsupportedClassVersionError).
     */
    @Test
    void theLauncherFindsAJava25InTheUsualFoldersWhenJavaHomeIsUnsetOrOlder() throws Exception {
        Path home = Path.of(System.getProperty("java.home")).toRealPath();
        Assumptions.assumeTrue(home.startsWith("/usr/lib/jvm") || home.startsWith("/opt") || home.startsWith("/usr/local"),
                "this JDK 25 (" + home + ") is not in a folder the launcher searches");
        List<String> javaHomes = new ArrayList<>();
        javaHomes.add(null);
        try (var jvms = Files.list(Path.of("/usr/lib/jvm"))) { // an older Java as JAVA_HOME, where there is one
            jvms.filter(j -> j.getFileName().toString().contains("17") && Files.isExecutable(j.resolve("bin/java")))
                    .findFirst().ifPresent(j -> javaHomes.add(j.toString()));
        }
        for (String javaHome : javaHomes) {
            ProcessBuilder pb = new ProcessBuilder(dist.resolve("bin/remotemedia").toString(), "--help")
                    .directory(tmp.toFile()).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("RM_") || k.equals("JAVA_HOME"));
            pb.environment().put("PATH", "/usr/bin:/bin"); // the system java (17 on this machine) first
            if (javaHome != null) {
                pb.environment().put("JAVA_HOME", javaHome);
            }
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), "JAVA_HOME=" + javaHome + ":\n" + out);
            assertTrue(out.contains("serve"), out);
        }
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
        assertTrue(unit.contains("ExecReload=/bin/kill -HUP $MAINPID") && unit.contains("KillSignal=SIGTERM")
                && unit.contains("Restart=on-failure") && unit.contains("NoNewPrivileges=true")
                && unit.contains("ProtectSystem=strict") && unit.contains("User=remotemedia"), unit);
        verifyUnit(unit);

        ManagedChannel ch = null;
        try (Daemon daemon = new Daemon(unit, yaml)) {
            Process p = daemon.p;
            List<String> lines = daemon.lines;
            int metricsPort = daemon.next("metrics_listening").get("metrics_port").asInt();
            // warm-up: the metrics port answers, /ready says why it is not ready yet
            boolean sawWarmingUp = false;
            while (daemon.all.stream().noneMatch(e -> "started".equals(e.path("event").asText()))) {
                HttpResponse<String> ready = get(metricsPort, "/ready");
                if (ready.statusCode() == 503 && ready.body().contains("warming up")) {
                    sawWarmingUp = true;
                    break;
                }
            }
            assertTrue(sawWarmingUp, "/ready is 503 'warming up' during the warm-up: " + lines);
            assertEquals(200, get(metricsPort, "/health").statusCode());
            int grpcPort = daemon.next("started").get("grpc_port").asInt();
            assertEquals(200, get(metricsPort, "/ready").statusCode());
            assertTrue(daemon.all.stream().anyMatch(e -> "model_loaded".equals(e.path("event").asText())),
                    "the distribution finds its own models/ (models.silero_vad_path is relative to it): " + lines);
            Scrape before = Scrape.of(get(metricsPort, "/metrics").body());
            ch = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            int calls = 0;
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(ch)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            calls++;
            var alice = stub(ch, "authorization", "Bearer alice-token");
            assertNotNull(alice.getVersion(VersionRequest.getDefaultInstance()));
            calls++;
            var aliceKey = stub(ch, "x-api-key", "alice-token");
            int samples = 1600;
            assertTrue(aliceKey.executePipeline(ExecuteRequest.newBuilder().setClientVersion("v1")
                    .setManifest(OperationsTest.passThrough()).putAudioInputs("g", AudioBuffer.newBuilder()
                            .setSamples(com.google.protobuf.ByteString.copyFrom(new byte[samples * 4]))
                            .setSampleRate(16_000).setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32)
                            .setNumSamples(samples).build()).build()).hasResult(), "x-api-key is accepted");
            calls++;
            // reset a connection, as balancers' checks and killed clients do: the log stays clean
            org.remotemedia.testkit.ResetConnections.openAndClose(grpcPort, true, 300);
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
            daemon.signal("HUP");
            JsonNode reloaded = daemon.next("reloaded");
            assertEquals("bob", reloaded.get("tokens_added").asText());
            assertEquals("alice", reloaded.get("tokens_removed").asText());
            assertNotNull(stub(ch, "authorization", "Bearer bob-token").getVersion(VersionRequest.getDefaultInstance()));
            calls++;
            StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                    () -> alice.getVersion(VersionRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, gone.getStatus().getCode());
            calls++;
            for (var bad : List.of(PipelineExecutionServiceGrpc.newBlockingStub(ch), // no token: missing
                    stub(ch, "authorization", "Basic Ym9iOmJvYg=="))) { // not Bearer: malformed
                assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                        () -> bad.getVersion(VersionRequest.getDefaultInstance())).getStatus().getCode());
                calls++;
            }
            // a bad file keeps the tokens in force
            Files.writeString(tokens, "plaintext-token\n");
            daemon.signal("HUP");
            assertTrue(daemon.next("reload_failed").get("problems").asText().contains("sha256sum"));
            assertNotNull(stub(ch, "authorization", "Bearer bob-token").getVersion(VersionRequest.getDefaultInstance()));
            calls++;
            // the counters are bumped as each status goes out; the client may read it first
            Await.until(() -> Scrape.of(get(metricsPort, "/metrics").body()).callsSince(before) == 7,
                    () -> "7 GetVersion and ExecutePipeline calls counted: " + get(metricsPort, "/metrics").body());
            String metrics = get(metricsPort, "/metrics").body();
            assertTrue(metrics.contains("remotemedia_grpc_server_connections 1.0"), "one connection all along");
            assertTrue(metrics.contains("remotemedia_auth_calls_total{identity=\"bob\"}")
                    && metrics.contains("jvm_memory_used_bytes") && metrics.contains("remotemedia_limits_queued")
                    && metrics.contains("remotemedia_grpc_server_handling_seconds_bucket"), metrics);
            promtool(metrics);
            assertMetricFamilies(before, Scrape.of(metrics), samples);
            HttpResponse<String> hgrm = get(metricsPort,
                    "/latency?method=remotemedia.v1.PipelineExecutionService/GetVersion&window=cumulative");
            assertEquals(200, hgrm.statusCode());
            assertTrue(hgrm.body().contains("Value     Percentile TotalCount 1/(1-Percentile)")
                    && hgrm.body().contains("#[Max"), hgrm.body());

            // drain: readiness turns 503 during the notice (the session is still open), then the
            // server ends the session cleanly with StreamClosed "server shutting down"
            daemon.signal("TERM");
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
            daemon.reader.join(10_000);
            assertEquals(List.of(), daemon.notJson, "every stdout line is JSON");
            assertEquals(List.of(), lines.stream().filter(l -> l.startsWith("stderr: ") && l.contains("exceptionCaught"))
                    .toList(), "a reset connection is no netty warning with a stack trace on stderr: " + lines);
            assertEquals(calls, daemon.access().size(), "one access line per call: " + lines);
        } finally {
            if (ch != null) {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * SIGHUP applies reloadable settings other than tokens to the running daemon: the access log
     * goes off and on, a call rate comes and goes (the refused call counted in
     * {@code limits_shed_total{reason="rate_calls"}}); a changed restart-only setting (the port) is
     * named in {@code reload_needs_restart} and the port stays as it is.
     */
    @Test
    void aReloadAppliesTheAccessLogAndRatesAndNamesWhatOnlyARestartApplies() throws Exception {
        Path yaml = Files.createDirectories(tmp.resolve("etc-reload")).resolve("server.yaml");
        String base = "server:\n  host: 127.0.0.1\n  port: 0\n  metrics_host: 127.0.0.1\n  metrics_port: 0\n"
                + "execution:\n  warmup_ms: 0\n";
        Files.writeString(yaml, base);
        String unit = Files.readString(dist.resolve("systemd/remotemedia.service"));
        ManagedChannel ch = null;
        try (Daemon daemon = new Daemon(unit, yaml)) {
            JsonNode started = daemon.next("started");
            int metricsPort = started.get("metrics_port").asInt();
            ch = NettyChannelBuilder.forAddress("127.0.0.1", started.get("grpc_port").asInt()).usePlaintext().build();
            ManagedChannel channel = ch;
            java.util.function.Consumer<String> call = id -> stub(channel, "x-request-id", id)
                    .getVersion(VersionRequest.getDefaultInstance());
            call.accept("before");
            Await.until(() -> daemon.access().size() == 1, () -> "the first call's access line: " + daemon.lines);

            // the port changes in the file (only a restart applies it); access off; 2 calls, then no more
            String changedPort = base.replace("  port: 0\n", "  port: 50051\n");
            Files.writeString(yaml, changedPort + "logging:\n  access: off\nlimits:\n  rate_calls_per_second: 0.001\n"
                    + "  rate_calls_burst: 2\n");
            daemon.signal("HUP");
            List<String> changed = List.of(daemon.next("reloaded").get("changed").asText().split(","));
            assertTrue(changed.containsAll(List.of("logging.access", "limits.rate_calls_per_second",
                    "limits.rate_calls_burst")) && !changed.contains("server.port"), "reloaded: " + changed);
            JsonNode restart = daemon.next("reload_needs_restart");
            assertEquals("server.port", restart.get("settings").asText(), restart.toString());
            assertEquals("warn", restart.get("level").asText(), restart.toString());
            call.accept("off-1");
            call.accept("off-2");
            StatusRuntimeException limited = assertThrows(StatusRuntimeException.class, () -> call.accept("off-3"));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, limited.getStatus().getCode());
            assertTrue(limited.getStatus().getDescription().contains("limits.rate_calls_per_second"), limited.getMessage());
            Scrape metrics = Scrape.of(get(metricsPort, "/metrics").body());
            assertEquals(1, metrics.value("remotemedia_limits_shed_total", "reason", "rate_calls"), "the refused call");

            // access on again, no rate: the next call's line follows the first one's; the calls made
            // while the access log was off left none (one writer, in order)
            Files.writeString(yaml, changedPort);
            daemon.signal("HUP");
            List<String> back = List.of(daemon.next("reloaded").get("changed").asText().split(","));
            assertTrue(back.contains("logging.access") && back.contains("limits.rate_calls_per_second"), "reloaded: " + back);
            call.accept("after");
            Await.until(() -> daemon.access().size() >= 2, () -> "the access log is on again: " + daemon.lines);
            assertEquals(List.of("before", "after"), daemon.access().stream().map(e -> e.get("request_id").asText())
                    .toList(), "no access line while logging.access was off");
            assertEquals(List.of(), daemon.notJson);

            daemon.signal("TERM");
            assertTrue(daemon.p.waitFor(60, TimeUnit.SECONDS), "stops after the drain");
            assertEquals(0, daemon.p.exitValue(), String.join("\n", daemon.lines));
        } finally {
            if (ch != null) {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The families docs/operations.md lists under "Metrics", by name and label keys, with values
     * that follow from the calls made between the two scrapes (the warm-up has metrics of its own):
     * a GetVersion OK three times and UNAUTHENTICATED three times (one per auth failure reason), one
     * ExecutePipeline with {@code samples} samples through a Gain, one session open and idle.
     */
    private static void assertMetricFamilies(Scrape before, Scrape after, int samples) {
        String getVersion = "remotemedia.v1.PipelineExecutionService/GetVersion";
        String execute = "remotemedia.v1.PipelineExecutionService/ExecutePipeline";
        // calls by method and code
        assertEquals(java.util.Set.of(java.util.Set.of("method", "code")), after.labelKeys("remotemedia_grpc_server_calls_total"));
        assertEquals(3, after.delta(before, "remotemedia_grpc_server_calls_total", "method", getVersion, "code", "OK"));
        assertEquals(3, after.delta(before, "remotemedia_grpc_server_calls_total", "method", getVersion, "code",
                "UNAUTHENTICATED"));
        assertEquals(1, after.delta(before, "remotemedia_grpc_server_calls_total", "method", execute, "code", "OK"));
        // a latency quantile: p50 <= p90 <= p99 <= p99.9 of the recent window, with data in it
        assertEquals(java.util.Set.of(java.util.Set.of("method", "quantile")),
                after.labelKeys("remotemedia_grpc_server_latency_seconds"));
        double previous = 0;
        for (String q : new String[] {"0.5", "0.9", "0.99", "0.999"}) {
            double v = after.value("remotemedia_grpc_server_latency_seconds", "method", getVersion, "quantile", q);
            assertTrue(Double.isFinite(v) && v > 0 && v >= previous, "GetVersion latency quantile " + q + " = " + v);
            previous = v;
        }
        assertEquals(6, after.delta(before, "remotemedia_grpc_server_latency_seconds_count", "method", getVersion));
        // per node type execution time: one Gain in one ExecutePipeline call
        assertEquals(java.util.Set.of(java.util.Set.of("node_type")),
                after.labelKeys("remotemedia_node_execution_seconds_count"));
        assertEquals(1, after.delta(before, "remotemedia_node_execution_seconds_count", "node_type", "Gain"));
        assertTrue(after.value("remotemedia_node_execution_seconds_sum", "node_type", "Gain") >= 0);
        assertEquals(1, after.delta(before, "remotemedia_node_execution_seconds_bucket", "node_type", "Gain", "le", "+Inf"));
        // admission: the session holds a slot, nothing runs or waits
        for (String family : new String[] {"remotemedia_limits_in_flight", "remotemedia_limits_queued"}) {
            assertEquals(java.util.Set.of(java.util.Set.of("workload")), after.labelKeys(family), family);
        }
        assertEquals(1, after.value("remotemedia_limits_in_flight", "workload", "session"), "the open session");
        assertEquals(0, after.value("remotemedia_limits_in_flight", "workload", "execution"));
        assertEquals(0, after.value("remotemedia_limits_queued", "workload", "execution"));
        assertEquals(0, after.value("remotemedia_limits_queued", "workload", "session"));
        // shed by reason: every documented reason is there, and nothing was shed
        assertEquals(java.util.Set.of(java.util.Set.of("reason")), after.labelKeys("remotemedia_limits_shed_total"));
        for (String reason : new String[] {"draining", "executions_full", "sessions_full", "queue_timeout",
            "dsp_queue_delay", "buffer_pool_memory", "rate_calls", "rate_audio", "auth_throttled"}) {
            assertEquals(0, after.delta(before, "remotemedia_limits_shed_total", "reason", reason), reason);
        }
        // auth failures by reason: one of each
        assertEquals(java.util.Set.of(java.util.Set.of("reason")), after.labelKeys("remotemedia_auth_failures_total"));
        for (String reason : new String[] {"missing", "malformed", "invalid"}) {
            assertEquals(0, before.value("remotemedia_auth_failures_total", "reason", reason), reason);
            assertEquals(1, after.value("remotemedia_auth_failures_total", "reason", reason), reason);
        }
        // audio in and out: the Gain's input and output (the session sent no chunk)
        for (String direction : new String[] {"in", "out"}) {
            assertEquals(samples, after.delta(before, "remotemedia_audio_samples_total", "direction", direction), direction);
            assertEquals(samples * 4, after.delta(before, "remotemedia_audio_bytes_total", "direction", direction), direction);
        }
        // the engine's buffer pool
        double inUse = after.value("remotemedia_buffer_pool_bytes_in_use");
        double allocated = after.value("remotemedia_buffer_pool_bytes_allocated");
        assertTrue(inUse >= 0 && allocated >= inUse, "in use " + inUse + ", allocated " + allocated);
        assertTrue(after.value("remotemedia_buffer_pool_allocations_total") > 0, "the pool has allocated");
        // stdout kept up: no event line and no access line dropped
        assertEquals(0, after.value("remotemedia_log_lines_dropped_total"));
        assertEquals(0, after.value("remotemedia_access_log_dropped_total"));
    }

    /** One /metrics page in the Prometheus text format: its samples by name and labels. */
    record Scrape(List<Sample> samples) {
        record Sample(String name, Map<String, String> labels, double value) {
        }

        static Scrape of(String text) {
            List<Sample> out = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int brace = line.indexOf('{');
                int space = line.indexOf(' ');
                String name;
                Map<String, String> labels = new java.util.LinkedHashMap<>();
                int i;
                if (brace >= 0 && brace < space) {
                    name = line.substring(0, brace);
                    i = brace + 1;
                    while (line.charAt(i) != '}') {
                        int eq = line.indexOf('=', i);
                        String key = line.substring(i, eq);
                        StringBuilder v = new StringBuilder();
                        int j = eq + 2; // past ="
                        while (line.charAt(j) != '"') {
                            char c = line.charAt(j++);
                            if (c == '\\') {
                                char e = line.charAt(j++);
                                v.append(e == 'n' ? '\n' : e);
                            } else {
                                v.append(c);
                            }
                        }
                        labels.put(key, v.toString());
                        i = j + 1;
                        if (line.charAt(i) == ',') {
                            i++;
                        }
                    }
                    i++;
                } else {
                    name = line.substring(0, space);
                    i = space;
                }
                String[] rest = line.substring(i).strip().split(" ");
                out.add(new Sample(name, labels, switch (rest[0]) {
                    case "+Inf" -> Double.POSITIVE_INFINITY;
                    case "-Inf" -> Double.NEGATIVE_INFINITY;
                    default -> Double.parseDouble(rest[0]);
                }));
            }
            return new Scrape(out);
        }

        /** The label keys of each sample named {@code name} (at least one sample must have it). */
        java.util.Set<java.util.Set<String>> labelKeys(String name) {
            java.util.Set<java.util.Set<String>> keys = new java.util.HashSet<>();
            samples.stream().filter(s -> s.name().equals(name)).forEach(s -> keys.add(s.labels().keySet()));
            assertTrue(!keys.isEmpty(), "no " + name + " on /metrics");
            return keys;
        }

        private List<Sample> matching(String name, String... labels) {
            Map<String, String> want = new java.util.HashMap<>();
            for (int k = 0; k + 1 < labels.length; k += 2) {
                want.put(labels[k], labels[k + 1]);
            }
            return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(want)).toList();
        }

        /** The one sample with exactly these labels (key, value pairs). */
        double value(String name, String... labels) {
            List<Sample> m = matching(name, labels);
            assertEquals(1, m.size(), () -> name + " " + List.of(labels) + " once on /metrics, in "
                    + samples.stream().filter(s -> s.name().equals(name)).toList());
            return m.get(0).value();
        }

        /** As {@link #value}, or 0 for a labelled counter not created yet. */
        double valueOr0(String name, String... labels) {
            List<Sample> m = matching(name, labels);
            return m.isEmpty() ? 0 : m.get(0).value();
        }

        /** remotemedia.v1.PipelineExecutionService calls finished since {@code earlier}, any code. */
        double callsSince(Scrape earlier) {
            double n = 0;
            for (Sample s : samples) {
                if (s.name().equals("remotemedia_grpc_server_calls_total")
                        && s.labels().get("method").startsWith("remotemedia.v1.PipelineExecutionService/")) {
                    n += s.value() - earlier.valueOr0(s.name(), "method", s.labels().get("method"), "code",
                            s.labels().get("code"));
                }
            }
            return n;
        }

        /** How much a sample grew since {@code earlier} (absent there: from 0). */
        double delta(Scrape earlier, String name, String... labels) {
            return value(name, labels) - earlier.valueOr0(name, labels);
        }
    }

    /**
     * The distribution started as the unit starts it (its ExecStart line, paths substituted),
     * with {@code yaml} as its configuration; stdout read as JSON events, stderr kept too.
     */
    static final class Daemon implements AutoCloseable {
        final Process p;
        /** Every line, stderr's marked, for failure messages. */
        final List<String> lines = new CopyOnWriteArrayList<>();
        /** Events not yet taken by {@link #next}. */
        final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        /** Every event. */
        final List<JsonNode> all = new CopyOnWriteArrayList<>();
        final List<String> notJson = new CopyOnWriteArrayList<>();
        final Thread reader;

        Daemon(String unit, Path yaml) throws IOException {
            String exec = unit.lines().filter(l -> l.startsWith("ExecStart=")).findFirst().orElseThrow()
                    .substring("ExecStart=".length());
            assertEquals(1, exec.split(" --config ", -1).length - 1, "--config once: " + exec);
            List<String> cmd = new ArrayList<>();
            for (String word : exec.split(" ")) {
                cmd.add(word.replace("/opt/remotemedia-server", dist.toString())
                        .replace("/etc/remotemedia/server.yaml", yaml.toString()));
            }
            p = inTmp(cmd, Map.of()).start();
            // stderr is read too: an unread stderr pipe fills (64 KB) and blocks whichever daemon
            // thread writes to it next. Its lines go into a failure message with the log's.
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
            reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lines.add(line);
                        try {
                            JsonNode e = JSON.readTree(line);
                            all.add(e);
                            events.add(e);
                        } catch (IOException e) {
                            notJson.add(line);
                        }
                    }
                } catch (IOException e) {
                    notJson.add("reader: " + e);
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        /** The next event named {@code name} (earlier events stay queued for later waits). */
        JsonNode next(String name) throws Exception {
            return DistributionTest.next(events, name, lines);
        }

        void signal(String sig) throws Exception {
            DistributionTest.signal(p, sig);
        }

        List<JsonNode> access() {
            return all.stream().filter(e -> "access".equals(e.path("event").asText())).toList();
        }

        /** Ends the process if the test did not (a failure); only this process, which the test started. */
        @Override
        public void close() throws Exception {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
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
    static JsonNode next(BlockingQueue<JsonNode> events, String name, List<String> lines) throws Exception {
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
