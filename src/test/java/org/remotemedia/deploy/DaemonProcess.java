package org.remotemedia.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.remotemedia.testkit.JvmOptions;

/**
 * One daemon ({@code Main serve}) in a JVM of its own on 127.0.0.1, as an operator runs it:
 * started with config/jvm.options (a small fixed heap: three of them share a 2-core CI box),
 * its ports read from its {@code started} line, its stdout and stderr written straight to a file
 * in target/balancer-test/ and followed from there (kept in part for failure messages), and the
 * ExecutePipeline calls it answered OK counted from its access log. Not a pipe: on JDK 25 a
 * thread blocked reading a child's pipe can get "Stream closed" when the child exits, and the
 * child's last lines (the drain) are lost. Stopped by its PID only: SIGTERM (drain) or SIGKILL.
 *
 * <p>Threads: one log reader per daemon; the rest on the test's thread.
 */
final class DaemonProcess implements AutoCloseable {
    private static final Pattern STARTED = Pattern.compile(
            "\"event\":\"started\".*\"grpc_port\":(\\d+).*\"metrics_port\":(\\d+)");
    private static final String EXECUTE = "\"method\":\"/remotemedia.v1.PipelineExecutionService/ExecutePipeline\"";

    /** Where each daemon's whole log goes (a failure message names the file). */
    private static final Path LOGS = Path.of("target", "balancer-test");

    final String name;
    private final Path log;
    private final Process process;
    private final CompletableFuture<int[]> ports = new CompletableFuture<>();
    private final ArrayDeque<String> tail = new ArrayDeque<>();
    private final AtomicLong executeOk = new AtomicLong();
    private final CountDownLatch logEnded = new CountDownLatch(1);

    private DaemonProcess(String name, List<String> cmd) throws IOException {
        this.name = name;
        Files.createDirectories(LOGS);
        this.log = Files.createTempFile(LOGS, name + "-", ".log");
        this.process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        process.getOutputStream().close();
        Thread reader = new Thread(this::read, "daemon-log-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Starts a daemon on {@code grpcPort} and {@code metricsPort} (0: a free one) with
     * {@code settings} ("key=value", as {@code --set} takes them); returns at once, {@link #awaitStarted} waits.
     */
    static DaemonProcess start(String name, int grpcPort, int metricsPort, List<String> settings) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JvmOptions.read());
        cmd.addAll(List.of("-Xms256m", "-Xmx1g", "-XX:SoftMaxHeapSize=256m"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.remotemedia.daemon.Main", "serve",
                "--set", "server.host=127.0.0.1", "--set", "server.port=" + grpcPort,
                "--set", "server.metrics_host=127.0.0.1", "--set", "server.metrics_port=" + metricsPort));
        for (String kv : settings) {
            cmd.add("--set");
            cmd.add(kv);
        }
        return new DaemonProcess(name, cmd);
    }

    /** Follows the log file until the process has exited and every byte it wrote is read. */
    private void read() {
        try (var in = Files.newInputStream(log)) {
            StringBuilder partial = new StringBuilder();
            byte[] buf = new byte[64 * 1024];
            while (true) {
                boolean exited = !process.isAlive(); // read before the last pass, so nothing written after is missed
                int n;
                while ((n = in.read(buf)) > 0) {
                    partial.append(new String(buf, 0, n, StandardCharsets.UTF_8)); // JSON lines: ASCII in practice
                    int nl;
                    while ((nl = partial.indexOf("\n")) >= 0) {
                        line(partial.substring(0, nl));
                        partial.delete(0, nl + 1);
                    }
                }
                if (exited) {
                    if (partial.length() > 0) {
                        line(partial.toString());
                    }
                    break;
                }
                Thread.sleep(20); // following a file; nothing is timed
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            synchronized (tail) {
                tail.addLast("log reader: " + e);
            }
        } finally {
            ports.completeExceptionally(new IllegalStateException(name + " ended before it started: " + tail()));
            logEnded.countDown();
        }
    }

    private void line(String line) {
        if (line.contains("\"event\":\"access\"")) {
            if (line.contains(EXECUTE) && line.contains("\"code\":\"OK\"")) {
                executeOk.incrementAndGet();
            }
            return; // too many to keep in memory
        }
        synchronized (tail) {
            if (tail.size() == 40) {
                tail.removeFirst();
            }
            tail.addLast(line);
        }
        Matcher m = STARTED.matcher(line);
        if (m.find()) {
            ports.complete(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
        }
    }

    /** Waits (bounded: warm-up on a loaded 2-core box is slow) for the started line. */
    DaemonProcess awaitStarted() throws Exception {
        ports.get(180, TimeUnit.SECONDS);
        return this;
    }

    int grpcPort() {
        return ports.join()[0];
    }

    int metricsPort() {
        return ports.join()[1];
    }

    long pid() {
        return process.pid();
    }

    /** ExecutePipeline calls this daemon answered OK, from its access log (written asynchronously). */
    long executeOk() {
        return executeOk.get();
    }

    /** SIGTERM: the daemon drains (readiness off, GOAWAY, calls finish) and exits. */
    void sigterm() {
        process.destroy();
    }

    /** SIGKILL: gone at once, sockets closed by the kernel, nothing drained. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Waits up to {@code seconds} for the exit and the end of its log; the exit code, or -1 if still running. */
    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            return -1;
        }
        logEnded.await(10, TimeUnit.SECONDS); // the reader takes the last lines from the file
        return process.exitValue();
    }

    /** The last lines of its log (access lines left out), for failure messages. */
    String tail() {
        synchronized (tail) {
            return name + " (pid " + process.pid() + ", whole log in " + log + "):\n  " + String.join("\n  ", tail);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(25, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
