package org.remotemedia.perf;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.remotemedia.testkit.DrainLoad;
import org.remotemedia.testkit.StaticAddresses;

/**
 * Shutdown under load, full size (perf/shutdown-under-load): two daemons A and B in their own
 * JVMs behind one grpc-java channel (round robin); {@code unary} ExecutePipeline calls in flight
 * (1 s of 48 kHz audio resampled) and {@code sessions} StreamPipeline sessions (100 ms chunks of
 * 48 kHz at 10 Hz, AudioResample -> VAD) through {@link DrainLoad}, the same client the CI test
 * uses. Phase 1: SIGTERM to A under that load; reports A's exit code and drain time, unary calls
 * OK / failed, transparent retries, sessions closed with "server shutting down" and how long
 * after the signal the last one was, sessions refused while A drained. Phase 2: kill -9 of B
 * (A is gone), then B restarted on its port: how many calls the clients saw fail (UNAVAILABLE)
 * and how long after the restart calls succeed again.
 *
 * <p>{@code ShutdownBench [--unary 32] [--sessions 200] [--warmup-s 10] [--set k=v ...] [--out DIR]}
 * Bounded: every wait has a timeout; both servers are killed at the end.
 */
public final class ShutdownBench {
    public static void main(String[] args) throws Exception {
        int unary = 32;
        int sessions = 200;
        double warmupS = 10;
        List<String> sets = new ArrayList<>();
        Path out = Path.of("perf/out/shutdown-" + System.currentTimeMillis());
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--unary" -> unary = Integer.parseInt(args[i + 1]);
                case "--sessions" -> sessions = Integer.parseInt(args[i + 1]);
                case "--warmup-s" -> warmupS = Double.parseDouble(args[i + 1]);
                case "--set" -> sets.add(args[i + 1]);
                case "--out" -> out = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + " (--unary N --sessions N --warmup-s S --set key=value --out DIR)");
            }
        }
        List<Process> started = new ArrayList<>();
        StringBuilder report = new StringBuilder();
        int code = 1;
        try {
            code = run(unary, sessions, warmupS, sets, started, report);
        } finally {
            ServerJvm.stopAll(started);
            Files.createDirectories(out);
            Files.writeString(out.resolve("report.txt"), report);
            System.out.println("files: " + out);
        }
        System.exit(code);
    }

    private static void say(StringBuilder report, String line) {
        System.out.println(line);
        report.append(line).append('\n');
    }

    private static int run(int unary, int sessions, double warmupS, List<String> sets, List<Process> started,
                           StringBuilder report) throws Exception {
        List<String> settings = new ArrayList<>(List.of("server.drain_grace_ms=30000"));
        settings.addAll(sets);
        ServerJvm.Started a = ServerJvm.startDaemon("auto", settings, started);
        ServerJvm.Started b = ServerJvm.startDaemon("auto", settings, started);
        LoadSettings ls = LoadSettings.parse(new String[] {"--workload", "stream", "--target", "x:1",
                "--pipeline", "resample-vad"});
        LoadPayload payload = new LoadPayload(ls);
        LoadPayload unaryPayload = new LoadPayload(LoadSettings.parse(new String[] {"--target", "x:1",
                "--pipeline", "resample"}));
        ManagedChannel ch = StaticAddresses.over(NettyChannelBuilder.forTarget("static:///servers"), a.port(), b.port())
                .usePlaintext().maxInboundMessageSize(64 * 1024 * 1024).build();
        say(report, String.format(Locale.ROOT, "# shutdown under load: %d unary calls in flight (1 s of 48 kHz,"
                        + " AudioResample 16 kHz) + %d sessions (100 ms chunks at 10 Hz, AudioResample -> VAD) over"
                        + " daemons A (pid %d) and B (pid %d), round robin; settings %s; commit %s; load %s", unary,
                sessions, a.process().pid(), b.process().pid(), settings, LoadGen.commit(), ProcStats.loadAverage()));
        // round robin connects to both servers once the channel leaves IDLE; give the second one
        // time to come up too, else every session lands on the first
        ch.getState(true);
        long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ch.getState(false) != io.grpc.ConnectivityState.READY && System.nanoTime() < readyBy) {
            Thread.sleep(10);
        }
        Thread.sleep(2000);
        try (DrainLoad load = new DrainLoad(ch, unaryPayload.unaryRequest(1000), payload.init(),
                payload.chunks(100, 36_000), 100)) {
            load.start(unary, sessions);
            Thread.sleep((long) (warmupS * 1000));
            say(report, "before SIGTERM: " + load.summary());

            // ---- phase 1: SIGTERM to A
            load.markDrain();
            long t0 = System.nanoTime();
            a.process().destroy(); // SIGTERM
            boolean exited = a.process().waitFor(60, TimeUnit.SECONDS);
            long drainMs = (System.nanoTime() - t0) / 1_000_000;
            say(report, String.format(Locale.ROOT, "A after SIGTERM: %s in %d ms, exit code %s", exited ? "exited"
                    : "STILL RUNNING", drainMs, exited ? Integer.toString(a.process().exitValue()) : "-"));
            Thread.sleep(5000);
            say(report, "5 s after A exited: " + load.summary());
            long failedBefore = failed(load);
            long okBefore = load.unaryOk();

            // ---- phase 2: kill -9 of B, restart on its port
            int bPort = b.port();
            long k0 = System.nanoTime();
            b.process().destroyForcibly();
            b.process().waitFor(10, TimeUnit.SECONDS);
            Thread.sleep(2000); // clients see the server gone
            List<String> restartSettings = new ArrayList<>(settings);
            restartSettings.add("server.port=" + bPort);
            ServerJvm.Started b2 = ServerJvm.startDaemon("auto", restartSettings, started);
            long up = System.nanoTime();
            long okAtUp = load.unaryOk();
            long until = up + TimeUnit.SECONDS.toNanos(120);
            while (load.unaryOk() <= okAtUp && System.nanoTime() < until) {
                Thread.sleep(5);
            }
            long firstOkMs = (System.nanoTime() - up) / 1_000_000;
            Thread.sleep(5000);
            say(report, String.format(Locale.ROOT, "B killed (-9) and restarted on port %d (pid %d), its port open %d ms"
                            + " after the kill: calls failed meanwhile %d (all kinds, unary and sessions), unary OK"
                            + " between %d; first OK call %d ms after the restart's port opened",
                    bPort, b2.process().pid(), (up - k0) / 1_000_000, failed(load) - failedBefore,
                    load.unaryOk() - okBefore, firstOkMs));
            boolean ended = load.stop(60_000);
            say(report, "at the end (" + (ended ? "every call and session ended" : "SOME DID NOT END") + "): "
                    + load.summary());
            return exited && a.process().exitValue() == 0 ? 0 : 3;
        } finally {
            ch.shutdownNow();
        }
    }

    private static long failed(DrainLoad load) {
        return DrainLoad.sums(load.unaryFailed).values().stream().mapToLong(Long::longValue).sum()
                + DrainLoad.sums(load.sessionsFailed).values().stream().mapToLong(Long::longValue).sum();
    }
}
