package org.remotemedia.perf;

import io.grpc.benchmarks.qps.AsyncClient;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Transport benchmark: grpc-java's official benchmark client ({@link AsyncClient},
 * unary BenchmarkService/UnaryCall, in this JVM) against two servers in their own JVMs, started
 * once and measured interleaved (A, B, A, B ..., the order flipped every round):
 * <ul>
 *   <li>{@code ours}: {@code org.remotemedia.daemon.InteropServer} (our transport, handlers on the event loop);
 *   <li>{@code grpc-java}: {@code io.grpc.benchmarks.qps.AsyncServer --transport=netty_epoll --directexecutor}.
 * </ul>
 * Scenarios: 1 channel x 1 outstanding call (latency) and 4 x 10 (throughput), each with 0 B and
 * 1 KiB request and response payloads (scenarios 0-3, the default); scenario 4 is 1x1 with the
 * service benchmark's sizes (176,400 B request, 64,000 B response). Per run: a warm-up client run (discarded), then the
 * measured run; the server's CPU time over the measured run comes from its
 * {@code /proc/<pid>/stat} (utime + stime, all threads) and is divided by the calls the client
 * completed (QPS x duration); the client's own CPU per call (this JVM's process CPU time) is
 * reported beside it, to show how much of each call's cost is the client's.
 *
 * <p>Prints a markdown report (medians, ratios ours / grpc-java, per-round spreads) on stdout.
 * Bounded: every run has a fixed duration; servers are killed at the end or on error.
 *
 * <p>Event loops: grpc-java's AsyncServer runs 2 x (the CPUs it sees) netty event loops; ours is
 * given the same number ({@code --our-event-loops} overrides), so both get the same share of a
 * contended CPU.
 *
 * <p>Arguments: {@code --rounds N --prewarm S --warmup S --our-event-loops N --duration S --server-cpus LIST --java PATH
 * --jvm-flags "..." --classpath CP}. Threads: single-threaded driver.
 */
public final class TransportBench {
    private record Scenario(String name, int channels, int outstanding, int payload, int responsePayload) {
        Scenario(String name, int channels, int outstanding, int payload) {
            this(name, channels, outstanding, payload, payload);
        }

    }

    private record Result(double p50Us, double p99Us, double qps, double cpuUsPerCall, double sysShare,
            double clientCpuUsPerCall) {
    }


    private static final List<Scenario> ALL_SCENARIOS = List.of(
            new Scenario("latency 1x1, 0 B", 1, 1, 0),
            new Scenario("latency 1x1, 1 KiB", 1, 1, 1024),
            new Scenario("throughput 4x10, 0 B", 4, 10, 0),
            new Scenario("throughput 4x10, 1 KiB", 4, 10, 1024),
            // the service benchmark's sizes (1 s of 44.1 kHz f32 in, 16,000 f32 out) without DSP:
            // the transport's share of ExecutePipeline's latency; selected with --scenarios 4
            new Scenario("latency 1x1, 176,400 B in / 64,000 B out", 1, 1, 176_400, 64_000));

    /** The scenarios of this run ({@code --scenarios 0,2}: indexes into the list above). */
    private static List<Scenario> SCENARIOS = ALL_SCENARIOS;

    /** Servers of this run, in order: "ours", then "grpc-java" and/or "ours-B". */
    private static String[] SERVERS = {"ours", "grpc-java"};

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opt.put(args[i], args[i + 1]);
        }
        int rounds = Integer.parseInt(opt.getOrDefault("--rounds", "5"));
        int warmupS = Integer.parseInt(opt.getOrDefault("--warmup", "4"));
        int durationS = Integer.parseInt(opt.getOrDefault("--duration", "8"));
        int prewarmS = Integer.parseInt(opt.getOrDefault("--prewarm", "5"));
        String serverCpus = opt.getOrDefault("--server-cpus", "");
        String java = opt.getOrDefault("--java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String jvmFlags = opt.getOrDefault("--jvm-flags", "");
        String cp = opt.getOrDefault("--classpath", System.getProperty("java.class.path"));
        // grpc-java's AsyncServer runs 2 x (CPUs it sees) event loops; ours gets the same count
        int cpuCount = serverCpus.isEmpty() ? Runtime.getRuntime().availableProcessors() : countCpus(serverCpus);
        int ourLoops = Integer.parseInt(opt.getOrDefault("--our-event-loops", Integer.toString(2 * cpuCount)));
        // A/B of our own transport: a second "ours" with other classes (a copy of a previous
        // build's target/classes), other settings (--set k=v, comma-separated) or other JVM flags
        String bClasses = opt.getOrDefault("--b-classes", "");
        String bSet = opt.getOrDefault("--b-set", "");
        String aSet = opt.getOrDefault("--a-set", "");
        String bJvmFlags = opt.getOrDefault("--b-jvm-flags", jvmFlags);
        boolean withB = !bClasses.isEmpty() || !bSet.isEmpty() || opt.containsKey("--b-jvm-flags");
        boolean withGrpc = !"false".equals(opt.getOrDefault("--grpc-java", "true"));
        List<String> names = new ArrayList<>(List.of("ours"));
        if (withGrpc) {
            names.add("grpc-java");
        }
        if (withB) {
            names.add("ours-B");
        }
        SERVERS = names.toArray(new String[0]);
        List<Scenario> selected = new ArrayList<>();
        for (String i : opt.getOrDefault("--scenarios", "0,1,2,3").split(",")) {
            selected.add(ALL_SCENARIOS.get(Integer.parseInt(i.trim())));
        }
        SCENARIOS = selected;

        Map<String, Server> servers = new LinkedHashMap<>();
        try {
            servers.put("ours", Server.start("ours", java, jvmFlags, cp, serverCpus, ourLoops, aSet));
            if (withGrpc) {
                servers.put("grpc-java", Server.start("grpc-java", java, jvmFlags, cp, serverCpus, 0, ""));
            }
            if (withB) {
                servers.put("ours-B", Server.start("ours-B", java, bJvmFlags,
                        bClasses.isEmpty() ? cp : bClasses + System.getProperty("path.separator") + cp, serverCpus, ourLoops, bSet));
            }
            // both servers through every scenario once before round 1 (JIT, pools), discarded
            for (Scenario sc : SCENARIOS) {
                for (String name : SERVERS) {
                    clientRun(clientArgs(servers.get(name), sc), prewarmS);
                }
            }
            // results[scenario][server][round]
            Result[][][] results = new Result[SCENARIOS.size()][SERVERS.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int s = 0; s < SCENARIOS.size(); s++) {
                    for (int k = 0; k < SERVERS.length; k++) {
                        int srv = (r % 2 == 0) ? k : SERVERS.length - 1 - k; // A, B, C / C, B, A
                        Server server = servers.get(SERVERS[srv]);
                        Result res = run(server, SCENARIOS.get(s), warmupS, durationS);
                        results[s][srv][r] = res;
                        System.err.printf(Locale.ROOT, "round %d  %-24s %-9s p50 %7.1f us  p99 %7.1f us  %9.0f qps  "
                                + "server cpu %6.1f us/call%n", r + 1, SCENARIOS.get(s).name, SERVERS[srv],
                                res.p50Us, res.p99Us, res.qps, res.cpuUsPerCall);
                    }
                }
            }
            report(results, rounds, prewarmS, warmupS, durationS, serverCpus, servers);
        } finally {
            for (Server s : servers.values()) {
                s.stop();
            }
        }
    }

    private static String[] clientArgs(Server server, Scenario sc) {
        return new String[] {
            "--address=127.0.0.1:" + server.port,
            "--channels=" + sc.channels,
            "--outstanding_rpcs=" + sc.outstanding,
            "--client_payload=" + sc.payload,
            "--server_payload=" + sc.responsePayload,
            "--transport=netty_epoll",
            "--directexecutor=true",
            "--warmup_duration=0",
        };
    }

    private static Result run(Server server, Scenario sc, int warmupS, int durationS) throws Exception {
        String[] common = clientArgs(server, sc);
        clientRun(common, warmupS); // warm-up: JIT of both sides, connections, pools
        long[] cpuBefore = ProcStats.cpuTicks(server.process.pid());
        long clientBefore = ProcStats.selfCpuNanos();
        String out = clientRun(common, durationS);
        long clientAfter = ProcStats.selfCpuNanos();
        long[] cpuAfter = ProcStats.cpuTicks(server.process.pid());
        server.checkAlive();
        double p50 = field(out, "50%ile Latency \\(in micros\\):\\s+(\\d+)");
        double p99 = field(out, "99%ile Latency \\(in micros\\):\\s+(\\d+)");
        double qps = field(out, "QPS:\\s+(\\d+)");
        double calls = qps * durationS;
        long user = cpuAfter[0] - cpuBefore[0];
        long sys = cpuAfter[1] - cpuBefore[1];
        double cpuUs = (user + sys) * 1e6 / ProcStats.CLOCK_TICKS;
        return new Result(p50, p99, qps, calls > 0 ? cpuUs / calls : Double.NaN,
                user + sys > 0 ? (double) sys / (user + sys) : Double.NaN,
                calls > 0 ? (clientAfter - clientBefore) / 1e3 / calls : Double.NaN);
    }

    /** Runs grpc-java's AsyncClient in this JVM and returns what it printed. */
    private static String clientRun(String[] common, int durationS) throws Exception {
        String[] args = Arrays.copyOf(common, common.length + 1);
        args[common.length] = "--duration=" + durationS;
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            AsyncClient.main(args);
        } finally {
            System.setOut(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        if (!out.contains("QPS:")) {
            throw new IllegalStateException("AsyncClient printed no result:\n" + out);
        }
        return out;
    }

    private static double field(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("no '" + regex + "' in:\n" + text);
        }
        return Double.parseDouble(m.group(1));
    }

    // ------------------------------------------------------------------ report

    private static void report(Result[][][] results, int rounds, int prewarm, int warmupS, int durationS, String cpus,
            Map<String, Server> servers) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d rounds after a %d s pre-warm of each server in each scenario; per run %d s warm-up (discarded) + %d s measured; "
                + "server CPUs %s%n%n", rounds, prewarm, warmupS, durationS, cpus.isEmpty() ? "not pinned" : cpus));
        for (Server s : servers.values()) {
            sb.append("- ").append(s.name).append(": ").append(s.name.equals("grpc-java")
                    ? "AsyncServer netty_epoll directexecutor (" + s.banner + ")" : "InteropServer (" + s.banner + ")")
                    .append('\n');
        }
        sb.append('\n');
        for (int other = 1; other < SERVERS.length; other++) {
            String o = SERVERS[other];
            boolean targets = o.equals("grpc-java");
            sb.append("| scenario | metric | ours (median) | ").append(o).append(" (median) | ratio ours/").append(o)
                    .append(" (median of per-round ratios) | per-round ratio min..max | target | met |\n");
            sb.append("|---|---|---:|---:|---:|---|---|---|\n");
            for (int s = 0; s < SCENARIOS.size(); s++) {
                Scenario sc = SCENARIOS.get(s);
                boolean latency = sc.channels == 1 && sc.outstanding == 1;
                Result[][] pair = {results[s][0], results[s][other]};
                row(sb, sc.name, "p50 latency (us)", pair, rounds, Result::p50Us, targets && latency ? "<= 0.70" : "",
                        0.70, true);
                row(sb, sc.name, "p99 latency (us)", pair, rounds, Result::p99Us, "", 0, true);
                row(sb, sc.name, "throughput (calls/s)", pair, rounds, Result::qps, targets && !latency ? ">= 1.30" : "",
                        1.30, false);
                row(sb, sc.name, "server CPU (us/call)", pair, rounds, Result::cpuUsPerCall, targets ? "<= 0.60" : "",
                        0.60, true);
                row(sb, sc.name, "kernel share of server CPU", pair, rounds, Result::sysShare, "", 0, true);
                row(sb, sc.name, "client CPU (us/call, same client)", pair, rounds, Result::clientCpuUsPerCall, "", 0,
                        true);
            }
            sb.append('\n');
        }
        sb.append("Raw runs (p50 us / p99 us / qps / server CPU us per call / kernel share / client CPU us per call):"
                + "\n\n");
        for (int s = 0; s < SCENARIOS.size(); s++) {
            for (int k = 0; k < SERVERS.length; k++) {
                sb.append("- ").append(SCENARIOS.get(s).name).append(", ").append(SERVERS[k]).append(": ");
                for (int r = 0; r < rounds; r++) {
                    Result x = results[s][k][r];
                    sb.append(String.format(Locale.ROOT, "%s%.0f / %.0f / %.0f / %.1f / %.2f / %.1f", r == 0 ? "" : "; ",
                            x.p50Us, x.p99Us, x.qps, x.cpuUsPerCall, x.sysShare, x.clientCpuUsPerCall));
                }
                sb.append('\n');
            }
        }
        System.out.print(sb);
    }

    private interface Metric {
        double of(Result r);
    }

    private static void row(StringBuilder sb, String scenario, String metric, Result[][] byServer, int rounds, Metric m,
            String target, double bound, boolean lowerIsBetter) {
        double[] a = new double[rounds];
        double[] b = new double[rounds];
        double[] ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            a[r] = m.of(byServer[0][r]);
            b[r] = m.of(byServer[1][r]);
            ratio[r] = a[r] / b[r];
        }
        double med = median(ratio);
        String met = target.isEmpty() ? "" : (lowerIsBetter ? med <= bound : med >= bound) ? "yes" : "**no**";
        sb.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f | %.2f..%.2f | %s | %s |%n", scenario, metric,
                median(a), median(b), med, min(ratio), max(ratio), target, met));
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        int n = c.length;
        return n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }

    private static double min(double[] v) {
        return Arrays.stream(v).min().orElse(Double.NaN);
    }

    private static double max(double[] v) {
        return Arrays.stream(v).max().orElse(Double.NaN);
    }

    // ------------------------------------------------------------------ server processes

    /** CPUs in a taskset list such as "1" or "0-1,3". */
    private static int countCpus(String list) {
        int n = 0;
        for (String part : list.split(",")) {
            int dash = part.indexOf('-');
            n += dash < 0 ? 1 : Integer.parseInt(part.substring(dash + 1)) - Integer.parseInt(part.substring(0, dash)) + 1;
        }
        return n;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /** One server JVM. */
    private static final class Server {
        final String name;
        final Process process;
        final int port;
        final String banner;

        private Server(String name, Process process, int port, String banner) {
            this.name = name;
            this.process = process;
            this.port = port;
            this.banner = banner;
        }

        static Server start(String name, String java, String jvmFlags, String cp, String cpus, int loops,
                String settings) throws Exception {
            int port = freePort();
            List<String> cmd = new ArrayList<>();
            if (!cpus.isEmpty()) {
                cmd.addAll(List.of("taskset", "-c", cpus));
            }
            cmd.add(java);
            for (String f : jvmFlags.trim().split("\\s+")) {
                if (!f.isEmpty()) {
                    cmd.add(f);
                }
            }
            cmd.addAll(List.of("-cp", cp));
            String ready;
            if (name.startsWith("ours")) {
                cmd.addAll(List.of("org.remotemedia.daemon.InteropServer", "--port", Integer.toString(port),
                        "--log-level", "error", "--set", "transport.event_loop_threads=" + loops));
                for (String kv : settings.split(",")) {
                    if (!kv.isBlank()) {
                        cmd.addAll(List.of("--set", kv.trim()));
                    }
                }
                ready = "interop-server listening on ";
            } else {
                cmd.addAll(List.of("io.grpc.benchmarks.qps.AsyncServer", "--address=127.0.0.1:" + port,
                        "--transport=netty_epoll", "--directexecutor=true"));
                ready = "QPS Server started on";
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String line;
            String banner = null;
            while ((line = in.readLine()) != null) {
                if (line.contains(ready)) {
                    banner = line.trim();
                    break;
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
            if (banner == null) {
                p.destroyForcibly();
                throw new IllegalStateException(name + " server did not start: " + String.join(" ", cmd));
            }
            // keep draining its output so it never blocks on a full pipe
            Thread drain = new Thread(() -> {
                try {
                    while (in.readLine() != null) {
                        // discard
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            }, name + "-output");
            drain.setDaemon(true);
            drain.start();
            return new Server(name, p, port, banner + (loops > 0 ? ", " + loops + " event loops" : "")
                    + (settings.isBlank() ? "" : ", --set " + settings) + (name.equals("ours-B") ? ", JVM flags "
                    + jvmFlags + ", classpath " + cp.substring(0, Math.min(cp.length(), 120)) + "..." : ""));
        }

        void checkAlive() {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " server exited with " + process.exitValue());
            }
        }

        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
