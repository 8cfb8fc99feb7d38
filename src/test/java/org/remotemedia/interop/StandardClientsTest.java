package org.remotemedia.interop;

import org.remotemedia.daemon.InteropServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standard clients other than grpc-java against our interop server: grpc-js (Node), grpcio
 * (Python, Debian's package) and buf curl (schemas through server reflection, no .proto
 * files). Each runs as a child process and must exit 0; the tools are installed by
 * scripts/lib/install-test-tools.sh (scripts/test runs it first).
 */
class StandardClientsTest {
    private static final String INSTALL = "scripts/lib/install-test-tools.sh";
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static InteropServer server;
    private static Path descriptorSet;

    @BeforeAll
    static void start() throws Exception {
        server = InteropServer.startLocal();
        descriptorSet = tmp.resolve("interop.pb");
        Files.write(descriptorSet, descriptorSet(io.grpc.testing.integration.Test.getDescriptor(),
                org.remotemedia.proto.grpc.health.v1.HealthProto.getDescriptor()).toByteArray());
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** The files and everything they import, dependencies first. */
    static FileDescriptorSet descriptorSet(FileDescriptor... roots) {
        Map<String, FileDescriptor> ordered = new LinkedHashMap<>();
        for (FileDescriptor f : roots) {
            addWithDeps(f, ordered);
        }
        FileDescriptorSet.Builder b = FileDescriptorSet.newBuilder();
        ordered.values().forEach(f -> b.addFile(f.toProto()));
        return b.build();
    }

    private static void addWithDeps(FileDescriptor f, Map<String, FileDescriptor> out) {
        if (out.containsKey(f.getName())) {
            return;
        }
        for (FileDescriptor d : f.getDependencies()) {
            addWithDeps(d, out);
        }
        out.put(f.getName(), f);
    }

    private static Path toolsDir() {
        String env = System.getenv("RM_TOOLS_DIR");
        return env != null && !env.isEmpty() ? Path.of(env) : ROOT.resolve("target/test-tools");
    }

    private static Path need(Path tool, String what) {
        if (!Files.exists(tool)) {
            fail(what + " is not installed (looked for " + tool + "): run " + INSTALL
                    + " (scripts/test does), or set RM_TOOLS_DIR to where it installed the tools");
        }
        return tool;
    }

    private record Run(int exit, String out) {
    }

    private static Run run(Map<String, String> env, List<String> cmd) throws Exception {
        Path log = Files.createTempFile(tmp, "client", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(ROOT.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        boolean done = p.waitFor(90, TimeUnit.SECONDS); // bounded: a client that hangs is killed
        if (!done) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        if (!done) {
            fail(String.join(" ", cmd) + " did not finish within 90 s:\n" + out);
        }
        return new Run(p.exitValue(), out);
    }

    private static String target() {
        return "127.0.0.1:" + server.port();
    }

    // ------------------------------------------------------------------ grpc-js

    @Test
    void grpcJs() throws Exception {
        Path modules = toolsDir().resolve("node_modules");
        need(modules.resolve("@grpc/grpc-js/package.json"), "grpc-js (npm @grpc/grpc-js)");
        need(modules.resolve("@grpc/proto-loader/package.json"), "@grpc/proto-loader");
        Run r = run(Map.of("NODE_PATH", modules.toString()), List.of("node",
                "src/test/clients/grpcjs-client.js", target(), descriptorSet.toString()));
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("all ok"), r.out);
    }

    // ------------------------------------------------------------------ grpcio

    @Test
    void grpcio() throws Exception {
        Path python = Path.of("/usr/bin/python3");
        need(python, "python3 (Debian)");
        Run probe = run(Map.of(), List.of(python.toString(), "-c", "import grpc, google.protobuf"));
        if (probe.exit != 0) {
            fail("grpcio is not installed for " + python + " (python3-grpcio, python3-protobuf): run " + INSTALL
                    + "\n" + probe.out);
        }
        Run r = run(Map.of(), List.of(python.toString(), "src/test/clients/grpcio-client.py", target(),
                descriptorSet.toString()));
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.contains("all ok"), r.out);
    }

    // ------------------------------------------------------------------ buf curl (reflection)

    private static Run buf(String... args) throws Exception {
        Path buf = need(toolsDir().resolve("node_modules/.bin/buf"), "buf (npm @bufbuild/buf)");
        List<String> cmd = new ArrayList<>(List.of(buf.toString(), "curl", "--protocol", "grpc",
                "--http2-prior-knowledge"));
        cmd.addAll(List.of(args));
        Files.createDirectories(tmp.resolve("buf-cache"));
        return run(Map.of("BUF_CACHE_DIR", tmp.resolve("buf-cache").toString()), cmd);
    }

    private static List<JsonNode> jsonValues(String text) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = JSON.readerFor(JsonNode.class).readValues(text)) {
            while (it.hasNext()) {
                out.add(it.next());
            }
        }
        return out;
    }

    @Test
    void bufCurlUnaryThroughReflection() throws Exception {
        Run r = buf("--data", "{\"responseSize\": 12, \"fillServerId\": true}",
                "http://" + target() + "/grpc.testing.TestService/UnaryCall");
        assertEquals(0, r.exit, r.out);
        JsonNode resp = jsonValues(r.out).get(0);
        assertEquals(12, Base64.getDecoder().decode(resp.path("payload").path("body").asText()).length, r.out);
        assertEquals("remotemedia-interop", resp.path("serverId").asText(), r.out);
    }

    @Test
    void bufCurlServerStreamingThroughReflection() throws Exception {
        Run r = buf("--data", "{\"responseParameters\": [{\"size\": 3}, {\"size\": 5}]}",
                "http://" + target() + "/grpc.testing.TestService/StreamingOutputCall");
        assertEquals(0, r.exit, r.out);
        List<JsonNode> msgs = jsonValues(r.out);
        assertEquals(2, msgs.size(), r.out);
        assertEquals(3, Base64.getDecoder().decode(msgs.get(0).path("payload").path("body").asText()).length);
        assertEquals(5, Base64.getDecoder().decode(msgs.get(1).path("payload").path("body").asText()).length);
    }

    @Test
    void bufCurlHealthCheckThroughReflection() throws Exception {
        Run r = buf("--data", "{\"service\": \"grpc.testing.TestService\"}",
                "http://" + target() + "/grpc.health.v1.Health/Check");
        assertEquals(0, r.exit, r.out);
        assertEquals("SERVING", jsonValues(r.out).get(0).path("status").asText(), r.out);
        Run unknown = buf("--data", "{\"service\": \"no.such.Service\"}",
                "http://" + target() + "/grpc.health.v1.Health/Check");
        assertTrue(unknown.exit != 0, unknown.out);
        assertTrue(unknown.out.contains("not_found") || unknown.out.contains("NotFound")
                || unknown.out.contains("not found"), unknown.out);
    }

    @Test
    void bufCurlListsServicesWithBothReflectionVersions() throws Exception {
        for (String protocol : List.of("grpc-v1", "grpc-v1alpha")) {
            Run r = buf("--reflect-protocol", protocol, "--list-services", "http://" + target());
            assertEquals(0, r.exit, protocol + ": " + r.out);
            TreeSet<String> names = new TreeSet<>(List.of(r.out.trim().split("\\s+")));
            assertEquals(new TreeSet<>(List.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                    "grpc.reflection.v1alpha.ServerReflection", "grpc.testing.BenchmarkService",
                    "grpc.testing.TestService")), names, protocol + ": " + r.out);
        }
        Run methods = buf("--list-methods", "http://" + target());
        assertEquals(0, methods.exit, methods.out);
        assertTrue(methods.out.contains("grpc.health.v1.Health/Watch"), methods.out);
    }
}
