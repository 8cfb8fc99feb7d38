package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.testkit.Await;

/**
 * The container image's own scripts, outside a container (the image runs them the same way:
 * Containerfile): {@code deploy/container/entrypoint.sh} turns the container's arguments and
 * {@code RM_CONFIG} into one launcher command and execs it, and
 * {@code deploy/container/healthcheck.sh} asks {@code /ready}. First against a fake launcher
 * that records its arguments, then against the real distribution from {@code scripts/dist}:
 * the daemon it starts takes its settings from the file and the environment, and the
 * healthcheck follows readiness through warm-up, serving and the drain.
 */
class ContainerEntrypointTest {
    private static final Path ENTRYPOINT = Path.of("deploy/container/entrypoint.sh").toAbsolutePath();
    private static final Path HEALTHCHECK = Path.of("deploy/container/healthcheck.sh").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {
    }

    private Run run(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(script.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("RM_"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        String out = read(p.getInputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exits: " + cmd);
        return new Run(p.exitValue(), out, err.get(10, TimeUnit.SECONDS));
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** A distribution whose launcher prints its PID and then each argument on a line. */
    private Path fakeDist() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("fake/bin"));
        Path launcher = bin.resolve("remotemedia");
        Files.writeString(launcher, "#!/usr/bin/env bash\necho \"pid $$\"\nfor a in \"$@\"; do echo \"arg $a\"; done\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        return tmp.resolve("fake");
    }

    private static List<String> args(Run r) {
        return r.out().lines().filter(l -> l.startsWith("arg ")).map(l -> l.substring(4)).toList();
    }

    @Test
    void theEntrypointTurnsArgumentsAndRmConfigIntoOneLauncherCommand() throws Exception {
        Path dist = fakeDist();
        Path yaml = Files.writeString(tmp.resolve("server.yaml"), "server:\n  port: 6000\n");
        Map<String, String> env = Map.of("RM_DIST", dist.toString(), "RM_CONFIG", yaml.toString());
        String cfg = yaml.toString();

        assertEquals(List.of("serve", "--config", cfg), args(run(ENTRYPOINT, env)), "no arguments: serve");
        assertEquals(List.of("serve", "--config", cfg), args(run(ENTRYPOINT, env, "serve")));
        assertEquals(List.of("serve", "--config", cfg, "--print-config"), args(run(ENTRYPOINT, env, "--print-config")),
                "flags alone are serve's");
        assertEquals(List.of("serve", "--config", cfg, "--set", "limits.rate_calls_per_second=50"),
                args(run(ENTRYPOINT, env, "serve", "--set", "limits.rate_calls_per_second=50")));
        assertEquals(List.of("serve", "--config", "/other.yaml", "--port", "1"),
                args(run(ENTRYPOINT, env, "serve", "--config", "/other.yaml", "--port", "1")),
                "a --config on the command line wins over RM_CONFIG");
        assertEquals(List.of("token", "new", "alice"), args(run(ENTRYPOINT, env, "token", "new", "alice")),
                "other subcommands go to the launcher as they are");
        assertEquals(List.of("--help"), args(run(ENTRYPOINT, env, "--help")));
        assertEquals(List.of("--version"), args(run(ENTRYPOINT, env, "--version")));

        Run missing = run(ENTRYPOINT, Map.of("RM_DIST", dist.toString(), "RM_CONFIG", tmp.resolve("nope.yaml").toString()));
        assertEquals(2, missing.exit(), "a named configuration that is missing is a configuration error");
        assertEquals(List.of(), args(missing), "the launcher does not run");
        assertTrue(missing.err().contains("RM_CONFIG=" + tmp.resolve("nope.yaml") + " is not a readable file"), missing.err());

        Run noLauncher = run(ENTRYPOINT, Map.of("RM_DIST", tmp.resolve("nowhere").toString()));
        assertEquals(1, noLauncher.exit());
        assertTrue(noLauncher.err().contains("no launcher at " + tmp.resolve("nowhere/bin/remotemedia")), noLauncher.err());

        // without RM_CONFIG the image's /etc/remotemedia/server.yaml is used; where it does not
        // exist (this machine, not the image) the daemon runs on defaults and the environment
        Assumptions.assumeFalse(Files.exists(Path.of("/etc/remotemedia/server.yaml")), "a real /etc/remotemedia here");
        Run defaults = run(ENTRYPOINT, Map.of("RM_DIST", dist.toString()), "--port", "7000");
        assertEquals(List.of("serve", "--port", "7000"), args(defaults));
        assertTrue(defaults.err().contains("no /etc/remotemedia/server.yaml"), defaults.err());
    }

    @Test
    void theHealthcheckSaysWhyWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        Run r = run(HEALTHCHECK, Map.of("RM_HEALTHCHECK_PORT", Integer.toString(port)));
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("nothing listens on 127.0.0.1:" + port), r.out() + r.err());
    }

    /**
     * The real distribution through the entrypoint, as the image runs it: the file gives the
     * addresses and the drain grace, the environment the drain notice (it wins over the file's),
     * the entrypoint's process becomes the JVM (exec: the runtime's SIGTERM reaches the daemon),
     * and the healthcheck answers what {@code /ready} and grpc.health.v1 say.
     */
    @Test
    void theEntrypointStartsTheDistributionWithFileAndEnvironmentAndTheHealthcheckFollowsReadiness()
            throws Exception {
        Path out = tmp.resolve("build");
        ProcessBuilder build = new ProcessBuilder("scripts/dist", "--out", out.toString()).redirectErrorStream(true);
        build.environment().put("RM_SKIP_BUILD", "1"); // maven has built target/ already
        Process b = build.start();
        b.getOutputStream().close();
        String buildLog = read(b.getInputStream());
        assertTrue(b.waitFor(180, TimeUnit.SECONDS), buildLog);
        assertEquals(0, b.exitValue(), buildLog);
        Path dist;
        try (var dirs = Files.list(out)) {
            dist = dirs.filter(Files::isDirectory).findFirst().orElseThrow();
        }

        Path yaml = Files.writeString(tmp.resolve("server.yaml"), "server:\n  host: 127.0.0.1\n  port: 0\n"
                + "  metrics_host: 127.0.0.1\n  metrics_port: 0\n  drain_notice_ms: 0\n  drain_grace_ms: 17000\n"
                + "execution:\n  warmup_ms: 300\n");
        ProcessBuilder pb = new ProcessBuilder(ENTRYPOINT.toString()).directory(tmp.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("RM_"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("RM_DIST", dist.toString());
        pb.environment().put("RM_CONFIG", yaml.toString());
        pb.environment().put("RM_SERVER_DRAIN_NOTICE_MS", "3000");
        Process p = pb.start();
        p.getOutputStream().close();
        List<String> lines = new CopyOnWriteArrayList<>();
        BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        Thread errReader = reader(p.getErrorStream(), l -> lines.add("stderr: " + l));
        Thread outReader = reader(p.getInputStream(), l -> {
            lines.add(l);
            try {
                events.add(JSON.readTree(l));
            } catch (IOException e) {
                // kept in lines
            }
        });
        ManagedChannel ch = null;
        try {
            int metricsPort = DistributionTest.next(events, "metrics_listening", lines).get("metrics_port").asInt();
            String cmdLine = ProcessHandle.of(p.pid()).flatMap(h -> h.info().commandLine()).orElse("");
            assertTrue(cmdLine.contains("org.remotemedia.daemon.Main serve --config " + yaml),
                    "the entrypoint's process is the JVM (exec), serving the RM_CONFIG file: " + cmdLine);
            int grpcPort = DistributionTest.next(events, "started", lines).get("grpc_port").asInt();
            Map<String, String> hcEnv = Map.of("RM_HEALTHCHECK_PORT", Integer.toString(metricsPort));
            Run ready = run(HEALTHCHECK, hcEnv);
            assertEquals(0, ready.exit(), ready.out() + ready.err());
            assertEquals("ready", ready.out().strip());
            ch = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(ch)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());

            assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor());
            JsonNode signal = DistributionTest.next(events, "signal_received", lines);
            assertEquals(3000, signal.get("notice_ms").asInt(), "the environment's drain notice wins over the file's");
            assertEquals(17000, signal.get("grace_ms").asInt(), "the file's drain grace");
            // during the notice the daemon still runs; the healthcheck reports it unready and why
            Await.until(() -> {
                try {
                    Run r = run(HEALTHCHECK, hcEnv);
                    return r.exit() == 1 && r.out().contains("503") && r.out().contains("draining");
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }, () -> "the healthcheck says draining: " + lines);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "stops after the drain: " + lines);
            assertEquals(0, p.exitValue(), String.join("\n", lines));
            outReader.join(10_000);
            errReader.join(10_000);
        } finally {
            if (ch != null) {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            p.destroyForcibly();
        }
    }

    private static Thread reader(java.io.InputStream in, java.util.function.Consumer<String> sink) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException e) {
                sink.accept("reader: " + e);
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
