package org.remotemedia.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real daemon in a child process (scripts/lib/test-daemon: loopback, free port), for the client
 * tests; stopped with SIGTERM on close. Also makes a self-signed certificate for 127.0.0.1 with
 * openssl, for the TLS cases.
 */
public final class TestServer implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("\"event\":\"grpc_listening\".*\"address\":\"[^\"]*:(\\d+)\"");
    public static final Path ROOT = Path.of(System.getProperty("rm.root", "../..")).toAbsolutePath().normalize();

    private final Process process;
    private final int port;
    private final StringBuilder log = new StringBuilder();

    private TestServer(String... settings) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("scripts/lib/test-daemon").toString()));
        for (String s : settings) {
            cmd.add("--set");
            cmd.add(s);
        }
        process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        CompletableFuture<Integer> bound = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        bound.complete(Integer.parseInt(m.group(1)));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            bound.completeExceptionally(new IllegalStateException("the daemon exited before listening:\n" + log()));
        }, "test-daemon-log");
        reader.setDaemon(true);
        reader.start();
        try {
            port = bound.get(90, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("the daemon did not start: " + e.getMessage() + "\n" + log(), e);
        }
    }

    /**
     * The setting that makes the daemon accept this bearer token: the server keeps only
     * NAME:SHA256HEX entries, never the token itself.
     */
    public static String acceptToken(String token) throws Exception {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        return "auth.tokens=test:" + java.util.HexFormat.of().formatHex(digest);
    }

    /** Starts a daemon with these settings (key=value) and waits until it listens. */
    public static TestServer start(String... settings) throws Exception {
        return new TestServer(settings);
    }

    public int port() {
        return port;
    }

    public String target() {
        return "127.0.0.1:" + port;
    }

    public String log() {
        synchronized (log) {
            return log.toString();
        }
    }

    /** {cert.pem, key.pem}: a self-signed certificate for 127.0.0.1 and localhost, made by openssl. */
    public static Path[] selfSignedCert(Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.exists(cert)) {
            throw new IllegalStateException("openssl failed: " + out);
        }
        return new Path[] {cert, key};
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: the daemon drains and exits 0
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
