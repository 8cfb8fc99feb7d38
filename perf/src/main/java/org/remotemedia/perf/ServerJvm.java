package org.remotemedia.perf;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server under test in its own JVM, for the benchmarks: started with config/jvm.options'
 * flags (or {@code PERF_SERVER_JVM_FLAGS} instead, e.g. another GC) plus
 * {@code PERF_SERVER_JVM_OPTS} (e.g. a JFR recording) and this JVM's classpath; its port read
 * from its log; its log drained so it never blocks (and kept in {@code PERF_SERVER_LOG}, a file,
 * when set); stopped by PID at the end. Environment
 * variables named RM_* are server settings, hence the PERF_ prefix here. {@code PERF_SERVER_CPUS}
 * (e.g. "1") pins the server with {@code taskset -c}.
 *
 * <p>Threads: one log reader per server (a daemon thread); the rest on the caller's thread.
 */
final class ServerJvm {
    private ServerJvm() {
    }

    /** A started server: its process, the port its log reported, and its metrics port (-1 where not logged). */
    record Started(Process process, int port, int metricsPort) {
    }

    /** The daemon's start line, with the gRPC port. */
    private static final Pattern DAEMON_STARTED = Pattern.compile("\"event\":\"started\".*\"grpc_port\":(\\d+)");
    /** The metrics port, on the same start line. */
    private static final Pattern METRICS_PORT = Pattern.compile("\"metrics_port\":(\\d+)");

    /**
     * Our daemon ({@code remotemedia serve}) on 127.0.0.1 with free ports and the given
     * {@code execution.dsp_mode}, then {@code settings} ("key=value", as {@code --set} takes them;
     * e.g. the DSP workers' idle strategy and pinning).
     */
    static Started startDaemon(String dspMode, List<String> settings, List<Process> started) throws Exception {
        return start(daemonArgs(dspMode, settings), DAEMON_STARTED, started);
    }

    /** Our daemon (as {@link #startDaemon}, DSP mode auto) with these JVM flags instead of config/jvm.options'. */
    static Started startWith(String jvmFlags, List<String> settings, List<Process> started) throws Exception {
        return start(words(jvmFlags), daemonArgs("auto", settings), DAEMON_STARTED, started);
    }

    private static List<String> daemonArgs(String dspMode, List<String> settings) {
        List<String> args = new ArrayList<>(List.of("org.remotemedia.daemon.Main", "serve",
                "--set", "server.host=127.0.0.1", "--set", "server.port=0", "--set", "server.metrics_host=127.0.0.1",
                "--set", "server.metrics_port=0", "--set", "execution.dsp_mode=" + dspMode));
        for (String kv : settings) { // later --set wins
            args.add("--set");
            args.add(kv);
        }
        return args;
    }

    /** Starts {@code mainAndArgs}; the port is the first group of {@code portLine} in its log. */
    static Started start(List<String> mainAndArgs, Pattern portLine, List<Process> started) throws Exception {
        String flags = String.join(" ", org.remotemedia.testkit.JvmOptions.read());
        List<String> jvm = new ArrayList<>(words(env("PERF_SERVER_JVM_FLAGS", flags)));
        jvm.addAll(words(env("PERF_SERVER_JVM_OPTS", "")));
        return start(jvm, mainAndArgs, portLine, started);
    }

    private static Started start(List<String> jvmFlags, List<String> mainAndArgs, Pattern portLine,
                                 List<Process> started) throws Exception {
        List<String> cmd = new ArrayList<>();
        String cpus = env("PERF_SERVER_CPUS", "");
        if (!cpus.isEmpty()) {
            cmd.addAll(List.of("taskset", "-c", cpus));
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(mainAndArgs);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(p);
        BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        CompletableFuture<Integer> port = new CompletableFuture<>();
        int[] metricsPort = {-1};
        ArrayDeque<String> last = new ArrayDeque<>(); // for the error when no port comes
        String keep = System.getenv("PERF_SERVER_LOG"); // a file that gets every line of the server's log
        Thread reader = new Thread(() -> {
            try (java.io.Writer kept = keep == null || keep.isEmpty() ? java.io.Writer.nullWriter()
                    : java.nio.file.Files.newBufferedWriter(Path.of(keep), StandardCharsets.UTF_8,
                            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND)) {
                String line;
                while ((line = in.readLine()) != null) {
                    kept.write(line);
                    kept.write('\n');
                    kept.flush();
                    if (port.isDone()) {
                        continue; // discarded: the server's log must not block it
                    }
                    synchronized (last) {
                        if (last.size() == 20) {
                            last.removeFirst();
                        }
                        last.addLast(line);
                    }
                    Matcher m = portLine.matcher(line);
                    if (m.find()) {
                        Matcher metrics = METRICS_PORT.matcher(line);
                        metricsPort[0] = metrics.find() ? Integer.parseInt(metrics.group(1)) : -1;
                        port.complete(Integer.parseInt(m.group(1))); // publishes metricsPort[0] with it
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
            port.completeExceptionally(new IllegalStateException("ended"));
        }, "server-log-" + mainAndArgs.get(0));
        reader.setDaemon(true);
        reader.start();
        try {
            int grpcPort = port.get(180, TimeUnit.SECONDS);
            return new Started(p, grpcPort, metricsPort[0]); // warm-up on a loaded, pinned CPU takes a while
        } catch (Exception e) {
            synchronized (last) {
                throw new IllegalStateException("server " + mainAndArgs.get(0) + " did not report its port; its last lines:\n"
                        + String.join("\n", last));
            }
        }
    }

    /** Stops every started server: SIGTERM, then SIGKILL after 5 s. */
    static void stopAll(List<Process> started) throws InterruptedException {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static String env(String name, String otherwise) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? otherwise : v;
    }

    private static List<String> words(String s) {
        return s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }
}
