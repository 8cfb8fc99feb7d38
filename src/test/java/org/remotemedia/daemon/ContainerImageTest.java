package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.auth.TokenSet;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.VersionRequest;

/**
 * The container image itself: {@code scripts/container-image --local-base} builds it from the
 * Containerfile (on a base made here from a Debian rootfs and the build's JDK, since no image
 * registry is reachable), and podman runs it with a memory and CPU limit and a configuration
 * directory mounted over {@code /etc/remotemedia}, on a read-only root filesystem. The daemon must serve as the non-root user
 * with the mounted server.yaml and token file, size its heap and workers to the limits, report
 * healthy through the image's HEALTHCHECK, and stop with exit code 0 after a drain on
 * {@code podman stop}.
 *
 * <p>It needs podman (or a runtime it can use), debootstrap and root, and takes minutes the
 * first time (debootstrap): it runs when {@code RM_CONTAINER_TEST=1}, which also makes
 * {@code scripts/lib/install-test-tools.sh} install podman, runc and debootstrap.
 * {@code RM_CONTAINER_FLAGS} passes flags to podman's build and run (docs/deploy.md has the ones
 * a sandbox without cgroups v2 needs).
 */
class ContainerImageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IMAGE = "localhost/remotemedia-server:container-test";

    @TempDir
    Path tmp;

    record Run(int exit, String out) {
    }

    private static Run sh(long timeoutSeconds, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("RM_SKIP_BUILD", "1"); // maven has built target/ already
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not end within " + timeoutSeconds + " s: " + cmd);
        }
        return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS));
    }

    private static List<String> flags() {
        String f = System.getenv().getOrDefault("RM_CONTAINER_FLAGS", "").strip();
        return f.isEmpty() ? List.of() : Arrays.asList(f.split("\\s+"));
    }

    /** podman with the run-time flags of RM_CONTAINER_FLAGS (--runtime is podman's own, before the verb). */
    private static List<String> podman(String verb, String... args) {
        List<String> cmd = new ArrayList<>(List.of("podman"));
        List<String> f = flags();
        for (int i = 0; i < f.size(); i++) {
            if (f.get(i).equals("--runtime") && i + 1 < f.size()) {
                cmd.add("--runtime");
                cmd.add(f.get(++i));
            }
        }
        cmd.add(verb);
        if (verb.equals("run")) {
            for (int i = 0; i < f.size(); i++) {
                if (f.get(i).equals("--runtime")) {
                    i++;
                } else {
                    cmd.add(f.get(i));
                }
            }
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void theImageServesWithTheMountedConfigurationAsNonRootWithinItsLimitsAndDrainsOnStop() throws Exception {
        Assumptions.assumeTrue("1".equals(System.getenv("RM_CONTAINER_TEST")),
                "RM_CONTAINER_TEST=1 runs the container image test (podman, debootstrap, root)");
        Run dist = sh(300, List.of("scripts/dist"));
        assertEquals(0, dist.exit(), dist.out());
        Run build = sh(1200, List.of("scripts/container-image", "--local-base", "--no-dist", "--tag", IMAGE));
        assertEquals(0, build.exit(), build.out());

        // the configuration directory, as an operator mounts it
        Path etc = Files.createDirectories(tmp.resolve("etc"));
        Files.writeString(etc.resolve("tokens"), TokenSet.entry("alice", "alice-token") + "\n");
        Files.writeString(etc.resolve("server.yaml"), "server:\n  drain_grace_ms: 20000\nexecution:\n  warmup_ms: 300\n"
                + "auth:\n  tokens_file: /etc/remotemedia/tokens\n");
        for (Path f : List.of(etc, etc.resolve("tokens"), etc.resolve("server.yaml"))) {
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(Files.isDirectory(f) ? "rwxr-xr-x" : "rw-r--r--"));
        }
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));

        String name = "rm-container-test-" + ProcessHandle.current().pid();
        // --read-only as deploy/k8s runs it (readOnlyRootFilesystem); podman mounts a tmpfs on /tmp
        Run started = sh(120, podman("run", "-d", "--name", name, "--memory", "1g", "--cpus", "1", "--read-only",
                "-p", "127.0.0.1::50051", "-p", "127.0.0.1::9090", "-v", etc + ":/etc/remotemedia:ro",
                "-e", "RM_SERVER_DRAIN_NOTICE_MS=1000", IMAGE));
        assertEquals(0, started.exit(), "podman run: " + started.out());
        ManagedChannel ch = null;
        try {
            int grpcPort = hostPort(name, 50051);
            int metricsPort = hostPort(name, 9090);
            HttpClient http = HttpClient.newHttpClient();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int status = 0;
            while (System.nanoTime() < until && status != 200) {
                try {
                    status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/ready"))
                            .timeout(java.time.Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                } catch (IOException e) {
                    status = 0; // the port forward answers before the daemon listens
                }
                if (status != 200) {
                    Thread.sleep(200); // polling readiness, bounded above; no timing is asserted
                }
            }
            assertEquals(200, status, "/ready through the published port: " + logs(name));
            Run health = sh(60, podman("healthcheck", "run", name));
            assertEquals(0, health.exit(), "the image's HEALTHCHECK: " + health.out());
            Run uid = sh(60, podman("exec", name, "id", "-u"));
            assertEquals("10001", uid.out().strip(), "not root");

            ch = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
            ManagedChannel channel = ch;
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(ch)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus());
            StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class, () ->
                    PipelineExecutionServiceGrpc.newBlockingStub(channel).getVersion(VersionRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode(), "the mounted token file is in force");
            Metadata h = new Metadata();
            h.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer alice-token");
            assertNotNull(PipelineExecutionServiceGrpc.newBlockingStub(ch)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(h)).getVersion(VersionRequest.getDefaultInstance()));

            // sized to the container: heap at most 40% of 1 GiB, one DSP worker for one CPU
            JsonNode heap = event(logs(name), "heap");
            long max = heap.get("max_bytes").asLong();
            assertTrue(max > 300L << 20 && max < 500L << 20, "max heap from the 1 GiB limit: " + heap);
            assertEquals(1, event(logs(name), "services_ready").get("worker_threads").asInt(), "one CPU, one worker");

            Run stop = sh(60, podman("stop", "-t", "40", name));
            assertEquals(0, stop.exit(), stop.out());
            String all = logs(name);
            JsonNode signal = event(all, "signal_received");
            assertEquals(1000, signal.get("notice_ms").asInt(), "the environment's setting");
            assertEquals(20000, signal.get("grace_ms").asInt(), "the mounted file's setting");
            assertNotNull(event(all, "stopped"), all);
            Run code = sh(60, podman("inspect", name, "--format", "{{.State.ExitCode}}"));
            assertEquals("0", code.out().strip(), "exit code 0 after the drain: " + all);
        } finally {
            if (ch != null) {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            sh(120, podman("rm", "-f", "-t", "0", name));
        }
    }

    private static int hostPort(String name, int containerPort) throws Exception {
        Run r = sh(60, podman("port", name, containerPort + "/tcp"));
        assertEquals(0, r.exit(), r.out());
        String line = r.out().strip().lines().findFirst().orElseThrow();
        return Integer.parseInt(line.substring(line.lastIndexOf(':') + 1));
    }

    private static String logs(String name) throws Exception {
        return sh(60, podman("logs", name)).out();
    }

    private static JsonNode event(String logs, String name) {
        for (String line : logs.lines().toList()) {
            if (line.startsWith("{")) {
                try {
                    JsonNode e = JSON.readTree(line);
                    if (name.equals(e.path("event").asText())) {
                        return e;
                    }
                } catch (IOException e) {
                    // not a JSON line
                }
            }
        }
        throw new AssertionError("no \"" + name + "\" event in\n" + logs);
    }
}
