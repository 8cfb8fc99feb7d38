package org.remotemedia.perf;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.Connection;
import org.remotemedia.proto.v1.GetMetricsRequest;
import org.remotemedia.proto.v1.GetMetricsResponse;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;

/**
 * The streaming benchmark: {@code sessions} concurrent StreamPipeline sessions, each
 * sending 100 ms chunks of 44.1 kHz mono f32 at 10 Hz through Resample (16 kHz) -> VAD (or, with
 * {@code --pipeline passthrough}, PassThrough: the transport and service floor), against our
 * daemon in its own JVM, DSP {@code inline} and {@code workers} interleaved round by round
 * (A, B, A, B ...).
 *
 * <p>Open loop: chunk k of session s is due at {@code T0 + s * (interval / sessions) + k * interval}
 * (sessions evenly staggered), sent by one scheduler thread at that time whatever the answers
 * are doing; a chunk's latency runs from its due time to the arrival of its ChunkResult, recorded
 * with {@code recordValueWithExpectedInterval(latency, interval)} so a stall is not hidden
 * (coordinated omission). Each round: sessions open (init -> StreamReady), a warm-up period that
 * is not recorded, the measured period, then COMMAND_CLOSE on every session and a check that each
 * got every result, in order, plus its tail and StreamClosed. Reported beside: the server's CPU
 * time per chunk (utime + stime from /proc/PID/stat over the round, all its threads: event loops,
 * DSP workers, GC, JIT) and the engine's time per chunk (ChunkResult.processing_time_ms).
 *
 * <p>Bounded: fixed durations, every wait has a timeout, the servers are killed at the end.
 */
public final class StreamBench {
    private static final int RATE = 44_100;

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

    /** One server under test. */
    private record Target(String name, Process process, int port, ManagedChannel control) {
    }

    private void run() throws Exception {
        int sessions = Integer.parseInt(opt("sessions", "100"));
        int rounds = Integer.parseInt(opt("rounds", "3"));
        double seconds = Double.parseDouble(opt("seconds", "20"));
        double warmup = Double.parseDouble(opt("warmup", "5"));
        long intervalNs = (long) (Double.parseDouble(opt("interval-ms", "100")) * 1e6);
        int chunkFrames = (int) Math.round(RATE * intervalNs / 1e9);
        List<String> modes = List.of(opt("modes", "auto,inline,workers").split(","));
        pipeline = opt("pipeline", "resample-vad");

        List<Target> targets = new ArrayList<>();
        for (String m : modes) {
            targets.add(start(m));
        }
        // one pre-warm pass per target (JIT, filter banks), not reported
        for (Target t : targets) {
            System.out.printf(Locale.ROOT, "# pre-warm %s (not in the table): %s%n", t.name(),
                    round(t, sessions, Math.min(seconds, 5), 3, intervalNs, chunkFrames));
        }
        System.out.printf(Locale.ROOT, "# stream bench: %d sessions x %d ms chunks (%d frames of 44.1 kHz f32) through"
                        + " %s; %d rounds x %s; warm-up %.0f s + measured %.0f s per round; load %s%n",
                sessions, intervalNs / 1_000_000, chunkFrames, pipeline, rounds, modes, warmup, seconds, ProcStats.loadAverage());
        Map<String, List<Result>> results = new LinkedHashMap<>();
        for (Target t : targets) {
            results.put(t.name(), new ArrayList<>());
        }
        for (int r = 0; r < rounds; r++) {
            for (Target t : targets) {
                Result res = round(t, sessions, seconds, warmup, intervalNs, chunkFrames);
                results.get(t.name()).add(res);
                System.out.printf(Locale.ROOT, "# round %d %s: %s%n", r + 1, t.name(), res);
            }
        }
        report(results);
        System.out.println("# load at the end: " + ProcStats.loadAverage());
        for (Target t : targets) {
            t.control().shutdownNow();
        }
    }

    // ---- one round: open sessions, warm up, measure, close, check ----

    record Result(double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs, long chunks,
                  double serverCpuUsPerChunk, double engineP50Ms, double engineP99Ms, double lateP99Ms,
                  double lateMaxMs, double clientCpuUsPerChunk, String load) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "p50 %.3f ms, p90 %.3f, p99 %.3f, p99.9 %.3f, max %.3f (%d chunks);"
                            + " server CPU %.0f us/chunk (client %.0f); engine p50 %.3f p99 %.3f ms; sender late p99 %.3f"
                            + " max %.3f ms; load %s", p50Ms, p90Ms, p99Ms, p999Ms, maxMs, chunks, serverCpuUsPerChunk,
                    clientCpuUsPerChunk, engineP50Ms, engineP99Ms, lateP99Ms, lateMaxMs, load);
        }
    }

    private Result round(Target t, int sessions, double seconds, double warmup, long intervalNs, int chunkFrames)
            throws Exception {
        Recorder recorder = new Recorder(3_600_000_000_000L, 3);
        Recorder engineTime = new Recorder(3_600_000_000_000L, 3);
        Histogram late = new Histogram(3_600_000_000_000L, 3); // scheduler thread only
        AtomicLong failures = new AtomicLong();
        StringBuilder firstFailure = new StringBuilder();
        float[] signal = signal(RATE * 10);
        long warmChunks = (long) Math.ceil(warmup * 1e9 / intervalNs);
        long chunksPerSession = warmChunks + (long) Math.ceil(seconds * 1e9 / intervalNs);
        // every session sends the same audio: one request per sequence number, built once
        StreamRequest[] requests = new StreamRequest[(int) chunksPerSession];
        int distinct = signal.length / chunkFrames;
        for (int k = 0; k < requests.length; k++) {
            requests[k] = StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder().setNodeId("resample")
                    .setSequence(k).setBuffer(f32(signal, (k % distinct) * chunkFrames, chunkFrames))).build();
        }

        List<ManagedChannel> channels = new ArrayList<>();
        Session[] ss = new Session[sessions];
        CountDownLatch ready = new CountDownLatch(sessions);
        CountDownLatch closed = new CountDownLatch(sessions);
        for (int s = 0; s < sessions; s++) {
            // callbacks on the channel's event loop (no hand-off to an executor): a lighter load generator
            ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", t.port()).usePlaintext().directExecutor()
                    .build();
            channels.add(ch);
            ss[s] = new Session(s, chunksPerSession, warmChunks, intervalNs, recorder, engineTime, ready, closed,
                    failures, firstFailure);
            ss[s].out = StreamingPipelineServiceGrpc.newStub(ch).streamPipeline(ss[s]);
            ss[s].out.onNext(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifest(manifest())
                    .setClientVersion("v1")).build());
        }
        try {
            if (!ready.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("sessions not ready: " + ready.getCount() + " missing");
            }
            long cpu0 = ProcStats.cpuNanos(t.process().pid());
            long client0 = ProcStats.selfCpuNanos();
            long stagger = intervalNs / sessions;
            long t0 = System.nanoTime() + 20_000_000;
            for (int s = 0; s < sessions; s++) {
                ss[s].start = t0 + s * stagger;
            }
            // the scheduler: every chunk of every session at its due time, in due-time order
            long total = chunksPerSession * sessions;
            long measuredFrom = -1;
            for (long i = 0; i < total; i++) {
                long k = i / sessions;
                int s = (int) (i % sessions);
                long due = ss[s].start + k * intervalNs;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    if (wait > 200_000) {
                        LockSupport.parkNanos(wait - 100_000);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                if (k == warmChunks && s == 0) {
                    measuredFrom = System.nanoTime();
                }
                if (k >= warmChunks) {
                    late.recordValue(Math.max(1, System.nanoTime() - due)); // the load generator itself behind time
                }
                ss[s].send(k, requests[(int) k]);
            }
            for (Session x : ss) {
                x.out.onNext(StreamRequest.newBuilder().setControl(StreamControl.newBuilder()
                        .setCommand(StreamControl.Command.COMMAND_CLOSE)).build());
            }
            if (!closed.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("sessions not closed: " + closed.getCount() + " missing");
            }
            long cpu1 = ProcStats.cpuNanos(t.process().pid());
            long client1 = ProcStats.selfCpuNanos();
            if (failures.get() > 0) {
                throw new IllegalStateException(failures.get() + " failures, first: " + firstFailure);
            }
            for (Session x : ss) {
                x.out.onCompleted();
            }
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (metrics(t).getActiveStreams() != 0) { // every session released on the server
                if (System.nanoTime() > until) {
                    throw new IllegalStateException(metrics(t).getActiveStreams() + " sessions still open on the server");
                }
                Thread.sleep(10);
            }
            Histogram h = recorder.getIntervalHistogram();
            long measured = (chunksPerSession - warmChunks) * sessions;
            long allChunks = chunksPerSession * sessions;
            Histogram engine = engineTime.getIntervalHistogram();
            if (measuredFrom < 0 || h.getTotalCount() < measured) {
                throw new IllegalStateException("recorded " + h.getTotalCount() + " of " + measured + " chunks");
            }
            return new Result(h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6,
                    h.getValueAtPercentile(99) / 1e6, h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6,
                    h.getTotalCount(), cpu1 < 0 ? -1 : (cpu1 - cpu0) / 1e3 / allChunks,
                    engine.getValueAtPercentile(50) / 1e6, engine.getValueAtPercentile(99) / 1e6,
                    late.getValueAtPercentile(99) / 1e6, late.getMaxValue() / 1e6, (client1 - client0) / 1e3 / allChunks,
                    ProcStats.loadAverage());
        } finally {
            for (ManagedChannel ch : channels) {
                ch.shutdownNow();
            }
            for (ManagedChannel ch : channels) {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** One session's client side: sends on the scheduler thread, receives on grpc-java's threads. */
    private static final class Session implements StreamObserver<StreamResponse> {
        final int index;
        final long chunks;
        final long warmChunks;
        final long intervalNs;
        final Recorder recorder;
        final Recorder engineTime;
        final CountDownLatch ready;
        final CountDownLatch closed;
        final AtomicLong failures;
        final StringBuilder firstFailure;
        final long[] dueOf;
        StreamObserver<StreamRequest> out;
        volatile long start;
        long nextResult;
        boolean tail;

        Session(int index, long chunks, long warmChunks, long intervalNs, Recorder recorder, Recorder engineTime,
                CountDownLatch ready, CountDownLatch closed, AtomicLong failures, StringBuilder firstFailure) {
            this.index = index;
            this.chunks = chunks;
            this.warmChunks = warmChunks;
            this.intervalNs = intervalNs;
            this.recorder = recorder;
            this.engineTime = engineTime;
            this.ready = ready;
            this.closed = closed;
            this.failures = failures;
            this.firstFailure = firstFailure;
            this.dueOf = new long[(int) chunks];
        }

        void send(long k, StreamRequest r) {
            dueOf[(int) k] = start + k * intervalNs;
            out.onNext(r);
        }

        @Override
        public void onNext(StreamResponse r) {
            long now = System.nanoTime();
            switch (r.getResponseCase()) {
                case READY -> ready.countDown();
                case RESULT -> {
                    long seq = r.getResult().getSequence();
                    if (seq == chunks) {
                        tail = true;
                        return;
                    }
                    if (seq != nextResult) {
                        fail("session " + index + ": result " + seq + " where " + nextResult + " was expected");
                        return;
                    }
                    if (r.getResult().getAudioOutputsCount() == 0 && seq > 2) {
                        fail("session " + index + ": result " + seq + " without audio");
                    }
                    nextResult++;
                    if (seq >= warmChunks) {
                        recorder.recordValueWithExpectedInterval(Math.max(1, now - dueOf[(int) seq]), intervalNs);
                        engineTime.recordValue(Math.max(1, (long) (r.getResult().getProcessingTimeMs() * 1e6)));
                    }
                }
                case METRICS -> { }
                case CLOSED -> {
                    if (nextResult != chunks) { // the tail result comes only when the flush yields audio
                        fail("session " + index + ": closed after " + nextResult + " of " + chunks + " results, tail "
                                + tail);
                    }
                    closed.countDown();
                }
                default -> fail("session " + index + ": unexpected " + r);
            }
        }

        private void fail(String what) {
            if (failures.getAndIncrement() == 0) {
                synchronized (firstFailure) {
                    firstFailure.append(what);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            fail("session " + index + ": " + t);
            ready.countDown();
            closed.countDown();
        }

        @Override
        public void onCompleted() {
        }
    }

    // ---- server, metrics, report ----

    private Target start(String mode) throws Exception {
        ServerJvm.Started s = ServerJvm.startDaemon(mode, List.of("execution.idle_strategy=" + opt("idle", "backoff"),
                "execution.pin_workers=" + opt("pin", "false")), servers);
        ManagedChannel control = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().build();
        return new Target(mode, s.process(), s.port(), control);
    }

    private static GetMetricsResponse metrics(Target t) {
        return PipelineExecutionServiceGrpc.newBlockingStub(t.control()).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getMetrics(GetMetricsRequest.getDefaultInstance());
    }


    private static void report(Map<String, List<Result>> results) {
        System.out.println();
        System.out.println("| DSP mode | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | p99 spread (min-max) | chunks/round"
                + " | server CPU us/chunk | engine p50 / p99 ms | sender late p99 ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        for (Map.Entry<String, List<Result>> e : results.entrySet()) {
            List<Result> rs = e.getValue();
            System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f-%.3f | %d | %.0f |"
                            + " %.3f / %.3f | %.3f |%n", e.getKey(),
                    median(rs, Result::p50Ms), median(rs, Result::p90Ms), median(rs, Result::p99Ms),
                    median(rs, Result::p999Ms), median(rs, Result::maxMs),
                    rs.stream().mapToDouble(Result::p99Ms).min().orElse(0),
                    rs.stream().mapToDouble(Result::p99Ms).max().orElse(0), rs.get(0).chunks(),
                    median(rs, Result::serverCpuUsPerChunk), median(rs, Result::engineP50Ms),
                    median(rs, Result::engineP99Ms), median(rs, Result::lateP99Ms));
        }
        // every other mode against the first, round by round
        List<List<Result>> all = new ArrayList<>(results.values());
        List<String> names = new ArrayList<>(results.keySet());
        for (int m = 1; m < all.size(); m++) {
            double[] r50 = new double[all.get(0).size()];
            double[] r99 = new double[r50.length];
            for (int i = 0; i < r50.length; i++) {
                r50[i] = all.get(m).get(i).p50Ms() / all.get(0).get(i).p50Ms();
                r99[i] = all.get(m).get(i).p99Ms() / all.get(0).get(i).p99Ms();
            }
            System.out.printf(Locale.ROOT, "%n%s / %s per round: p50 %s, p99 %s%n", names.get(m), names.get(0),
                    Arrays.toString(round2(r50)), Arrays.toString(round2(r99)));
        }
    }

    private static double[] round2(double[] xs) {
        double[] o = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            o[i] = Math.round(xs[i] * 100) / 100.0;
        }
        return o;
    }

    private static double median(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        double[] a = rs.stream().mapToDouble(f).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    // ---- the signal and the request ----

    private static String pipeline = "resample-vad";

    static PipelineManifest manifest() {
        if (pipeline.equals("passthrough")) { // the floor: transport + service, no DSP to speak of
            return PipelineManifest.newBuilder().setVersion("v1")
                    .setMetadata(ManifestMetadata.newBuilder().setName("bench"))
                    .addNodes(NodeManifest.newBuilder().setId("resample").setNodeType("PassThrough").setParams("{}"))
                    .build();
        }
        return PipelineManifest.newBuilder().setVersion("v1").setMetadata(ManifestMetadata.newBuilder().setName("bench"))
                .addNodes(NodeManifest.newBuilder().setId("resample").setNodeType("AudioResample")
                        .setParams("{\"target_sample_rate\": 16000}"))
                .addNodes(NodeManifest.newBuilder().setId("vad").setNodeType("VAD").setParams("{}"))
                .addConnections(Connection.newBuilder().setFrom("resample").setTo("vad"))
                .build();
    }

    /** Speech-like bursts: a 300 Hz tone on for 1 s, off for 1 s. */
    static float[] signal(int frames) {
        float[] s = new float[frames];
        for (int i = 0; i < frames; i++) {
            s[i] = (i / RATE) % 2 == 0 ? (float) (0.5 * Math.sin(2 * Math.PI * 300 * i / RATE)) : 0f;
        }
        return s;
    }

    static AudioBuffer f32(float[] s, int from, int frames) {
        ByteBuffer bb = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            bb.putFloat(s[from + i]);
        }
        return AudioBuffer.newBuilder().setSamples(com.google.protobuf.ByteString.copyFrom(bb.array()))
                .setSampleRate(RATE).setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(frames).build();
    }
}
