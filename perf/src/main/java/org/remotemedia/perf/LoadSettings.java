package org.remotemedia.perf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every setting of the load generator ({@link LoadGen}), parsed from {@code --name value}
 * arguments and checked once: all problems are reported together, each with its allowed values.
 * Units are in the names. Immutable; any thread.
 *
 * @param workload        {@code unary} (ExecutePipeline) or {@code stream} (StreamPipeline sessions)
 * @param loop            {@code open} (work issued on a schedule, latency from the intended time,
 *                        coordinated-omission corrected) or {@code closed} (the next call or chunk when
 *                        the last answer came)
 * @param target          host:port of a running server; empty with {@code startDaemon}
 * @param serverPid       the server's process id, for its CPU and RSS from /proc (0: none)
 * @param startDaemon     start our daemon in its own JVM for the run (its PID is read automatically)
 * @param daemonSettings  {@code --set key=value} settings for that daemon
 * @param connections     HTTP/2 connections (grpc-java channels); calls and sessions spread over them
 * @param ratePerSecond   unary open loop: calls issued per second
 * @param concurrency     unary closed loop: calls in flight
 * @param maxInFlight     unary open loop: calls in flight beyond which issuing waits (the wait shows as latency)
 * @param sessions        stream: concurrent sessions
 * @param chunkMs         stream: audio per chunk and, open loop, the interval between a session's chunks
 * @param audioMs         unary: audio per call
 * @param sampleRate      input sample rate (synthetic audio; a WAV file brings its own)
 * @param wav             a WAV file to send instead of synthetic audio (looped), or null
 * @param pipeline        {@code resample} (AudioResample to 16 kHz), {@code resample-vad} (... then VAD) or
 *                        {@code passthrough}
 * @param durationS       measured seconds
 * @param warmupS         seconds of the same load before the measured part, not recorded
 * @param misbehaveShare  stream: share of sessions that misbehave (0..0.5), in five kinds, each checked
 * @param out             directory for report.txt, report.json and the .hgrm files
 * @param label           the run's name in the report
 * @param clientThreads   event-loop threads of the client's channels
 * @param keepAliveMs     client keepalive pings (0: off)
 * @param sourceAddresses loopback source addresses 127.0.0.1 .. 127.0.0.N the connections are spread over
 *                        (each has its own ephemeral ports: more than ~28,000 connections need N > 1)
 */
record LoadSettings(String workload, String loop, String target, long serverPid, boolean startDaemon,
                    List<String> daemonSettings, int connections, double ratePerSecond, int concurrency,
                    int maxInFlight, int sessions, int chunkMs, int audioMs, int sampleRate, Path wav,
                    String pipeline, double durationS, double warmupS, double misbehaveShare, Path out,
                    String label, int clientThreads, long keepAliveMs, int sourceAddresses) {

    static final String USAGE = """
            perf/loadgen --workload unary|stream --loop open|closed [settings]
              where:    --target HOST:PORT [--server-pid PID]   or   --start-daemon true [--set key=value ...]
              load:     --connections N (1)  --rate CALLS_PER_S (100, unary open)  --concurrency N (16, unary closed)
                        --max-in-flight N (10000)  --sessions N (100, stream)  --chunk-ms MS (100, stream)
                        --audio-ms MS (1000, unary)  --sample-rate HZ (48000)  --wav FILE  --pipeline
                        resample|resample-vad|passthrough (unary: resample, stream: resample-vad)
              time:     --duration-s S (30)  --warmup-s S (5)
              stream:   --misbehave SHARE (0; e.g. 0.05: wrong sequence, stop reading, disconnect mid-chunk,
                        oversize chunk, malformed manifest, in turn)
              client:   --client-threads N (1)  --keepalive-ms MS (0 = off)  --source-addresses N (1)
              output:   --out DIR (perf/out/loadgen-<time>)  --label NAME
            """;

    static LoadSettings parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        List<String> sets = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || i + 1 >= args.length) {
                problems.add("'" + a + "': expected --name value");
                continue;
            }
            String v = args[++i];
            if (a.equals("--set")) {
                sets.add(v);
            } else {
                o.put(a.substring(2), v);
            }
        }
        Reader r = new Reader(o, problems);
        String workload = r.oneOf("workload", "unary", "unary", "stream");
        String loop = r.oneOf("loop", "open", "open", "closed");
        boolean start = Boolean.parseBoolean(r.str("start-daemon", "false"));
        String target = r.str("target", "");
        if (start == !target.isEmpty()) {
            problems.add("give exactly one of --target HOST:PORT or --start-daemon true");
        }
        String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
        String wav = r.str("wav", "");
        LoadSettings s = new LoadSettings(workload, loop, target, r.longIn("server-pid", 0, 0, Long.MAX_VALUE), start,
                List.copyOf(sets), r.intIn("connections", 1, 1, 100_000), r.doubleIn("rate", 100, 0.1, 1e7),
                r.intIn("concurrency", 16, 1, 100_000), r.intIn("max-in-flight", 10_000, 1, 1_000_000),
                r.intIn("sessions", 100, 1, 100_000), r.intIn("chunk-ms", 100, 1, 10_000),
                r.intIn("audio-ms", 1000, 1, 600_000), r.intIn("sample-rate", 48_000, 1000, 768_000),
                wav.isEmpty() ? null : Path.of(wav),
                r.oneOf("pipeline", workload.equals("stream") ? "resample-vad" : "resample", "resample", "resample-vad",
                        "passthrough"),
                r.doubleIn("duration-s", 30, 0.1, 86_400), r.doubleIn("warmup-s", 5, 0, 3600),
                r.doubleIn("misbehave", 0, 0, 0.5), Path.of(r.str("out", "perf/out/loadgen-" + stamp)),
                r.str("label", workload + "-" + loop), r.intIn("client-threads", 1, 1, 256),
                r.longIn("keepalive-ms", 0, 0, Long.MAX_VALUE / 2), r.intIn("source-addresses", 1, 1, 250));
        for (String k : o.keySet()) {
            if (!r.known.contains(k)) {
                problems.add("unknown setting --" + k);
            }
        }
        if (s.misbehaveShare > 0 && !workload.equals("stream")) {
            problems.add("--misbehave applies to --workload stream only");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems) + "\n\n" + USAGE);
        }
        return s;
    }

    boolean open() {
        return loop.equals("open");
    }

    boolean stream() {
        return workload.equals("stream");
    }

    /** The settings as one line, for the report. */
    String describe() {
        StringBuilder b = new StringBuilder();
        b.append(workload).append(' ').append(loop).append(" loop, ");
        if (stream()) {
            b.append(sessions).append(" sessions, ").append(chunkMs).append(" ms chunks");
            if (misbehaveShare > 0) {
                b.append(String.format(Locale.ROOT, ", %.1f%% misbehaving", misbehaveShare * 100));
            }
        } else if (open()) {
            b.append(String.format(Locale.ROOT, "%.1f calls/s (at most %d in flight)", ratePerSecond, maxInFlight));
        } else {
            b.append(concurrency).append(" in flight");
        }
        if (!stream()) {
            b.append(", ").append(audioMs).append(" ms of audio per call");
        }
        b.append(", ").append(connections).append(" connection(s), pipeline ").append(pipeline).append(", ")
                .append(wav == null ? "synthetic " + sampleRate + " Hz mono" : "WAV " + wav).append(", ")
                .append(String.format(Locale.ROOT, "%.0f s measured after %.0f s warm-up", durationS, warmupS));
        return b.toString();
    }

    private static final class Reader {
        final Map<String, String> o;
        final List<String> problems;
        final java.util.Set<String> known = new java.util.HashSet<>();

        Reader(Map<String, String> o, List<String> problems) {
            this.o = o;
            this.problems = problems;
        }

        String str(String k, String def) {
            known.add(k);
            return o.getOrDefault(k, def);
        }

        String oneOf(String k, String def, String... allowed) {
            String v = str(k, def);
            if (!List.of(allowed).contains(v)) {
                problems.add("--" + k + " " + v + ": allowed " + String.join(", ", allowed));
                return def;
            }
            return v;
        }

        int intIn(String k, int def, int min, int max) {
            return (int) longIn(k, def, min, max);
        }

        long longIn(String k, long def, long min, long max) {
            String v = str(k, Long.toString(def));
            try {
                long x = Long.parseLong(v);
                if (x < min || x > max) {
                    problems.add("--" + k + " " + v + ": allowed " + min + ".." + max);
                    return def;
                }
                return x;
            } catch (NumberFormatException e) {
                problems.add("--" + k + " " + v + ": not an integer (allowed " + min + ".." + max + ")");
                return def;
            }
        }

        double doubleIn(String k, double def, double min, double max) {
            String v = str(k, Double.toString(def));
            try {
                double x = Double.parseDouble(v);
                if (!(x >= min && x <= max)) {
                    problems.add("--" + k + " " + v + ": allowed " + min + ".." + max);
                    return def;
                }
                return x;
            } catch (NumberFormatException e) {
                problems.add("--" + k + " " + v + ": not a number (allowed " + min + ".." + max + ")");
                return def;
            }
        }
    }
}
