package org.remotemedia.perf;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.remotemedia.proto.v1.GetMetricsRequest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;

/**
 * Memory of the daemon (perf/memory), each part against a fresh daemon in its own JVM:
 * <ul>
 *   <li>{@code idle-session}: heap used after a full GC ({@code jcmd GC.run}, {@code GC.heap_info})
 *       and RSS, before and with {@code sessions} idle StreamPipeline sessions open (StreamReady,
 *       no chunk), per session;</li>
 *   <li>{@code transient}: 1 s ExecutePipeline calls (48 kHz f32 resampled to 16 kHz) in a closed loop
 *       at concurrency 1 and at {@code concurrency}, {@code phase_s} each, per extra concurrent
 *       call: the live memory under load (medians of samples every 2 s through the phase of the live
 *       heap, from a class histogram, and of the network buffers' direct memory from /metrics,
 *       plus the engine pool's peak from GetMetrics), and peak RSS (an upper bound that the JVM's heap sizing also moves: with a
 *       pre-touched initial heap and ZGC's uncommit it can even fall);</li>
 *   <li>{@code soak}: saturation (closed loop at 16) measured for 10 s, then an open loop at half of
 *       it for {@code soak_s}: RSS and heap-after-GC every {@code sample_s} (growth = last third's
 *       mean against the first third's), and every stop-the-world pause from the JVM's safepoint log
 *       (p50 / p99 / max), under the GC named by {@code --gc} (zgc: config/jvm.options' flags; g1:
 *       the same with -XX:+UseG1GC).</li>
 * </ul>
 * {@code MemoryBench --parts idle-session,transient,soak [--sessions 1000] [--concurrency 64]
 * [--phase-s 20] [--soak-s 600] [--sample-s 30] [--gc zgc,g1] [--set k=v ...] [--out DIR]}
 */
public final class MemoryBench {
    private static final Pattern USED = Pattern.compile("used (\\d+)([KMG])");
    /** A safepoint log line: JVM uptime, time to reach it, time at it, total with leaving. */
    static final Pattern SAFEPOINT = Pattern.compile("^\\[([0-9.]+)s\\].*Reaching safepoint: (\\d+) ns, At safepoint:"
            + " (\\d+) ns, .*Total: (\\d+) ns");
    private static final Pattern UPTIME = Pattern.compile("([0-9]+[.,][0-9]+) s");

    private final List<String> sets = new ArrayList<>();
    private final StringBuilder report = new StringBuilder();
    private final List<Process> started = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        MemoryBench b = new MemoryBench();
        java.util.Map<String, String> o = new java.util.LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--set")) {
                b.sets.add(args[i + 1]);
            } else {
                o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
            }
        }
        Path out = Path.of(o.getOrDefault("out", "perf/out/memory-" + System.currentTimeMillis()));
        Files.createDirectories(out);
        b.say(String.format(Locale.ROOT, "# memory: commit %s, load %s, settings %s", LoadGen.commit(),
                ProcStats.loadAverage(), b.sets));
        try {
            for (String part : o.getOrDefault("parts", "idle-session,transient,soak").split(",")) {
                switch (part) {
                    case "idle-session" -> b.idleSessions(Integer.parseInt(o.getOrDefault("sessions", "1000")));
                    case "transient" -> b.transientPerCall(Integer.parseInt(o.getOrDefault("concurrency", "64")),
                            Integer.parseInt(o.getOrDefault("phase-s", "20")));
                    case "soak" -> {
                        for (String gc : o.getOrDefault("gc", "zgc,g1").split(",")) {
                            b.soak(gc, Integer.parseInt(o.getOrDefault("soak-s", "600")),
                                    Integer.parseInt(o.getOrDefault("sample-s", "30")), out);
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown part " + part
                            + ": idle-session, transient, soak");
                }
            }
        } finally {
            ServerJvm.stopAll(b.started);
            Files.writeString(out.resolve("report.txt"), b.report);
            System.out.println("files: " + out);
        }
        System.exit(0);
    }

    private void say(String line) {
        System.out.println(line);
        report.append(line).append('\n');
    }

    private ServerJvm.Started daemon(List<String> extra) throws Exception {
        List<String> s = new ArrayList<>(List.of("execution.max_concurrent_executions=4000", "streaming.max_sessions=4000"));
        s.addAll(sets);
        s.addAll(extra);
        return ServerJvm.startDaemon("auto", s, started);
    }

    private static void stop(ServerJvm.Started d) throws InterruptedException {
        d.process().destroy();
        if (!d.process().waitFor(40, TimeUnit.SECONDS)) {
            d.process().destroyForcibly();
        }
    }

    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");

    /**
     * Bytes of live objects (jcmd GC.class_histogram, which collects first: its "Total" line), or
     * -1. Exact where {@link #heapAfterGc} is not: ZGC's "used" after a collection still counts
     * pages it has not reclaimed, and drifts between samples by more than 32 calls hold.
     */
    static long liveHeapBytes(long pid) {
        try {
            Matcher m = HISTOGRAM_TOTAL.matcher(jcmd(pid, "GC.class_histogram"));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Heap used after a full GC, in bytes (jcmd GC.run, then GC.heap_info), or -1. */
    static long heapAfterGc(long pid) {
        return heapAfterGc(pid, null);
    }

    /**
     * As {@link #heapAfterGc(long)}; when {@code forced} is given, adds the JVM-uptime window
     * (seconds) of the forced collection, so its safepoints can be told from the daemon's own.
     */
    static long heapAfterGc(long pid, List<double[]> forced) {
        try {
            double from = forced == null ? 0 : uptime(pid);
            jcmd(pid, "GC.run"); // System.gc(): returns once the collection is done, under both collectors
            if (forced != null) {
                synchronized (forced) {
                    forced.add(new double[] {from, uptime(pid)});
                }
            }
            Matcher m = USED.matcher(jcmd(pid, "GC.heap_info"));
            if (!m.find()) {
                return -1;
            }
            long v = Long.parseLong(m.group(1));
            return v * switch (m.group(2)) {
                case "K" -> 1024L;
                case "M" -> 1024L * 1024;
                default -> 1024L * 1024 * 1024;
            };
        } catch (IOException | InterruptedException e) {
            return -1;
        }
    }

    /** The median of {@code xs} (the lower middle of an even count), or -1 if there is none. */
    static long median(List<Long> xs) {
        if (xs.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(xs);
        sorted.sort(null);
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** One gauge's value from the daemon's /metrics, or -1 if it cannot be read. */
    static double scrapeGauge(int metricsPort, String name) {
        try {
            String text = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(java.time.Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            return text.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(
                    l.substring(name.length() + 1).trim())).findFirst().orElse(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The JVM's uptime in seconds (jcmd VM.uptime), the clock of its -Xlog lines. */
    private static double uptime(long pid) throws IOException, InterruptedException {
        Matcher m = UPTIME.matcher(jcmd(pid, "VM.uptime"));
        return m.find() ? Double.parseDouble(m.group(1).replace(',', '.')) : Double.NaN;
    }

    /** True when {@code t} (uptime, s) lies in one of the windows, with 0.1 s of slack either side. */
    static boolean inWindow(double t, List<double[]> windows) {
        for (double[] w : windows) {
            if (t >= w[0] - 0.1 && t <= w[1] + 0.1) {
                return true;
            }
        }
        return false;
    }

    private static String jcmd(long pid, String what) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), what).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return s;
    }

    // ---- idle sessions

    private void idleSessions(int n) throws Exception {
        ServerJvm.Started d = daemon(List.of());
        long pid = d.process().pid();
        LoadPayload p = new LoadPayload(LoadSettings.parse(new String[] {"--workload", "stream", "--target", "x:1"}));
        List<ManagedChannel> chs = new ArrayList<>();
        for (int i = 0; i < Math.max(1, n / 500); i++) {
            chs.add(NettyChannelBuilder.forAddress("127.0.0.1", d.port()).usePlaintext().build());
        }
        LoadGen.connect(chs);
        try {
            // one session opened and closed first, so the path is loaded and warm
            open(chs, p.init(), 10).forEach(o -> o.cancel("warm-up", null));
            Thread.sleep(1000);
            long heap0 = heapAfterGc(pid);
            long rss0 = ProcStats.rssBytes(pid);
            List<ClientCallStreamObserver<StreamRequest>> open = open(chs, p.init(), n);
            Thread.sleep(2000);
            long heap1 = heapAfterGc(pid);
            long rss1 = ProcStats.rssBytes(pid);
            long active = PipelineExecutionServiceGrpc.newBlockingStub(chs.get(0)).getMetrics(
                    GetMetricsRequest.getDefaultInstance()).getActiveStreams();
            say(String.format(Locale.ROOT, "idle sessions: %d open (server gauge %d); heap after GC %.1f -> %.1f MB,"
                            + " RSS %.1f -> %.1f MB: per session %.1f KB heap, %.1f KB RSS (target <= 64 KB)", n,
                    active, heap0 / 1048576.0, heap1 / 1048576.0, rss0 / 1048576.0, rss1 / 1048576.0,
                    (heap1 - heap0) / 1024.0 / n, (rss1 - rss0) / 1024.0 / n));
            for (var o : open) {
                o.cancel("done", null);
            }
        } finally {
            for (ManagedChannel ch : chs) {
                ch.shutdownNow();
            }
            stop(d);
        }
    }

    /** Opens {@code n} sessions (init sent, StreamReady received) spread over the channels. */
    private static List<ClientCallStreamObserver<StreamRequest>> open(List<ManagedChannel> chs, StreamRequest init, int n)
            throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(n);
        List<ClientCallStreamObserver<StreamRequest>> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ClientCallStreamObserver<StreamRequest>[] holder = new ClientCallStreamObserver[1];
            ClientCalls.asyncBidiStreamingCall(chs.get(i % chs.size()).newCall(
                    StreamingPipelineServiceGrpc.getStreamPipelineMethod(), io.grpc.CallOptions.DEFAULT),
                    new ClientResponseObserver<StreamRequest, StreamResponse>() {
                        @Override
                        public void beforeStart(ClientCallStreamObserver<StreamRequest> r) {
                            holder[0] = r;
                        }

                        @Override
                        public void onNext(StreamResponse r) {
                            if (r.hasReady()) {
                                ready.countDown();
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            ready.countDown();
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            holder[0].onNext(init);
            out.add(holder[0]);
        }
        if (!ready.await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException(ready.getCount() + " sessions not ready");
        }
        return out;
    }

    // ---- transient memory per concurrent ExecutePipeline

    private void transientPerCall(int concurrency, int phaseS) throws Exception {
        ServerJvm.Started d = daemon(List.of());
        long pid = d.process().pid();
        try {
            long[] peak = new long[2];
            long[] pool = new long[2];
            long[] heap = new long[2];
            long[] network = new long[2];
            int[] conc = {1, concurrency};
            for (int i = 0; i < 2; i++) {
                LoadSettings s = LoadSettings.parse(new String[] {"--loop", "closed", "--target", "127.0.0.1:" + d.port(),
                        "--concurrency", Integer.toString(conc[i]), "--warmup-s", "5", "--duration-s",
                        Integer.toString(phaseS), "--connections", Integer.toString(Math.min(conc[i], 8))});
                LoadRecorder rec = new LoadRecorder();
                List<ManagedChannel> chs = new ArrayList<>();
                for (int c = 0; c < s.connections(); c++) {
                    chs.add(NettyChannelBuilder.forAddress("127.0.0.1", d.port()).usePlaintext().directExecutor()
                            .maxInboundMessageSize(64 << 20).build());
                }
                long[] max = {0};
                // live heap and network buffer bytes, sampled under load through the middle of the
                // phase (after the 5 s warm-up, every 2 s, leaving its last 2 s): the medians
                long[] live = {-1, -1};
                Thread mid = new Thread(() -> {
                    List<Long> heaps = new ArrayList<>();
                    List<Long> nets = new ArrayList<>();
                    try {
                        Thread.sleep(6_000L);
                        for (long t = 6; t <= 5 + phaseS - 2; t += 2) {
                            long t0 = System.nanoTime();
                            heaps.add(liveHeapBytes(pid));
                            nets.add((long) scrapeGauge(d.metricsPort(), "remotemedia_grpc_server_network_buffer_bytes"));
                            Thread.sleep(Math.max(0, 2_000L - (System.nanoTime() - t0) / 1_000_000));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    live[0] = median(heaps);
                    live[1] = median(nets);
                });
                mid.start();
                Thread sampler = new Thread(() -> {
                    while (!Thread.currentThread().isInterrupted()) {
                        max[0] = Math.max(max[0], ProcStats.rssBytes(pid));
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                });
                sampler.start();
                new UnaryLoad(s, new LoadPayload(s), chs, rec).run();
                sampler.interrupt();
                sampler.join();
                mid.join();
                peak[i] = max[0];
                heap[i] = live[0];
                network[i] = live[1];
                pool[i] = PipelineExecutionServiceGrpc.newBlockingStub(chs.get(0)).getMetrics(
                        GetMetricsRequest.getDefaultInstance()).getMemoryPeakBytes();
                say(String.format(Locale.ROOT, "transient: concurrency %d: %d calls OK, %d failed, peak RSS %.1f MB,"
                                + " engine pool peak %.1f MB, live heap under load %.1f MB, network buffers %.1f MB,"
                                + " p50 %.1f ms", conc[i], rec.ok(), rec.failureCount(), peak[i] / 1048576.0,
                        pool[i] / 1048576.0, heap[i] / 1048576.0, network[i] / 1048576.0,
                        rec.latency().getValueAtPercentile(50) / 1e6));
                for (ManagedChannel ch : chs) {
                    ch.shutdownNow();
                }
            }
            double extra = 1024.0 * (concurrency - 1);
            double heapKb = (heap[1] - heap[0]) / extra;
            double networkKb = (network[1] - network[0]) / extra;
            double poolKb = (pool[1] - pool[0]) / extra;
            say(String.format(Locale.ROOT, "transient per extra concurrent 1 s ExecutePipeline: live %.0f KB (live heap"
                            + " %.0f KB + network buffers %.0f KB + engine pool %.0f KB; target <= 1 MB); peak RSS %.0f KB",
                    heapKb + networkKb + poolKb, heapKb, networkKb, poolKb, (peak[1] - peak[0]) / extra));
        } finally {
            stop(d);
        }
    }

    // ---- soak at half of saturation

    private void soak(String gc, int soakS, int sampleS, Path out) throws Exception {
        String flags = String.join(" ", org.remotemedia.testkit.JvmOptions.read());
        Path safepoints = out.resolve("safepoints-" + gc + ".log").toAbsolutePath();
        if (gc.equals("g1")) {
            flags = flags.replace("-XX:+UseZGC", "") + " -XX:+UseG1GC";
        } else if (!gc.equals("zgc")) {
            throw new IllegalArgumentException("unknown GC " + gc + ": zgc, g1");
        }
        ServerJvm.Started d = ServerJvm.startWith(flags + " -Xlog:safepoint:file=" + safepoints,
                withSets(List.of()), started);
        long pid = d.process().pid();
        try {
            String target = "127.0.0.1:" + d.port();
            LoadSettings sat = LoadSettings.parse(new String[] {"--loop", "closed", "--target", target, "--concurrency",
                    "16", "--warmup-s", "10", "--duration-s", "10", "--connections", "4"});
            double satRate = run(sat).ok() / 10.0;
            double rate = satRate / 2;
            Files.writeString(safepoints, ""); // the pauses of the soak only (the JVM keeps appending)
            LoadSettings soak = LoadSettings.parse(new String[] {"--loop", "open", "--target", target, "--rate",
                    String.format(Locale.ROOT, "%.1f", rate), "--warmup-s", "0", "--duration-s", Integer.toString(soakS),
                    "--connections", "4"});
            List<long[]> samples = new ArrayList<>(); // {t s, rss, heap after GC}
            List<double[]> forced = new ArrayList<>(); // uptime windows of the sampler's own GC.run
            long t0 = System.nanoTime();
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        Thread.sleep(sampleS * 1000L);
                    } catch (InterruptedException e) {
                        return;
                    }
                    synchronized (samples) {
                        samples.add(new long[] {(System.nanoTime() - t0) / 1_000_000_000L, ProcStats.rssBytes(pid),
                                heapAfterGc(pid, forced)});
                    }
                }
            });
            sampler.start();
            LoadRecorder rec = run(soak);
            sampler.interrupt();
            sampler.join();
            // the pauses the daemon's callers see: time to reach the safepoint plus time at it.
            // Leaving (waking the threads) is reported apart: on one pinned CPU it is the VM
            // thread waiting its turn behind the threads it has already released.
            Histogram pauses = new Histogram(3_600_000_000_000L, 3);
            Histogram totals = new Histogram(3_600_000_000_000L, 3);
            int excluded = 0;
            for (String line : Files.readAllLines(safepoints)) {
                Matcher m = SAFEPOINT.matcher(line);
                if (!m.find() || line.contains("HeapDumper")) {
                    continue;
                }
                if (inWindow(Double.parseDouble(m.group(1)), forced)) {
                    excluded++; // the sampler's own full GC
                    continue;
                }
                pauses.recordValue(Math.max(1, Long.parseLong(m.group(2)) + Long.parseLong(m.group(3))));
                totals.recordValue(Math.max(1, Long.parseLong(m.group(4))));
            }
            StringBuilder series = new StringBuilder();
            for (long[] s : samples) {
                series.append(String.format(Locale.ROOT, " %ds:%.0f/%.0f", s[0], s[1] / 1048576.0, s[2] / 1048576.0));
            }
            say(String.format(Locale.ROOT, "soak %s: saturation %.0f calls/s (closed loop, 16 in flight), soak at %.0f"
                            + " calls/s for %d s: %d OK, %d failed, p50 %.1f ms p99 %.1f ms; RSS growth %s, heap-after-GC"
                            + " growth %s (last third vs first third); safepoint pauses (%d of the sampler's GC.run"
                            + " excluded): %d, threads stopped (reaching + at) p50 %.3f ms, p99 %.3f ms, max %.3f ms"
                            + " (target p99 <= 1 ms); with leaving p99 %.3f ms, max %.3f ms", gc, satRate, rate, soakS,
                    rec.ok(), rec.failureCount(), rec.latency().getValueAtPercentile(50) / 1e6,
                    rec.latency().getValueAtPercentile(99) / 1e6, growth(samples, 1), growth(samples, 2), excluded,
                    pauses.getTotalCount(), pauses.getValueAtPercentile(50) / 1e6, pauses.getValueAtPercentile(99) / 1e6,
                    pauses.getMaxValue() / 1e6, totals.getValueAtPercentile(99) / 1e6, totals.getMaxValue() / 1e6));
            say("soak " + gc + " samples (t: RSS MB / heap after GC MB):" + series);
        } finally {
            stop(d);
        }
    }

    private List<String> withSets(List<String> extra) {
        List<String> s = new ArrayList<>(List.of("execution.max_concurrent_executions=4000"));
        s.addAll(sets);
        s.addAll(extra);
        return s;
    }

    private static LoadRecorder run(LoadSettings s) throws Exception {
        List<ManagedChannel> chs = new ArrayList<>();
        for (int c = 0; c < s.connections(); c++) {
            chs.add(NettyChannelBuilder.forAddress("127.0.0.1", Integer.parseInt(s.target().split(":")[1]))
                    .usePlaintext().directExecutor().maxInboundMessageSize(64 << 20).build());
        }
        LoadRecorder rec = new LoadRecorder();
        try {
            new UnaryLoad(s, new LoadPayload(s), chs, rec).run();
        } finally {
            for (ManagedChannel ch : chs) {
                ch.shutdownNow();
            }
        }
        return rec;
    }

    /** Mean of the last third of column {@code col} minus the mean of the first third, as text. */
    private static String growth(List<long[]> samples, int col) {
        if (samples.size() < 3) {
            return "n/a (" + samples.size() + " samples)";
        }
        int third = samples.size() / 3;
        double first = samples.subList(0, third).stream().mapToLong(s -> s[col]).average().orElse(0);
        double last = samples.subList(samples.size() - third, samples.size()).stream().mapToLong(s -> s[col]).average()
                .orElse(0);
        return String.format(Locale.ROOT, "%+.1f MB (%.1f -> %.1f)", (last - first) / 1048576.0, first / 1048576.0,
                last / 1048576.0);
    }
}
