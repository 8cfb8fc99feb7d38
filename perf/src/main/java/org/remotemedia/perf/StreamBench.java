package org.remotemedia.perf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The streaming A/B benchmark (perf/stream-bench): the same StreamPipeline load (the load
 * generator's {@link StreamLoad}, through {@link LoadGen#measure}) against our daemon in several
 * DSP modes, each in its own JVM, interleaved round by round (A, B, A, B ...), with the medians
 * and the per-round ratios of each mode against the first. Sessions send 100 ms chunks of
 * 44.1 kHz mono f32 at 10 Hz through Resample (16 kHz) -> VAD (or, {@code --pipeline passthrough},
 * PassThrough: the transport and service floor), open loop with coordinated-omission correction.
 * Each round's full report (text, JSON, .hgrm) goes to perf/out/stream-bench-TIME/MODE-rN.
 *
 * <p>Bounded: fixed durations, every wait has a timeout, the servers are killed at the end.
 */
public final class StreamBench {
    private final Map<String, String> opts = new LinkedHashMap<>();
    private final List<Process> servers = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        StreamBench b = new StreamBench();
        for (int i = 0; i + 1 < args.length; i += 2) {
            b.opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        try {
            b.run();
        } finally {
            ServerJvm.stopAll(b.servers);
        }
        System.exit(0);
    }

    private String opt(String k, String def) {
        return opts.getOrDefault(k, def);
    }

    /** One round's figures of one mode. */
    record Result(double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs, long chunks, long failures,
                  double serverCpuUsPerChunk, double lateP99Ms) {
    }

    private void run() throws Exception {
        int rounds = Integer.parseInt(opt("rounds", "3"));
        List<String> modes = List.of(opt("modes", "auto,inline,workers").split(","));
        String out = "perf/out/stream-bench-" + System.currentTimeMillis();
        Map<String, ServerJvm.Started> targets = new LinkedHashMap<>();
        for (String m : modes) {
            targets.put(m, ServerJvm.startDaemon(m, List.of("execution.idle_strategy=" + opt("idle", "backoff"),
                    "execution.pin_workers=" + opt("pin", "false"), "execution.max_concurrent_executions=100000",
                    "streaming.max_sessions=100000"), servers));
        }
        for (Map.Entry<String, ServerJvm.Started> t : targets.entrySet()) { // pre-warm, not reported
            System.out.printf(Locale.ROOT, "# pre-warm %s (not in the table): %s%n", t.getKey(),
                    round(t.getValue(), Math.min(Double.parseDouble(opt("seconds", "20")), 5), 3, out + "/prewarm-"
                            + t.getKey()));
        }
        System.out.printf(Locale.ROOT, "# stream bench: %s sessions x %s ms chunks (44.1 kHz f32) through %s; %d rounds x"
                        + " %s; warm-up %s s + measured %s s per round; load %s%n", opt("sessions", "100"),
                opt("interval-ms", "100"), opt("pipeline", "resample-vad"), rounds, modes, opt("warmup", "5"),
                opt("seconds", "20"), ProcStats.loadAverage());
        Map<String, List<Result>> results = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, ServerJvm.Started> t : targets.entrySet()) {
                Result res = round(t.getValue(), Double.parseDouble(opt("seconds", "20")),
                        Double.parseDouble(opt("warmup", "5")), out + "/" + t.getKey() + "-r" + (r + 1));
                results.computeIfAbsent(t.getKey(), k -> new ArrayList<>()).add(res);
                System.out.printf(Locale.ROOT, "# round %d %s: %s; load %s%n", r + 1, t.getKey(), res,
                        ProcStats.loadAverage());
            }
        }
        report(results);
        System.out.println("# rounds' reports: " + out);
    }

    private Result round(ServerJvm.Started t, double seconds, double warmup, String out) throws Exception {
        String pipeline = opt("pipeline", "resample-vad");
        LoadSettings s = LoadSettings.parse(new String[] {"--workload", "stream", "--loop", "open",
                "--target", "127.0.0.1:" + t.port(), "--sessions", opt("sessions", "100"),
                "--connections", opt("connections", "1"), "--chunk-ms", opt("interval-ms", "100"),
                "--sample-rate", "44100", "--pipeline", pipeline, "--duration-s", Double.toString(seconds),
                "--warmup-s", Double.toString(warmup), "--out", out, "--label", "stream-bench"});
        LoadGen.Report r = LoadGen.measure(s, "127.0.0.1", t.port(), t.process().pid());
        r.write();
        Map<String, Object> f = r.figures();
        @SuppressWarnings("unchecked") Map<String, Double> lat = (Map<String, Double>) f.get("latency_ms");
        @SuppressWarnings("unchecked") Map<String, Double> late = (Map<String, Double>) f.get("generator_lateness_ms");
        return new Result(lat.get("p50"), lat.get("p90"), lat.get("p99"), lat.get("p99.9"), lat.get("max"),
                (long) (double) lat.get("count"), r.failures(), (Double) f.get("server_cpu_us_per_op"), late.get("p99"));
    }

    private static void report(Map<String, List<Result>> results) {
        System.out.println();
        System.out.println("| DSP mode | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | p99 spread (min-max) | chunks/round"
                + " | failures | server CPU us/chunk | generator late p99 ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Map.Entry<String, List<Result>> e : results.entrySet()) {
            List<Result> rs = e.getValue();
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f-%.3f | %d | %d | %.0f | %.3f |%n",
                    e.getKey(), median(rs, Result::p50Ms), median(rs, Result::p90Ms), median(rs, Result::p99Ms),
                    median(rs, Result::p999Ms), median(rs, Result::maxMs),
                    rs.stream().mapToDouble(Result::p99Ms).min().orElse(0),
                    rs.stream().mapToDouble(Result::p99Ms).max().orElse(0), rs.get(0).chunks(),
                    rs.stream().mapToLong(Result::failures).sum(), median(rs, Result::serverCpuUsPerChunk),
                    median(rs, Result::lateP99Ms));
        }
        List<List<Result>> all = new ArrayList<>(results.values());
        List<String> names = new ArrayList<>(results.keySet());
        for (int m = 1; m < all.size(); m++) { // every other mode against the first, round by round
            double[] r50 = new double[all.get(0).size()];
            double[] r99 = new double[r50.length];
            for (int i = 0; i < r50.length; i++) {
                r50[i] = Math.round(all.get(m).get(i).p50Ms() / all.get(0).get(i).p50Ms() * 100) / 100.0;
                r99[i] = Math.round(all.get(m).get(i).p99Ms() / all.get(0).get(i).p99Ms() * 100) / 100.0;
            }
            System.out.printf(Locale.ROOT, "%n%s / %s per round: p50 %s, p99 %s%n", names.get(m), names.get(0),
                    Arrays.toString(r50), Arrays.toString(r99));
        }
    }

    private static double median(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        double[] a = rs.stream().mapToDouble(f).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
