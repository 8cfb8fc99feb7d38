package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.TestServiceGrpc;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;

/** The serve wiring: metrics + gRPC up with the default registry, exit codes, SIGTERM drain in a real process. */
class ServeCommandTest {
    @Test
    void startsMetricsAndGrpcAndAnswersUnimplemented() throws Exception {
        ServerConfig cfg = ServerConfig.from(Map.of("server.host", "127.0.0.1", "server.port", "0",
                "server.metrics_host", "127.0.0.1", "server.metrics_port", "0"));
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        JsonLog log = new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), JsonLog.Level.INFO);
        ServeCommand.Daemon d = ServeCommand.Daemon.start(cfg, log);
        try {
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", d.grpc.port()).usePlaintext().build();
            try {
                StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                        () -> TestServiceGrpc.newBlockingStub(ch).emptyCall(EmptyProtos.Empty.getDefaultInstance()));
                assertEquals(io.grpc.Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + d.metricsServer.port() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("remotemedia_grpc_server_calls_total{code=\"UNIMPLEMENTED\",method=\"unregistered\"} 1.0"),
                    metrics.body());
            String logged = logBytes.toString();
            assertTrue(logged.contains("\"event\":\"started\""), logged);
            // the default warm-up ran, and before the port opened
            int warm = logged.indexOf("\"event\":\"warmup_done\"");
            assertTrue(warm >= 0 && warm < logged.indexOf("\"event\":\"grpc_listening\""), logged);
        } finally {
            d.close(0, 0);
        }
    }

    @Test
    void invalidConfigExits2() {
        assertEquals(ServeCommand.EXIT_CONFIG, Main.run("serve", "--set", "server.port=not-a-port"));
    }

    @Test
    void portInUseExits3() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertEquals(ServeCommand.EXIT_BIND, Main.run("serve", "--set", "server.host=127.0.0.1",
                    "--set", "server.port=" + taken.getLocalPort(), "--set", "server.metrics_port=0"));
        }
    }

    @Test
    void sigtermDrainsAndExitsZero() throws Exception {
        Process p = new ProcessBuilder(daemonCommand()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            readUntil(out, seen, "\"event\":\"started\"");
            signal(p, "TERM");
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the daemon stops after SIGTERM");
            readUntil(out, seen, null);
            assertEquals(0, p.exitValue(), seen.toString());
            String all = seen.toString();
            assertTrue(all.contains("\"event\":\"signal_received\",\"signal\":\"TERM\""), all);
            assertTrue(all.contains("\"event\":\"drain_finished\""), all);
            assertTrue(all.contains("\"event\":\"stopped\""), all);
            if (!inheritsIgnoredHupOrTerm()) { // a test run under nohup passes its ignored HUP on
                assertFalse(all.contains("signals_reset"), "nothing was inherited as ignored here: " + all);
            }
            // config/jvm.options leaves the soft heap target to the daemon: the initial heap, within [256 MiB, max]
            com.fasterxml.jackson.databind.JsonNode heap = event(all, "heap");
            long initial = heap.get("initial_bytes").asLong();
            long max = heap.get("max_bytes").asLong();
            assertEquals("initial heap", heap.get("soft_max_from").asText(), all);
            assertEquals(Math.min(max, Math.max(initial, 256L << 20)), heap.get("soft_max_bytes").asLong(), all);
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * Started under {@code trap '' HUP TERM} (as nohup and some supervisors do), the JVM alone
     * would never call the handlers: HUP must still reload and TERM still drain.
     */
    @Test
    void hupAndTermInheritedAsIgnoredStillReloadAndDrain() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "trap '' HUP TERM; exec \"$@\"", "sh"));
        cmd.addAll(daemonCommand("-XX:SoftMaxHeapSize=300m"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            readUntil(out, seen, "\"event\":\"started\"");
            assertTrue(seen.toString().contains("\"event\":\"signals_reset\",\"signals\":\"TERM,HUP\""),
                    seen.toString());
            com.fasterxml.jackson.databind.JsonNode heap = event(seen.toString(), "heap");
            assertEquals("jvm flags", heap.get("soft_max_from").asText(), "an explicit flag is kept");
            assertEquals(300L << 20, heap.get("soft_max_bytes").asLong());
            signal(p, "HUP");
            readUntil(out, seen, "\"event\":\"reloaded\"");
            signal(p, "TERM");
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the daemon stops after SIGTERM: " + seen);
            readUntil(out, seen, null);
            assertEquals(0, p.exitValue(), seen.toString());
            assertTrue(seen.toString().contains("\"event\":\"drain_finished\""), seen.toString());
        } finally {
            p.destroyForcibly();
        }
    }

    /** The daemon in a JVM of its own, on free loopback ports. */
    private static List<String> daemonCommand(String... extraJvmFlags) {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin);
        for (String flag : System.getProperty("rm.jvm.flags", jvmFlagsFromConfig()).split(" ")) {
            if (!flag.isBlank()) {
                cmd.add(flag);
            }
        }
        cmd.addAll(List.of(extraJvmFlags));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-cp", System.getProperty("java.class.path"), "org.remotemedia.daemon.Main", "serve",
                "--set", "server.host=127.0.0.1", "--set", "server.port=0", "--set", "server.metrics_host=127.0.0.1",
                "--set", "server.metrics_port=0", "--set", "server.drain_grace_ms=2000"));
        return cmd;
    }

    /** Appends lines to {@code seen} until one contains {@code marker} (asserted), or to the end when null. */
    private static void readUntil(BufferedReader out, StringBuilder seen, String marker) throws IOException {
        String line;
        while ((line = out.readLine()) != null) {
            seen.append(line).append('\n');
            if (marker != null && line.contains(marker)) {
                return;
            }
        }
        assertTrue(marker == null, "no line with " + marker + " before the end of the output: " + seen);
    }

    /** The first JSON line of {@code log} whose event is {@code name}. */
    private static com.fasterxml.jackson.databind.JsonNode event(String log, String name) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : log.split("\n")) {
            if (line.startsWith("{") && line.contains("\"event\":\"" + name + "\"")) {
                return json.readTree(line);
            }
        }
        throw new AssertionError("no " + name + " event in: " + log);
    }

    private static void signal(Process p, String name) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + name, Long.toString(p.pid())).start().waitFor());
    }

    /** config/jvm.options (the daemon's engine needs them: agrona, vector API). */
    private static String jvmFlagsFromConfig() {
        return String.join(" ", org.remotemedia.testkit.JvmOptions.read());
    }

    /** Whether this JVM ignores SIGHUP or SIGTERM (bits 0 and 14 of SigIgn in /proc/self/status), as its children then do. */
    private static boolean inheritsIgnoredHupOrTerm() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) {
                long ignored = Long.parseUnsignedLong(line.substring("SigIgn:".length()).strip(), 16);
                return (ignored & ((1L << 0) | (1L << 14))) != 0;
            }
        }
        return false;
    }
}
