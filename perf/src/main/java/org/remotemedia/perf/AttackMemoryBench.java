package org.remotemedia.perf;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.transport.HostilePeers;

/**
 * The hostile-clients work, part 5 (perf/attack-memory): after each hostile-client attack the daemon's RSS is
 * back within {@code limit_mb} (100 MB) of its value before the attack, within 30 s.
 *
 * <p>One daemon with its default configuration, warmed with {@code warmup_s} of legitimate
 * ExecutePipeline calls (100 ms of audio, 4 in flight), then a forced GC and a long settle (the
 * RSS moving less than 5 MB over 15 s, at least 30 s, at most 150 s: under JDK 25 ZGC gives
 * memory back gradually, the first step some 25 s after the collection that freed it). Then a
 * control row ({@code none}: the bystander alone, for the drift no attack causes) and each attack
 * of {@link HostilePeers#NAMES} in turn, with no forced GC in between: a forced GC would have ZGC
 * hand back hundreds of MB in the middle of the next attack's 30 s and hide or fake its effect.
 * {@code --gc-between true} forces one after each recovery anyway (the live heap per attack) and
 * settles as at the start; {@code --fresh-daemon true} starts a new daemon per attack, each with
 * the start's warm-up and settle (slow: about 2 minutes per attack). Per attack: a settle (until
 * the RSS moves less than 5 MB over {@code settle_s} seconds, at most {@code settle_max_s}); the
 * RSS and ZGC's heap used and capacity ({@code GC.heap_info}, no collection) just before; the attack for
 * {@code attack_s} (its peak RSS sampled every 250 ms and from VmHWM, reset through
 * {@code /proc/PID/clear_refs}); then the RSS every second for {@code recover_s}, and the heap
 * again; the live heap after a forced GC ({@code jcmd GC.run}, {@code GC.heap_info}) at the end of
 * the run (after each attack with {@code --gc-between true}); with {@code --nmt true}
 * (the daemon started with {@code -XX:NativeMemoryTracking=summary}), NMT's committed memory by
 * category before, at the attack's end and after the recovery, and how much of the RSS glibc
 * gives back on {@code jcmd System.trim_native_heap} (memory freed but kept by malloc; the trim
 * lowers the next attack's baseline, so compare NMT runs with NMT runs). Meanwhile a grpc-java bystander
 * calls ExecutePipeline (100 ms of audio) every {@code bystander_interval_ms}; its OK and failed
 * calls are counted per attack and per recovery. The server's own counters (budgets exceeded,
 * stalled and unread resets, stray frames) and the JVM's GC cycles are read from /metrics before
 * and after each attack.
 *
 * <p>{@code AttackMemoryBench [--attacks none,a,b,...] [--attack-s 12] [--recover-s 30] [--limit-mb 100]
 * [--parallel 4] [--stall-connections 200] [--slow-connections 8] [--slow-streams 50]
 * [--slow-kib 1024] [--churn 5000] [--warmup-s 10] [--settle-s 5] [--settle-max-s 20] [--bystander-interval-ms 100]
 * [--nmt false] [--gc-between false] [--fresh-daemon false] [--set key=value ...] [--out DIR]}
 *
 * <p>Threads: the driver on the main thread; the bystander on its own thread; the attackers on
 * HostilePeers' threads; the peak sampler on its own thread during each attack.
 */
public final class AttackMemoryBench {
    private static final Pattern NMT_CATEGORY = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern NMT_TOTAL = Pattern.compile("^Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final List<String> COUNTERS = List.of("remotemedia_grpc_server_budget_exceeded_total",
            "remotemedia_grpc_server_stalled_streams_reset_total", "remotemedia_grpc_server_unread_resets_total",
            "remotemedia_grpc_server_stray_frames_ignored_total", "jvm_gc_collection_seconds_count");
    /** ZGC's line of GC.heap_info: used and capacity (committed). */
    private static final Pattern ZHEAP = Pattern.compile("used (\\d+)([KMG]), capacity (\\d+)([KMG])");

    private final Map<String, String> o;
    private final List<String> sets = new ArrayList<>();
    private final List<Process> started = new ArrayList<>();
    private final StringBuilder report = new StringBuilder();
    private final List<Map<String, Object>> results = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AttackMemoryBench(Map<String, String> o) {
        this.o = o;
    }

    /** netty's client-side warnings (a reset under a flood reaching the end of a raw client's pipeline) are expected. */
    private static final java.util.logging.Logger NETTY_LOG = java.util.logging.Logger.getLogger("io.netty");

    public static void main(String[] args) throws Exception {
        NETTY_LOG.setLevel(java.util.logging.Level.OFF);
        Map<String, String> o = new LinkedHashMap<>();
        AttackMemoryBench b = new AttackMemoryBench(o);
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--set")) {
                b.sets.add(args[i + 1]);
            } else {
                o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
            }
        }
        Path out = Path.of(o.getOrDefault("out", "perf/out/attack-memory-" + System.currentTimeMillis()));
        Files.createDirectories(out);
        int code;
        try {
            code = b.run(out);
        } finally {
            ServerJvm.stopAll(b.started);
            Files.writeString(out.resolve("report.txt"), b.report);
            System.out.println("files: " + out);
        }
        System.exit(code);
    }

    private int num(String key, int otherwise) {
        return Integer.parseInt(o.getOrDefault(key, Integer.toString(otherwise)));
    }

    private boolean flag(String key) {
        return Boolean.parseBoolean(o.getOrDefault(key, "false"));
    }

    private void say(String line) {
        System.out.println(line);
        report.append(line).append('\n');
    }

    /** A daemon, warmed and settled; its RSS and heap after GC logged as the run's baseline. */
    private record Daemon(ServerJvm.Started s, long pid, ManagedChannel channel, Bystander bystander) {
    }

    private int run(Path out) throws Exception {
        List<String> attacks = List.of(o.getOrDefault("attacks", CONTROL + "," + String.join(",", HostilePeers.NAMES))
                .split(","));
        for (String a : attacks) {
            if (!HostilePeers.NAMES.contains(a) && !a.equals(CONTROL)) {
                throw new IllegalArgumentException("unknown attack " + a + ": " + CONTROL + ", " + HostilePeers.NAMES);
            }
        }
        int attackS = num("attack-s", 12);
        int recoverS = num("recover-s", 30);
        long limitBytes = num("limit-mb", 100) * 1_000_000L;
        HostilePeers.Load load = new HostilePeers.Load(num("parallel", 4), num("stall-connections", 200),
                num("slow-connections", 8), num("slow-streams", 50), num("slow-kib", 1024) * 1024, num("churn", 5000));
        String started0 = Instant.now().toString();
        say(String.format(Locale.ROOT, "# attack-memory: %s, commit %s, load %s, settings %s, nmt %s, %s, attack %d s,"
                        + " recovery %d s, limit %d MB, bystander every %d ms; %s", started0, LoadGen.commit(),
                ProcStats.loadAverage(), sets, flag("nmt"), fresh() ? "a fresh daemon per attack" : "one daemon"
                        + (flag("gc-between") ? ", forced GC between attacks" : ", no forced GC between attacks"),
                attackS, recoverS, limitBytes / 1_000_000, num("bystander-interval-ms", 100), load));
        Daemon d = null;
        boolean allBack = true;
        try {
            for (String attack : attacks) {
                if (d == null) {
                    d = daemon();
                }
                Map<String, Object> r = attack(d, attack, attackS, recoverS, limitBytes, load);
                results.add(r);
                allBack &= (Boolean) r.get("back_within_limit");
                if (fresh()) {
                    stop(d);
                    d = null;
                }
            }
            if (d != null) {
                long rss = ProcStats.rssBytes(d.pid());
                long live = MemoryBench.heapAfterGc(d.pid());
                say(String.format(Locale.ROOT, "end of run: RSS %.1f MB, live heap after a forced GC %.1f MB", mb(rss),
                        mb(live)));
            }
        } finally {
            if (d != null) {
                stop(d);
            }
        }
        table(limitBytes, recoverS);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("date", started0);
        doc.put("commit", LoadGen.commit());
        doc.put("options", new TreeMap<>(o));
        doc.put("settings", sets);
        doc.put("limit_mb", limitBytes / 1_000_000);
        doc.put("attacks", results);
        doc.put("all_back_within_limit", allBack);
        Files.writeString(out.resolve("report.json"), LoadGen.json(doc) + "\n");
        Files.writeString(out.resolve("report.md"), markdown(limitBytes, recoverS));
        return allBack ? 0 : 3;
    }

    /** The control row's name: no attack, the bystander alone. */
    static final String CONTROL = "none";

    private boolean fresh() {
        return flag("fresh-daemon");
    }

    private Daemon daemon() throws Exception {
        ServerJvm.Started s;
        if (flag("nmt")) {
            String extra = System.getenv("PERF_SERVER_JVM_OPTS");
            s = ServerJvm.startWith(String.join(" ", org.remotemedia.testkit.JvmOptions.read())
                    + " -XX:NativeMemoryTracking=summary" + (extra == null ? "" : " " + extra), sets, started);
        } else {
            s = ServerJvm.startDaemon("auto", sets, started);
        }
        long pid = s.process().pid();
        int warmupS = num("warmup-s", 10);
        if (warmupS > 0) {
            LoadSettings w = LoadSettings.parse(new String[] {"--loop", "closed", "--target", "127.0.0.1:" + s.port(),
                    "--concurrency", "4", "--connections", "2", "--warmup-s", "0", "--duration-s",
                    Integer.toString(warmupS), "--audio-ms", "100"});
            LoadRecorder rec = new LoadRecorder();
            List<ManagedChannel> chs = new ArrayList<>();
            for (int c = 0; c < w.connections(); c++) {
                chs.add(NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().directExecutor()
                        .maxInboundMessageSize(64 << 20).build());
            }
            try {
                new UnaryLoad(w, new LoadPayload(w), chs, rec).run();
            } finally {
                for (ManagedChannel ch : chs) {
                    ch.shutdownNow();
                }
            }
            say(String.format(Locale.ROOT, "daemon pid %d: warm-up %d s of ExecutePipeline (100 ms audio, 4 in flight):"
                    + " %d OK, %d failed; RSS %.1f MB", pid, warmupS, rec.ok(), rec.failureCount(),
                    mb(ProcStats.rssBytes(pid))));
        }
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        LoadSettings bs = LoadSettings.parse(new String[] {"--target", "127.0.0.1:" + s.port()});
        Bystander by = new Bystander(ch, new LoadPayload(bs).unaryRequest(100), num("bystander-interval-ms", 100));
        long rss = ProcStats.rssBytes(pid);
        long heap = MemoryBench.heapAfterGc(pid);
        double settledS = settle(pid, 15, 30, 150);
        say(String.format(Locale.ROOT, "after warm-up: RSS %.1f MB, live heap after a forced GC %.1f MB; RSS %.1f MB"
                + " after a settle of %.0f s", mb(rss), mb(heap), mb(ProcStats.rssBytes(pid)), settledS));
        return new Daemon(s, pid, ch, by);
    }

    /**
     * Waits at least {@code minS} and until the RSS has moved less than 5 MB over the last
     * {@code windowS} one-second samples, at most {@code maxS}; returns the seconds waited. After a
     * collection, ZGC (JDK 25, ZUncommitDelay=10) uncommits what it freed in steps, the first some
     * 25 s later: hence at least 30 s after a forced GC.
     */
    private static double settle(long pid, int windowS, int minS, int maxS) throws InterruptedException {
        long t0 = System.nanoTime();
        List<Long> last = new ArrayList<>();
        for (int s = 1; s <= maxS; s++) {
            Thread.sleep(1000);
            last.add(ProcStats.rssBytes(pid));
            if (last.size() > windowS) {
                last.remove(0);
            }
            long spread = last.stream().mapToLong(Long::longValue).max().orElse(0)
                    - last.stream().mapToLong(Long::longValue).min().orElse(0);
            if (s >= minS && last.size() == windowS && spread < 5_000_000) {
                break;
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void stop(Daemon d) throws InterruptedException {
        d.bystander().stop();
        d.channel().shutdownNow();
        d.s().process().destroy();
        if (!d.s().process().waitFor(40, TimeUnit.SECONDS)) {
            d.s().process().destroyForcibly();
        }
    }

    private Map<String, Object> attack(Daemon d, String name, int attackS, int recoverS, long limitBytes,
                                       HostilePeers.Load load) throws Exception {
        long pid = d.pid();
        double settledS = settle(pid, num("settle-s", 5), 0, num("settle-max-s", 20));
        Map<String, Double> countersBefore = counters(d.s().metricsPort());
        Map<String, Long> nmtBefore = flag("nmt") ? nmt(pid) : Map.of();
        long[] heapBefore = heapInfo(pid);
        long before = ProcStats.rssBytes(pid);
        boolean hwmReset = clearPeak(pid);
        Bystander.Phase during = d.bystander().phase("attack " + name);
        long[] peak = {before};
        Thread sampler = Thread.ofPlatform().name("rss-peak").daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak[0] = Math.max(peak[0], ProcStats.rssBytes(pid));
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        long t0 = System.nanoTime();
        HostilePeers.Tally tally = name.equals(CONTROL) ? idle(attackS) : HostilePeers.run(name, d.s().port(),
                attackS * 1000L, load);
        double ranS = (System.nanoTime() - t0) / 1e9;
        sampler.interrupt();
        sampler.join();
        if (hwmReset) {
            peak[0] = Math.max(peak[0], ProcStats.peakRssBytes(pid));
        }
        Map<String, Long> nmtEnd = flag("nmt") ? nmt(pid) : Map.of();
        Bystander.Phase recovery = d.bystander().phase("recovery " + name);
        // RSS once a second for recover_s, from the moment the attackers stopped
        long stop = System.nanoTime();
        List<Long> series = new ArrayList<>();
        for (int s = 1; s <= recoverS; s++) {
            long due = stop + TimeUnit.SECONDS.toNanos(s);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait), (int) (wait % 1_000_000));
            }
            series.add(ProcStats.rssBytes(pid));
        }
        d.bystander().phase("between"); // the jcmds and scrapes below are no attack's
        long[] heapEnd = heapInfo(pid);
        Map<String, Long> nmtAfter = flag("nmt") ? nmt(pid) : Map.of();
        // with NMT, also what glibc keeps of what was freed: the RSS before and after returning it
        long[] trim = flag("nmt") ? trimNativeHeap(pid) : null;
        Map<String, Double> countersAfter = counters(d.s().metricsPort());
        long heapAfter = -1;
        if (flag("gc-between")) {
            heapAfter = MemoryBench.heapAfterGc(pid);
            settle(pid, 15, 30, 150);
        } else if (fresh()) {
            heapAfter = MemoryBench.heapAfterGc(pid); // the daemon goes next
        }
        int backAt = -1;
        for (int i = 0; i < series.size(); i++) {
            if (series.get(i) - before <= limitBytes) {
                backAt = i + 1;
                break;
            }
        }
        long last = series.isEmpty() ? before : series.get(series.size() - 1);
        boolean back = last - before <= limitBytes;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("attack", name);
        r.put("settled_s", settledS);
        r.put("ran_s", ranS);
        r.put("server_answers", tally.summary());
        if (tally.firstError() != null) {
            r.put("first_attacker_error", tally.firstError());
        }
        r.put("bytes_sent", tally.bytesSent.get());
        r.put("server_counters", delta(countersBefore, countersAfter));
        r.put("rss_before_mb", mb(before));
        r.put("rss_peak_mb", mb(peak[0]));
        r.put("rss_at_10s_mb", mb(at(series, 10)));
        r.put("rss_at_20s_mb", mb(at(series, 20)));
        r.put("rss_at_end_mb", mb(last));
        r.put("rss_series_mb", series.stream().map(v -> (Object) round1(mb(v))).toList());
        r.put("first_second_within_limit", backAt);
        r.put("back_within_limit", back);
        r.put("zheap_used_mb", List.of(mb(heapBefore[0]), mb(heapEnd[0])));
        r.put("zheap_capacity_mb", List.of(mb(heapBefore[1]), mb(heapEnd[1])));
        if (heapAfter >= 0) {
            r.put("live_heap_after_gc_mb", mb(heapAfter));
        }
        r.put("bystander_attack", during.json());
        r.put("bystander_recovery", recovery.json());
        if (flag("nmt")) {
            r.put("nmt_committed_kb", Map.of("before", nmtBefore, "attack_end", nmtEnd, "after", nmtAfter));
            r.put("trim_native_heap_rss_mb", List.of(mb(trim[0]), mb(trim[1])));
        }
        say(String.format(Locale.ROOT, "%-20s (settled %.0f s) %5.1fs RSS %.1f -> peak %.1f -> +10s %.1f, +20s %.1f,"
                        + " +%ds %.1f MB (%+.1f; %s, first within at %s); ZGC heap used %.0f -> %.0f MB, capacity %.0f ->"
                        + " %.0f MB%s; bystander %s | %s", name, settledS, ranS, mb(before), mb(peak[0]), mb(at(series, 10)),
                mb(at(series, 20)), recoverS, mb(last), (last - before) / 1e6, back ? "back" : "NOT back",
                backAt < 0 ? "never" : backAt + " s", mb(heapBefore[0]), mb(heapEnd[0]), mb(heapBefore[1]),
                mb(heapEnd[1]), heapAfter < 0 ? "" : String.format(Locale.ROOT, ", live after GC %.1f MB",
                        mb(heapAfter)), during.line(), recovery.line()));
        say("    daemon pid " + pid + "; server: " + tally.summary() + (tally.firstError() == null ? "" : "; first attacker error "
                + tally.firstError()) + "; counters " + delta(countersBefore, countersAfter));
        if (flag("nmt")) {
            say("    NMT committed MB (before / attack end / +" + recoverS + " s): " + nmtLine(nmtBefore, nmtEnd,
                    nmtAfter) + String.format(Locale.ROOT, "RSS %.1f -> %.1f MB by jcmd System.trim_native_heap",
                    mb(trim[0]), mb(trim[1])));
        }
        return r;
    }

    /** {used, capacity} of ZGC's heap from {@code jcmd GC.heap_info} (no collection), or -1s. */
    private static long[] heapInfo(long pid) {
        try {
            Matcher m = ZHEAP.matcher(jcmd(pid, "GC.heap_info"));
            if (m.find()) {
                return new long[] {bytes(m.group(1), m.group(2)), bytes(m.group(3), m.group(4))};
            }
        } catch (IOException e) {
            // below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new long[] {-1, -1};
    }

    private static long bytes(String n, String unit) {
        return Long.parseLong(n) * switch (unit) {
            case "K" -> 1024L;
            case "M" -> 1024L * 1024;
            default -> 1024L * 1024 * 1024;
        };
    }

    /** The control: no attacker for {@code seconds}. */
    private static HostilePeers.Tally idle(int seconds) throws InterruptedException {
        Thread.sleep(seconds * 1000L);
        return new HostilePeers.Tally();
    }

    private static long at(List<Long> series, int second) {
        return series.size() >= second ? series.get(second - 1) : -1;
    }

    /** A size in MB; NaN where it is unknown (negative). Not for differences, which may be negative. */
    private static double mb(long bytes) {
        return bytes < 0 ? Double.NaN : bytes / 1e6;
    }

    private static double round1(double v) {
        return Math.round(v * 10) / 10.0;
    }

    /** Resets VmHWM (Linux: "5" into /proc/PID/clear_refs), so it holds the attack's peak; false where not allowed. */
    private static boolean clearPeak(long pid) {
        try {
            Files.writeString(Path.of("/proc", Long.toString(pid), "clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    // ---- the server's counters, from /metrics

    private Map<String, Double> counters(int metricsPort) {
        Map<String, Double> m = new TreeMap<>();
        if (metricsPort <= 0) {
            return m;
        }
        try {
            String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.lines().toList()) {
                for (String c : COUNTERS) {
                    if (line.startsWith(c)) {
                        int sp = line.lastIndexOf(' ');
                        m.put(line.substring(0, sp).replace("remotemedia_grpc_server_", "")
                                .replace("jvm_gc_collection_seconds_count", "gc"), Double.parseDouble(line.substring(sp + 1)));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            m.put("scrape_failed", 1.0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return m;
    }

    private static Map<String, Object> delta(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Object> d = new TreeMap<>();
        after.forEach((k, v) -> {
            double x = v - before.getOrDefault(k, 0.0);
            if (x != 0) {
                d.put(k.replace("budget_exceeded_total", "budget").replace("_total", "")
                        .replaceAll("\\{[a-z_]+=\"([^\"]*)\"}", " $1"), (long) x);
            }
        });
        return d;
    }

    // ---- NMT

    /** NMT summary, committed KB by category (and "Total"), or empty where NMT is off. */
    private static Map<String, Long> nmt(long pid) {
        Map<String, Long> m = new LinkedHashMap<>();
        try {
            for (String line : jcmd(pid, "VM.native_memory", "summary").lines().toList()) {
                Matcher t = NMT_TOTAL.matcher(line.strip());
                if (t.find()) {
                    m.put("Total", Long.parseLong(t.group(2)));
                }
                Matcher c = NMT_CATEGORY.matcher(line.strip());
                if (c.find()) {
                    m.put(c.group(1).strip(), Long.parseLong(c.group(3)));
                }
            }
        } catch (IOException e) {
            m.put("jcmd_failed", -1L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return m;
    }

    /** The RSS before and after {@code jcmd System.trim_native_heap} (glibc's malloc_trim). */
    private static long[] trimNativeHeap(long pid) {
        long before = ProcStats.rssBytes(pid);
        try {
            jcmd(pid, "System.trim_native_heap");
        } catch (IOException e) {
            return new long[] {before, -1};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return new long[] {before, ProcStats.rssBytes(pid)};
    }

    /** Categories that moved by 5 MB or more anywhere, plus the total. */
    private static String nmtLine(Map<String, Long> a, Map<String, Long> b, Map<String, Long> c) {
        StringBuilder s = new StringBuilder();
        for (String k : a.keySet()) {
            long x = a.get(k);
            long y = b.getOrDefault(k, x);
            long z = c.getOrDefault(k, x);
            if (k.equals("Total") || Math.abs(y - x) >= 5_000 || Math.abs(z - x) >= 5_000) {
                s.append(String.format(Locale.ROOT, "%s %.1f / %.1f / %.1f; ", k, x / 1e3, y / 1e3, z / 1e3));
            }
        }
        return s.toString();
    }

    private static String jcmd(long pid, String... what) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        cmd.addAll(List.of(what));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String s = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return s;
    }

    // ---- the report

    private void table(long limitBytes, int recoverS) {
        say("");
        say(String.format(Locale.ROOT, "%-20s %7s %7s %7s %7s %7s %7s %-6s %-15s %-16s %-16s", "attack", "before",
                "peak", "+10s", "+20s", "+" + recoverS + "s", "delta", "<=" + limitBytes / 1_000_000, "heap used",
                "bystander during", "bystander after"));
        for (Map<String, Object> r : results) {
            say(String.format(Locale.ROOT, "%-20s %7.1f %7.1f %7.1f %7.1f %7.1f %+7.1f %-6s %-15s %-16s %-16s",
                    r.get("attack"), r.get("rss_before_mb"), r.get("rss_peak_mb"), r.get("rss_at_10s_mb"),
                    r.get("rss_at_20s_mb"), r.get("rss_at_end_mb"), delta(r),
                    (Boolean) r.get("back_within_limit") ? "yes" : "NO", heapUsed(r),
                    okFailed(r.get("bystander_attack")), okFailed(r.get("bystander_recovery"))));
        }
        say("(MB = 10^6 bytes; RSS before the attack, its peak during it, then after it stopped; heap used = ZGC's"
                + " heap in use, live and garbage, before -> at the end, from GC.heap_info without a collection;"
                + " bystander = its calls OK/failed)");
    }

    private static double delta(Map<String, Object> r) {
        return (Double) r.get("rss_at_end_mb") - (Double) r.get("rss_before_mb");
    }

    private static String heapUsed(Map<String, Object> r) {
        List<?> u = (List<?>) r.get("zheap_used_mb");
        return String.format(Locale.ROOT, "%.0f -> %.0f", (Double) u.get(0), (Double) u.get(1));
    }

    private static String okFailed(Object phase) {
        Map<?, ?> m = (Map<?, ?>) phase;
        return m.get("ok") + "/" + m.get("failed");
    }

    private String markdown(long limitBytes, int recoverS) {
        StringBuilder b = new StringBuilder();
        b.append("# attack-memory\n\n").append(report.toString().lines().findFirst().orElse("")).append("\n\n");
        b.append("RSS in MB (10^6 bytes). Heap used: ZGC's heap in use (live and garbage) before -> after, without a"
                + " collection. Bystander: its ExecutePipeline calls OK/failed during the attack and the recovery.\n\n");
        b.append("| attack | RSS before | peak | +10 s | +20 s | +").append(recoverS).append(" s | delta | within ")
                .append(limitBytes / 1_000_000).append(" MB | heap used | bystander during | bystander after |"
                        + " server |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Map<String, Object> r : results) {
            b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %+.1f | %s | %s | %s | %s"
                            + " | %s; %s |\n", r.get("attack"), r.get("rss_before_mb"), r.get("rss_peak_mb"),
                    r.get("rss_at_10s_mb"), r.get("rss_at_20s_mb"), r.get("rss_at_end_mb"), delta(r),
                    (Boolean) r.get("back_within_limit") ? "yes" : "**no**", heapUsed(r),
                    okFailed(r.get("bystander_attack")), okFailed(r.get("bystander_recovery")),
                    r.get("server_answers"), r.get("server_counters")));
        }
        return b.toString();
    }

    /**
     * A well-behaved grpc-java client: one ExecutePipeline call (blocking, 10 s deadline) every
     * {@code intervalMs}, bounded by {@link #MAX_CALLS}; its results go to the current phase.
     * Threads: its own calling thread; {@link #phase} and {@link #stop} from the driver.
     */
    static final class Bystander {
        static final int MAX_CALLS = 200_000;
        private final AtomicReference<Phase> current = new AtomicReference<>(new Phase("settle"));
        private final Thread thread;
        private volatile boolean stop;

        Bystander(ManagedChannel ch, ExecuteRequest req, int intervalMs) {
            PipelineExecutionServiceGrpc.PipelineExecutionServiceBlockingStub stub =
                    PipelineExecutionServiceGrpc.newBlockingStub(ch);
            thread = Thread.ofPlatform().name("bystander").daemon().start(() -> {
                long next = System.nanoTime();
                for (int i = 0; i < MAX_CALLS && !stop; i++) {
                    long t = System.nanoTime();
                    Phase p = current.get();
                    try {
                        ExecuteResponse r = stub.withDeadlineAfter(10, TimeUnit.SECONDS).executePipeline(req);
                        if (r.hasResult()) {
                            p.ok(System.nanoTime() - t);
                        } else {
                            p.failed("in-band error");
                        }
                    } catch (StatusRuntimeException e) {
                        String why = e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                                : " " + e.getStatus().getDescription());
                        p.failed(why.length() > 80 ? why.substring(0, 80) : why);
                    }
                    next += TimeUnit.MILLISECONDS.toNanos(intervalMs);
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    } else {
                        next = System.nanoTime(); // behind: no burst to catch up
                    }
                }
            });
        }

        /** Starts a new phase; the calls of the previous one stay in it. */
        Phase phase(String name) {
            Phase p = new Phase(name);
            current.set(p);
            return p;
        }

        void stop() throws InterruptedException {
            stop = true;
            thread.join(15_000);
        }

        /** One phase's calls. Written by the bystander thread, read by the driver. */
        static final class Phase {
            final String name;
            private final LongAdder ok = new LongAdder();
            private final Map<String, LongAdder> failed = new ConcurrentHashMap<>();
            private final Histogram latency = new Histogram(60_000_000_000L, 3);

            Phase(String name) {
                this.name = name;
            }

            void ok(long ns) {
                ok.increment();
                synchronized (latency) {
                    latency.recordValue(Math.min(Math.max(1, ns), 60_000_000_000L));
                }
            }

            void failed(String why) {
                failed.computeIfAbsent(why, k -> new LongAdder()).increment();
            }

            long failedCount() {
                return failed.values().stream().mapToLong(LongAdder::sum).sum();
            }

            String line() {
                synchronized (latency) {
                    return String.format(Locale.ROOT, "%s: %d OK, %d failed%s, p99 %.1f ms, max %.1f ms", name, ok.sum(),
                            failedCount(), failed.isEmpty() ? "" : " " + failedMap(), latency.getValueAtPercentile(99) / 1e6,
                            latency.getMaxValue() / 1e6);
                }
            }

            private Map<String, Long> failedMap() {
                Map<String, Long> m = new TreeMap<>();
                failed.forEach((k, v) -> m.put(k, v.sum()));
                return m;
            }

            Map<String, Object> json() {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("ok", ok.sum());
                m.put("failed", failedCount());
                m.put("failures", failedMap());
                synchronized (latency) {
                    m.put("p50_ms", latency.getValueAtPercentile(50) / 1e6);
                    m.put("p99_ms", latency.getValueAtPercentile(99) / 1e6);
                    m.put("max_ms", latency.getMaxValue() / 1e6);
                }
                return m;
            }
        }
    }
}
