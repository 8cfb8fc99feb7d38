package org.remotemedia.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void defaultsServeGrpcOn50051AndMetricsOn9090() {
        ServerConfig c = ServerConfig.defaults();
        assertEquals(50051, c.server().port());
        assertEquals(9090, c.server().metricsPort());
        assertEquals(64 * 1024 * 1024, c.transport().maxInboundMessageBytes());
        assertFalse(c.transport().tlsEnabled());
        assertFalse(c.auth().enabled());
        assertEquals(300_000, c.streaming().idleTimeoutMs());
        assertEquals(10, c.streaming().metricsEveryChunks());
    }

    @Test
    void theShippedDefaultFileIsValid() {
        ServerConfig c = ConfigLoader.load(Path.of("config", "server.yaml"), Map.of(), List.of());
        assertEquals(50051, c.server().port());
        assertEquals(9090, c.server().metricsPort());
    }

    @Test
    void fileThenEnvironmentThenFlagsInRisingPrecedence() throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "server:\n  port: 6000\n  metrics_port: 6001\ntransport:\n  max_inbound_message_bytes: 1m\n");
        ServerConfig c = ConfigLoader.load(f, Map.of("RM_SERVER_METRICS_PORT", "7001", "PATH", "/bin"),
                List.of("transport.max_inbound_message_bytes=2k"));
        assertEquals(6000, c.server().port());
        assertEquals(7001, c.server().metricsPort());
        assertEquals(2048, c.transport().maxInboundMessageBytes());
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of(),
                List.of("server.prot=1", "server.metrics_port=70000", "execution.dsp_mode=gpu",
                        "streaming.strict_sequence=maybe", "transport.tls_cert_chain=/x.pem")));
        List<String> p = e.problems();
        assertEquals(5, p.size(), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("server.prot") && s.contains("did you mean 'server.port'")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("server.metrics_port = 70000") && s.contains("allowed 0 to 65535") && s.contains("from --set")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("execution.dsp_mode") && s.contains("inline, workers, auto")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("streaming.strict_sequence") && s.contains("boolean")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("tls_private_key")), p.toString());
    }

    @Test
    void malformedYamlAndOverridesAreRejectedClearly() throws IOException {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "server:\n  port: [1, 2\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(f, Map.of(), List.of()));
        assertTrue(e.getMessage().contains("not valid YAML"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, Map.of(), List.of("justakey")));
        assertTrue(e.getMessage().contains("expected key=value"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(dir.resolve("missing.yaml"), Map.of(), List.of()));
        assertTrue(e.getMessage().contains("cannot read"), e.getMessage());
    }

    @Test
    void docsListEverySetting() throws IOException {
        String doc = Files.readString(Path.of("docs", "configuration.md"));
        for (String key : ServerConfig.keys()) {
            assertTrue(doc.contains("`" + key + "`"), "docs/configuration.md does not document " + key);
        }
    }

    @Test
    void shortEnvironmentNamesAndFlagsTakeTheirPlaceInThePrecedence() throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "server:\n  port: 6000\n  host: 10.0.0.1\nlogging:\n  level: warn\n");
        Map<String, String> env = Map.of("GRPC_PORT", "6100", "GRPC_HOST", "127.0.0.2", "RM_SERVER_HOST", "127.0.0.3",
                "LOG_LEVEL", "DEBUG", "MAX_CONCURRENT_EXECUTIONS", "7", "MAX_TIMEOUT_MS", "1234",
                "MAX_MEMORY_BYTES", "2m", "AUTH_TOKENS_FILE", "/nonexistent", "RM_JAVA_OPTS", "-Xmx1g", "RM_HOME", "/opt");
        ConfigLoader.Sources s = ConfigLoader.sources(f, env, List.of("server.port=6200"),
                Map.of("--metrics-port", "server.metrics_port=6300"));
        ServerConfig c = s.config();
        assertEquals(6200, c.server().port(), "--set beats the environment");
        assertEquals("127.0.0.3", c.server().host(), "RM_* beats the short name");
        assertEquals(6300, c.server().metricsPort());
        assertEquals("debug", c.logging().level(), "levels are case-insensitive");
        assertEquals(7, c.execution().maxConcurrentExecutions());
        assertEquals(1234, c.execution().maxTimeoutMs());
        assertEquals(2L << 20, c.execution().maxMemoryBytes());
        assertEquals(Path.of("/nonexistent"), c.auth().tokensFile());
        ConfigLoader.Sources flagWins = ConfigLoader.sources(f, env, List.of("server.port=6200"),
                Map.of("--port", "server.port=6400"));
        assertEquals(6400, flagWins.config().server().port(), "--port beats --set");
        ConfigException bad = assertThrows(ConfigException.class, () -> ConfigLoader.sources(null,
                Map.of("GRPC_PORT", "http"), List.of(), Map.of()).config());
        assertEquals(List.of("server.port = 'http': not an integer; allowed 0 to 65535 (sizes may end in k, m, g;"
                + " times are milliseconds) (from environment GRPC_PORT)"), bad.problems());
    }

    @Test
    void printedConfigurationIsCompleteValidYamlWithSecretsRedacted() {
        Map<String, String> flat = Map.of("server.port", "6000", "auth.tokens",
                "a:" + "0".repeat(64) + ",b:" + "1".repeat(64));
        String yaml = ServerConfig.toYaml(flat);
        assertFalse(yaml.contains("0".repeat(64)), yaml);
        assertTrue(yaml.contains("tokens: \"<redacted: 2 entries>\""), yaml);
        Map<?, ?> doc = (Map<?, ?>) new org.snakeyaml.engine.v2.api.Load(
                org.snakeyaml.engine.v2.api.LoadSettings.builder().build()).loadFromString(yaml);
        assertEquals(6000, ((Map<?, ?>) doc.get("server")).get("port"));
        int keys = 0;
        for (Object section : doc.values()) {
            keys += ((Map<?, ?>) section).size();
        }
        assertEquals(ServerConfig.keys().size(), keys, "every setting is printed");
    }

    @Test
    void theShippedFileNamesEverySettingWithAComment() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("config", "server.yaml"));
        for (String key : ServerConfig.keys()) {
            String name = key.substring(key.indexOf('.') + 1);
            int at = -1;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).matches("\\s*#?\\s*" + java.util.regex.Pattern.quote(name) + ":.*")) {
                    at = i;
                }
            }
            assertTrue(at > 0, "config/server.yaml does not name " + key);
            assertTrue(lines.get(at - 1).strip().startsWith("#"), "config/server.yaml: no comment above " + key);
        }
        assertEquals(ServerConfig.defaults(), ConfigLoader.load(Path.of("config", "server.yaml"), Map.of(), List.of()),
                "the shipped file sets the defaults, so what it says is what runs");
    }
}
