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
        assertTrue(p.stream().anyMatch(s -> s.contains("server.metrics_port") && s.contains("[0, 65535]")), p.toString());
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
}
