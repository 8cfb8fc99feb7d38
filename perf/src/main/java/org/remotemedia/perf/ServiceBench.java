package org.remotemedia.perf;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.ExecutionControl;
import org.remotemedia.pipeline.ExecutionResult;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.ResourceLimits;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.service.ProtoConvert;

/**
 * The unary service benchmark: 1 s of 44.1 kHz mono f32 resampled to 16 kHz, p50 / p95 /
 * p99 at each concurrency, in one interleaved run (round 1: every target, round 2: every target,
 * ...) against
 * <ul>
 *   <li>{@code inproc}: the same pipeline on the engine in this JVM (compile + execute, the floor);</li>
 *   <li>{@code ours-inline} / {@code ours-workers} / {@code ours-auto}: our daemon in its own JVM, DSP
 *       inline, on workers, or inline while a call is alone on its event loop ({@code auto}); a
 *       target may add settings, e.g. {@code ours-auto@execution.worker_threads=1}, so that
 *       configurations are compared in one interleaved run;</li>
 *   <li>{@code stock}: stock grpc-java (Netty epoll, direct executor) serving the same engine
 *       ({@link StockGrpcServer}), in its own JVM.</li>
 * </ul>
 * Closed loop: {@code c} client threads, each with one call outstanding, through one grpc-java
 * channel per target. With {@code --open-rate R} each round also runs an open-loop phase at R
 * calls/s: calls are issued on a fixed schedule, latency counts from the intended send time and
 * is recorded with coordinated-omission correction ({@code recordValueWithExpectedInterval}).
 * Reports the median over rounds of each percentile, the spread of p50, and per-round ratios;
 * for closed loops also the handler's own time as each server reports it (ExecutionMetrics
 * wall time: from the request's arrival in the handler to the response built; in-process:
 * compile + execute), so "p50 - handler p50" is what the request spends outside the handler
 * (client, kernel, transport), and CPU per call of the client (this JVM) and of the server
 * process ({@code /proc/<pid>/stat}).
 *
 * <p>Bounded: every phase has a fixed duration; the servers are killed at the end.
 */
public final class ServiceBench {
    private static final int IN_RATE = 44_100;

    private final Map<String, String> opts = new LinkedHashMap<>();
    private final List<Process> servers = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        ServiceBench b = new ServiceBench();
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

    private void run() throws Exception {
        double seconds = Double.parseDouble(opt("seconds", "3"));
        double warmup = Double.parseDouble(opt("warmup", "2"));
        int rounds = Integer.parseInt(opt("rounds", "5"));
        int[] conc = Arrays.stream(opt("concurrency", "1,16").split(",")).mapToInt(Integer::parseInt).toArray();
        List<String> targets = List.of(opt("targets", "inproc,ours-inline,ours-workers,ours-auto,stock").split(","));
        int openRate = Integer.parseInt(opt("open-rate", "0"));

        ExecuteRequest request = request();
        Map<String, Target> ts = new LinkedHashMap<>();
        // results[target][phase][round] = {p50, p95, p99, count, handler p50, client CPU/call, server CPU/call}
        for (String t : targets) {
            ts.put(t, start(t));
        }
        System.out.printf(Locale.ROOT, "# service bench: %d rounds x %s targets x c=%s, %.1f s each (warm-up %.1f s)%s%n",
                rounds, targets, Arrays.toString(conc), seconds, warmup,
                openRate > 0 ? ", open loop at " + openRate + "/s" : "");
        Map<String, Map<String, List<double[]>>> results = new LinkedHashMap<>();
        List<String> phases = new ArrayList<>();
        for (int c : conc) {
            phases.add("c=" + c);
        }
        if (openRate > 0) {
            phases.add("open " + openRate + "/s");
        }
        for (String t : targets) {
            Map<String, List<double[]>> m = new LinkedHashMap<>();
            for (String p : phases) {
                m.put(p, new ArrayList<>());
            }
            results.put(t, m);
        }
        for (Target t : ts.values()) { // warm up every target once at each concurrency
            for (int c : conc) {
                closedLoop(t, request, c, warmup, new Histogram(3_600_000_000_000L, 3));
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (String p : phases) {
                for (Map.Entry<String, Target> e : ts.entrySet()) {
                    Target t = e.getValue();
                    long client0 = ProcStats.selfCpuNanos();
                    long server0 = t.cpuNanos();
                    Histogram handler = new Histogram(3_600_000_000_000L, 3);
                    Histogram h = p.startsWith("open") ? openLoop(t, request, openRate, seconds)
                            : closedLoop(t, request, Integer.parseInt(p.substring(2)), seconds, handler);
                    double calls = h.getTotalCount();
                    results.get(e.getKey()).get(p).add(new double[] {h.getValueAtPercentile(50) / 1e3,
                            h.getValueAtPercentile(95) / 1e3, h.getValueAtPercentile(99) / 1e3, calls,
                            handler.getTotalCount() == 0 ? Double.NaN : handler.getValueAtPercentile(50) / 1e3,
                            (ProcStats.selfCpuNanos() - client0) / calls / 1e3,
                            server0 < 0 ? Double.NaN : (t.cpuNanos() - server0) / calls / 1e3});
                }
            }
            System.out.printf(Locale.ROOT, "# round %d/%d done%n", r + 1, rounds);
        }
        report(results, phases, rounds);
        for (Target t : ts.values()) {
            t.close();
        }
    }

    // ---- targets ----

    interface Target extends AutoCloseable {
        /**
         * One call; returns the handler's own wall time in ns as the server reports it
         * (ExecutionMetrics.wall_time_ms; in-process: compile + execute), or -1 if the answer was wrong.
         */
        long call(ExecuteRequest req) throws Exception;

        /** CPU time of the server process so far (utime + stime), or -1 if it has none of its own. */
        default long cpuNanos() {
            return -1;
        }

        CompletableFuture<Boolean> callAsync(ExecuteRequest req);

        @Override
        void close();
    }

    private Target start(String name) throws Exception {
        return switch (name) {
            case "inproc" -> inProcess();
            case String n when n.startsWith("ours-") -> ours(n);
            case "stock" -> remote(ServerJvm.start(List.of(StockGrpcServer.class.getName(), "0"),
                    Pattern.compile("^listening (\\d+)"), servers));
            default -> throw new IllegalArgumentException("unknown target " + name
                    + ": inproc, ours-inline, ours-workers, ours-auto (each with optional @key=value settings), stock");
        };
    }

    /** {@code ours-<dsp mode>[@key=value...]}: the daemon with that mode and any further settings. */
    private Target ours(String name) throws Exception {
        String[] parts = name.split("@");
        String mode = parts[0].substring("ours-".length());
        if (!List.of("inline", "workers", "auto").contains(mode)) {
            throw new IllegalArgumentException("unknown DSP mode in target " + name + ": inline, workers, auto");
        }
        List<String> settings = new ArrayList<>(List.of("execution.idle_strategy=" + opt("idle", "backoff"),
                "execution.pin_workers=" + opt("pin", "false")));
        settings.addAll(List.of(parts).subList(1, parts.length));
        return remote(ServerJvm.startDaemon(mode, settings, servers));
    }

    private static Target remote(ServerJvm.Started server) {
        long pid = server.process().pid();
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        var blocking = PipelineExecutionServiceGrpc.newBlockingStub(ch);
        var future = PipelineExecutionServiceGrpc.newFutureStub(ch);
        return new Target() {
            @Override
            public long call(ExecuteRequest req) {
                ExecuteResponse r = blocking.executePipeline(req);
                return check(r) ? (long) (r.getResult().getMetrics().getWallTimeMs() * 1e6) : -1;
            }

            @Override
            public long cpuNanos() {
                return ProcStats.cpuNanos(pid);
            }

            @Override
            public CompletableFuture<Boolean> callAsync(ExecuteRequest req) {
                CompletableFuture<Boolean> f = new CompletableFuture<>();
                var lf = future.executePipeline(req);
                lf.addListener(() -> {
                    try {
                        f.complete(check(lf.get()));
                    } catch (Exception e) {
                        f.complete(false);
                    }
                }, Runnable::run);
                return f;
            }

            @Override
            public void close() {
                ch.shutdownNow();
            }
        };
    }

    private static boolean check(ExecuteResponse r) {
        return r.hasResult() && r.getResult().getAudioOutputsOrThrow("resample").getNumSamples() == 16_000;
    }

    private static Target inProcess() {
        PipelineEngine engine = PipelineEngine.standard();
        return new Target() {
            @Override
            public long call(ExecuteRequest req) throws Exception {
                long t0 = System.nanoTime();
                AudioBuffer b = req.getAudioInputsOrThrow("resample");
                CompiledPlan plan = engine.compile(ProtoConvert.manifest(req.getManifest()));
                try (ExecutionResult r = engine.execute(plan, Map.of("resample", input(b)), Map.of(),
                        ResourceLimits.DEFAULTS, ExecutionControl.create())) {
                    return r.audioOutputs().get("resample").numSamples() == 16_000 ? System.nanoTime() - t0 : -1;
                }
            }

            @Override
            public CompletableFuture<Boolean> callAsync(ExecuteRequest req) {
                try {
                    return CompletableFuture.completedFuture(call(req) >= 0);
                } catch (Exception e) {
                    return CompletableFuture.completedFuture(false);
                }
            }

            @Override
            public void close() {
            }
        };
    }

    private static final Map<AudioBuffer, AudioInput> INPUTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The request's samples in a direct buffer, once (the server gets them in its network buffer). */
    private static AudioInput input(AudioBuffer b) {
        return INPUTS.computeIfAbsent(b, k -> {
            ByteBuffer d = ByteBuffer.allocateDirect(k.getSamples().size());
            k.getSamples().copyTo(d);
            d.flip();
            return AudioInput.of(d, k.getNumSamples(), k.getChannels(), k.getSampleRate(), SampleFormat.F32);
        });
    }

    // ---- load ----

    /** Client latencies; {@code handler} gets the server-reported handler times. */
    private static Histogram closedLoop(Target t, ExecuteRequest req, int threads, double seconds, Histogram handler)
            throws Exception {
        Histogram total = new Histogram(3_600_000_000_000L, 3);
        Histogram[] hs = new Histogram[threads];
        Histogram[] hw = new Histogram[threads];
        AtomicLong wrong = new AtomicLong();
        CountDownLatch done = new CountDownLatch(threads);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        for (int i = 0; i < threads; i++) {
            Histogram h = hs[i] = new Histogram(3_600_000_000_000L, 3);
            hw[i] = new Histogram(3_600_000_000_000L, 3);
            int idx = i;
            Thread th = new Thread(() -> {
                try {
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        long handled = t.call(req);
                        h.recordValue(Math.max(1, System.nanoTime() - t0));
                        if (handled < 0) {
                            wrong.incrementAndGet();
                        } else {
                            hw[idx].recordValue(Math.max(1, handled));
                        }
                    }
                } catch (Exception e) {
                    wrong.incrementAndGet();
                } finally {
                    done.countDown();
                }
            }, "load-" + i);
            th.setDaemon(true);
            th.start();
        }
        if (!done.await((long) (seconds * 1000) + 60_000, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("closed-loop phase did not finish in time");
        }
        if (wrong.get() > 0) {
            throw new IllegalStateException(wrong.get() + " wrong or failed answers");
        }
        for (int i = 0; i < threads; i++) {
            total.add(hs[i]);
            handler.add(hw[i]);
        }
        return total;
    }

    private static Histogram openLoop(Target t, ExecuteRequest req, int rate, double seconds) throws Exception {
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        long interval = 1_000_000_000L / rate;
        int n = (int) (seconds * rate);
        Semaphore outstanding = new Semaphore(1024);
        CountDownLatch done = new CountDownLatch(n);
        AtomicLong wrong = new AtomicLong();
        long start = System.nanoTime() + 1_000_000;
        for (int i = 0; i < n; i++) {
            long intended = start + i * interval;
            long wait;
            while ((wait = intended - System.nanoTime()) > 0) {
                if (wait > 200_000) {
                    java.util.concurrent.locks.LockSupport.parkNanos(wait - 100_000);
                } else {
                    Thread.onSpinWait();
                }
            }
            outstanding.acquire();
            t.callAsync(req).whenComplete((ok, err) -> {
                long lat = System.nanoTime() - intended; // from the intended send time: no coordinated omission
                synchronized (h) {
                    h.recordValueWithExpectedInterval(Math.max(1, lat), interval);
                }
                if (err != null || !ok) {
                    wrong.incrementAndGet();
                }
                outstanding.release();
                done.countDown();
            });
        }
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("open-loop phase did not finish in time");
        }
        if (wrong.get() > 0) {
            throw new IllegalStateException(wrong.get() + " wrong or failed answers (open loop)");
        }
        return h;
    }

    // ---- request and report ----

    static ExecuteRequest request() {
        ByteBuffer bb = ByteBuffer.allocate(IN_RATE * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < IN_RATE; i++) {
            bb.putFloat((float) (0.5 * Math.sin(2 * Math.PI * 440 * i / IN_RATE)));
        }
        PipelineManifest m = PipelineManifest.newBuilder().setVersion("v1")
                .setMetadata(ManifestMetadata.newBuilder().setName("bench"))
                .addNodes(NodeManifest.newBuilder().setId("resample").setNodeType("AudioResample")
                        .setParams("{\"target_sample_rate\": 16000}"))
                .build();
        return ExecuteRequest.newBuilder().setManifest(m).setClientVersion("v1")
                .putAudioInputs("resample", AudioBuffer.newBuilder()
                        .setSamples(com.google.protobuf.ByteString.copyFrom(bb.array())).setSampleRate(IN_RATE)
                        .setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(IN_RATE).build())
                .build();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.0f", v);
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static List<Double> col(List<double[]> rows, int i) {
        return rows.stream().map(r -> r[i]).toList();
    }

    private static void report(Map<String, Map<String, List<double[]>>> res, List<String> phases, int rounds) {
        System.out.println();
        System.out.println("| phase | target | p50 us | p95 us | p99 us | p50 spread (min-max) | calls/round"
                + " | handler p50 us | p50 - handler p50 us | client CPU us/call | server CPU us/call |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (String p : phases) {
            for (Map.Entry<String, Map<String, List<double[]>>> e : res.entrySet()) {
                List<double[]> rows = e.getValue().get(p);
                List<Double> p50 = col(rows, 0);
                double handler = median(col(rows, 4));
                System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %.0f | %.0f | %.0f-%.0f | %.0f | %s | %s | %.0f | %s |%n",
                        p, e.getKey(), median(p50), median(col(rows, 1)), median(col(rows, 2)),
                        p50.stream().mapToDouble(Double::doubleValue).min().orElse(0),
                        p50.stream().mapToDouble(Double::doubleValue).max().orElse(0), median(col(rows, 3)),
                        fmt(handler), fmt(median(p50) - handler), median(col(rows, 5)), fmt(median(col(rows, 6))));
            }
        }
        System.out.println();
        System.out.println("| phase | ours | ours p50 - inproc p50 (us) | ours/stock p50 | ours/stock p99 |");
        System.out.println("|---|---|---|---|---|");
        for (String p : phases) {
            for (String ours : res.keySet()) {
                if (!ours.startsWith("ours-")) {
                    continue;
                }
                List<Double> over = new ArrayList<>();
                List<Double> r50 = new ArrayList<>();
                List<Double> r99 = new ArrayList<>();
                for (int r = 0; r < rounds; r++) {
                    double[] o = res.get(ours).get(p).get(r);
                    if (res.containsKey("inproc")) {
                        over.add(o[0] - res.get("inproc").get(p).get(r)[0]);
                    }
                    if (res.containsKey("stock")) {
                        double[] s = res.get("stock").get(p).get(r);
                        r50.add(o[0] / s[0]);
                        r99.add(o[2] / s[2]);
                    }
                }
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", p, ours,
                        over.isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f", median(over)),
                        r50.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", median(r50)),
                        r99.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f", median(r99)));
            }
        }
    }
}
