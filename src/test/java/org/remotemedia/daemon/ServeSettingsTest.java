package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.remotemedia.auth.TokenSet;
import picocli.CommandLine;

/**
 * Every setting an operator sets from the environment or a serve flag: a bad value stops the
 * start before any port opens, with one line on stderr naming the setting, the value, what is
 * allowed and where it came from, and exit code 2.
 */
class ServeSettingsTest {
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "GRPC_HOST|no such host.invalid|server.host = 'no such host.invalid': not an address|environment GRPC_HOST",
        "GRPC_PORT|70000|server.port = 70000: out of range; allowed 0 to 65535|environment GRPC_PORT",
        "AUTH_TOKENS_FILE|/nonexistent/tokens|auth.tokens_file = /nonexistent/tokens: cannot read|",
        "MAX_TIMEOUT_MS|0|execution.max_timeout_ms = 0: out of range; allowed 1 to|environment MAX_TIMEOUT_MS",
        "MAX_MEMORY_BYTES|lots|execution.max_memory_bytes = 'lots': not an integer; allowed 1048576 to|environment MAX_MEMORY_BYTES",
        "MAX_CONCURRENT_EXECUTIONS|-1|execution.max_concurrent_executions = -1: out of range; allowed 1 to 1000000|environment MAX_CONCURRENT_EXECUTIONS",
        "LOG_LEVEL|verbose|logging.level = 'verbose': not one of debug, info, warn, error|environment LOG_LEVEL",
        "RM_STREAMING_MAX_SESSIONS|0|streaming.max_sessions = 0: out of range; allowed 1 to 10000000|environment RM_STREAMING_MAX_SESSIONS",
        "--port|http|server.port = 'http': not an integer; allowed 0 to 65535|--port",
        "--metrics-port|-5|server.metrics_port = -5: out of range; allowed 0 to 65535|--metrics-port",
        "--bind|300.1.2.3|server.host = '300.1.2.3': not an address|--bind",
        "--metrics-bind|no such host.invalid|server.metrics_host = 'no such host.invalid': not an address|--metrics-bind",
        "--set|limits.rate_calls_per_second=fast|limits.rate_calls_per_second = 'fast': not a number; allowed 0 to|--set",
        "--set|logging.access=maybe|logging.access = 'maybe': not a boolean|--set",
        "--set|limits.shed_pool_bytes=lots|limits.shed_pool_bytes = 'lots': not a size; allowed auto, 0 (off)|--set",
        "--config|/nonexistent/server.yaml|/nonexistent/server.yaml: cannot read|",
    })
    void aBadValueIsOneLineAndExitCode2(String where, String value, String message, String origin) {
        ServeCommand cmd = new ServeCommand();
        List<String> args;
        if (where.startsWith("--")) {
            cmd.env = Map.of();
            args = List.of(where, value);
        } else {
            cmd.env = Map.of(where, value);
            args = List.of();
        }
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        int code = new CommandLine(cmd).setErr(new PrintWriter(err)).setOut(new PrintWriter(out))
                .execute(args.toArray(new String[0]));
        assertEquals(ServeCommand.EXIT_CONFIG, code, err.toString());
        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        String line = lines.get(0);
        assertTrue(line.startsWith("remotemedia: invalid setting: " + message), line);
        if (origin != null && !origin.isEmpty()) {
            assertTrue(line.endsWith("(from " + origin + ")"), line);
        }
        assertEquals("", out.toString(), "nothing on stdout, no daemon started");
    }

    /**
     * A token file with a plaintext token in it (a hashed entry beside it) stops {@code serve}
     * itself, not only {@code TokenSet.from}: exit code 2, one line that names the file's line and
     * says how to convert it, and the token nowhere in what is printed.
     */
    @Test
    void aTokenFileWithAPlaintextTokenStopsTheStartSayingHowToConvertWithoutEchoingIt(@TempDir Path dir)
            throws Exception {
        String secret = "plain-secret-7f3a9c1e5b";
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "# the operators\n" + TokenSet.entry("alice", "a-token") + "\n" + secret + "\n");
        ServeCommand cmd = new ServeCommand();
        cmd.env = Map.of();
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        int code = new CommandLine(cmd).setErr(new PrintWriter(err)).setOut(new PrintWriter(out))
                .execute("--set", "auth.tokens_file=" + tokens, "--bind", "127.0.0.1", "--port", "0", "--metrics-bind",
                        "127.0.0.1", "--metrics-port", "0");
        assertEquals(ServeCommand.EXIT_CONFIG, code, err.toString());
        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), err.toString());
        String line = lines.get(0);
        assertTrue(line.startsWith("remotemedia: invalid setting: auth.tokens_file " + tokens + " line 3: "),
                "names the file and its line: " + line);
        assertTrue(line.contains("NAME:SHA256HEX") && line.contains("sha256sum") && line.contains("remotemedia token new"),
                "says how to convert: " + line);
        assertTrue(!err.toString().contains(secret) && !out.toString().contains(secret),
                "the token itself is never printed: " + err + out);
        assertEquals("", out.toString(), "nothing on stdout, no daemon started");
    }
}
