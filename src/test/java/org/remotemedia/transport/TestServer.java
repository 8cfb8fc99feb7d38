package org.remotemedia.transport;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.MethodRegistry;

/** A real server on 127.0.0.1:0 for one test, with its log captured. */
final class TestServer implements AutoCloseable {
    final GrpcServer server;
    final Metrics metrics = new Metrics();
    final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    final JsonLog log = new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), JsonLog.Level.DEBUG);

    TestServer(MethodRegistry registry, String... settings) throws Exception {
        Map<String, String> flat = new HashMap<>();
        flat.put("server.host", "127.0.0.1");
        flat.put("server.port", "0");
        for (int i = 0; i + 1 < settings.length; i += 2) {
            flat.put(settings[i], settings[i + 1]);
        }
        server = GrpcServer.start(ServerConfig.from(flat), registry, metrics, log);
    }

    int port() {
        return server.port();
    }

    String log() {
        return logBytes.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        server.shutdown(0);
    }
}
