package org.remotemedia.perf;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.HdrHistogram.Recorder;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;

/**
 * Connections at scale (perf/connections): for each server (our daemon; stock grpc-java, epoll,
 * direct executor, {@link StockGrpcServer}), each in its own JVM: its RSS after a warm-up, then
 * with {@code connections} idle HTTP/2 connections from grpc-java channels (spread over loopback
 * source addresses 127.0.0.1..N so ephemeral ports never run out) held for {@code idle_s} seconds
 * with the server sending keepalive PINGs every {@code keepalive_ms}; RSS per connection = the
 * growth over the warm baseline / connections. Then {@code active} of those connections each run
 * ExecutePipeline calls back to back (100 ms of 48 kHz through PassThrough: the transport's cost,
 * not the DSP's) for {@code active_s} seconds: calls, failures by status (and ErrorInfo reason), p50/p99.
 *
 * <p>{@code ConnectionsBench [--connections 10000] [--active 1000] [--idle-s 45] [--active-s 20]
 * [--keepalive-ms 15000] [--servers ours,stock] [--source-addresses 8] [--set key=value ...] [--out DIR]}
 * ({@code --set}: a setting of our daemon, repeatable, e.g. {@code limits.max_queued_executions=1000}).
 * Bounded by timeouts on every wait; servers killed at the end.
 */
public final class ConnectionsBench {
    public static void main(String[] args) throws Exception {
        Map<String, String> o = new java.util.LinkedHashMap<>();
        List<String> sets = new ArrayList<>(); // --set key=value for our daemon, repeatable
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--set")) {
                sets.add(args[i + 1]);
            } else {
                o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
            }
        }
        int connections = Integer.parseInt(o.getOrDefault("connections", "10000"));
        int active = Integer.parseInt(o.getOrDefault("active", "1000"));
        int idleS = Integer.parseInt(o.getOrDefault("idle-s", "45"));
        int activeS = Integer.parseInt(o.getOrDefault("active-s", "20"));
        long keepAliveMs = Long.parseLong(o.getOrDefault("keepalive-ms", "15000"));
        int sources = Integer.parseInt(o.getOrDefault("source-addresses", "8"));
        Path out = Path.of(o.getOrDefault("out", "perf/out/connections-" + System.currentTimeMillis()));
        StringBuilder report = new StringBuilder();
        say(report, String.format(Locale.ROOT, "# connections: %d idle HTTP/2 connections (server keepalive every %d ms,"
                        + " held %d s), then %d active for %d s; our daemon's settings %s; commit %s; load %s", connections,
                keepAliveMs, idleS, active, activeS, sets.isEmpty() ? "default" : String.join(" ", sets), LoadGen.commit(),
                ProcStats.loadAverage()));
        say(report, "| server | RSS warm MB | RSS with connections MB | KB per connection | server fds | connect s"
                + " | active calls | failures | p50 ms | p99 ms |");
        say(report, "|---|---|---|---|---|---|---|---|---|---|");
        List<Process> started = new ArrayList<>();
        try {
            for (String server : o.getOrDefault("servers", "ours,stock").split(",")) {
                ServerJvm.Started s = switch (server) {
                    case "ours" -> {
                        List<String> settings = new ArrayList<>(List.of("transport.keepalive_time_ms=" + keepAliveMs));
                        settings.addAll(sets); // later --set wins
                        yield ServerJvm.startDaemon("auto", settings, started);
                    }
                    case "stock" -> ServerJvm.start(List.of(StockGrpcServer.class.getName(), "0",
                            Long.toString(keepAliveMs)), Pattern.compile("^listening (\\d+)"), started);
                    default -> throw new IllegalArgumentException("unknown server " + server + ": ours, stock");
                };
                say(report, run(server, s, connections, active, idleS, activeS, sources));
                s.process().destroy();
                s.process().waitFor(30, TimeUnit.SECONDS);
            }
        } finally {
            ServerJvm.stopAll(started);
            Files.createDirectories(out);
            Files.writeString(out.resolve("report.txt"), report);
            System.out.println("files: " + out);
        }
        System.exit(0);
    }

    private static void say(StringBuilder report, String line) {
        System.out.println(line);
        report.append(line).append('\n');
    }

    private static String run(String name, ServerJvm.Started s, int connections, int active, int idleS, int activeS,
                              int sources) throws Exception {
        long pid = s.process().pid();
        LoadPayload p = new LoadPayload(LoadSettings.parse(new String[] {"--target", "x:1", "--pipeline",
                "passthrough"}));
        ExecuteRequest req = p.unaryRequest(100);
        EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        List<ManagedChannel> chs = new ArrayList<>();
        try {
            // warm-up: one connection, calls for a few seconds; then the baseline
            ManagedChannel warm = channel(s.port(), group, 0, sources);
            long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (System.nanoTime() < warmUntil) {
                PipelineExecutionServiceGrpc.newBlockingStub(warm).executePipeline(req);
            }
            warm.shutdownNow();
            Thread.sleep(2000);
            long rss0 = ProcStats.rssBytes(pid);
            long t0 = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                chs.add(channel(s.port(), group, i, sources));
            }
            LoadGen.connect(chs);
            double connectS = (System.nanoTime() - t0) / 1e9;
            Thread.sleep(idleS * 1000L); // idle, keepalive PINGs flowing
            long rss1 = ProcStats.rssBytes(pid);
            long fds = ProcStats.openFds(pid);
            // active: `active` connections, one call at a time each, back to back
            Recorder lat = new Recorder(3_600_000_000_000L, 3);
            LongAdder ok = new LongAdder();
            Map<String, LongAdder> failed = new ConcurrentHashMap<>();
            CountDownLatch done = new CountDownLatch(active);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(activeS);
            int stride = Math.max(1, connections / active);
            for (int i = 0; i < active; i++) {
                loop(chs.get((i * stride) % chs.size()), req, end, lat, ok, failed, done);
            }
            if (!done.await(activeS + 60L, TimeUnit.SECONDS)) {
                failed.computeIfAbsent("callers not finished", k -> new LongAdder()).add(done.getCount());
            }
            var h = lat.getIntervalHistogram();
            Map<String, Long> f = new java.util.TreeMap<>();
            failed.forEach((k, v) -> f.put(k, v.sum()));
            return String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %d | %.1f | %d | %s | %.2f | %.2f |", name,
                    rss0 / 1048576.0, rss1 / 1048576.0, (rss1 - rss0) / 1024.0 / connections, fds, connectS, ok.sum(),
                    f.isEmpty() ? "0" : f.toString(), h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6);
        } finally {
            for (ManagedChannel ch : chs) {
                ch.shutdownNow();
            }
            for (ManagedChannel ch : chs) {
                ch.awaitTermination(5, TimeUnit.SECONDS);
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    private static void loop(ManagedChannel ch, ExecuteRequest req, long end, Recorder lat, LongAdder ok,
                             Map<String, LongAdder> failed, CountDownLatch done) {
        if (System.nanoTime() >= end) {
            done.countDown();
            return;
        }
        long t0 = System.nanoTime();
        ClientCalls.asyncUnaryCall(ch.newCall(PipelineExecutionServiceGrpc.getExecutePipelineMethod(),
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)), req, new StreamObserver<ExecuteResponse>() {
                    @Override
                    public void onNext(ExecuteResponse r) {
                        if (r.hasResult()) {
                            ok.increment();
                            lat.recordValue(Math.max(1, System.nanoTime() - t0));
                        } else {
                            failed.computeIfAbsent("in-band " + r.getError().getErrorType(), k -> new LongAdder())
                                    .increment();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        failed.computeIfAbsent(failure(t), k -> new LongAdder()).increment();
                        loop(ch, req, end, lat, ok, failed, done);
                    }

                    @Override
                    public void onCompleted() {
                        loop(ch, req, end, lat, ok, failed, done);
                    }
                });
    }

    /** The status code, and the ErrorInfo reason where the server sent one (e.g. UNAVAILABLE/OVERLOADED). */
    static String failure(Throwable t) {
        String code = Status.fromThrowable(t).getCode().name();
        com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(t);
        if (details != null) {
            for (com.google.protobuf.Any a : details.getDetailsList()) {
                if (a.is(com.google.rpc.ErrorInfo.class)) {
                    try {
                        return code + "/" + a.unpack(com.google.rpc.ErrorInfo.class).getReason();
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        return code + "/(undecodable ErrorInfo)";
                    }
                }
            }
        }
        return code;
    }

    private static ManagedChannel channel(int port, EpollEventLoopGroup group, int i, int sources) {
        NettyChannelBuilder b = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor()
                .eventLoopGroup(group).channelType(EpollSocketChannel.class).maxInboundMessageSize(64 * 1024 * 1024);
        if (sources > 1) {
            InetSocketAddress local = new InetSocketAddress("127.0.0." + (1 + i % sources), 0);
            b.localSocketPicker(new NettyChannelBuilder.LocalSocketPicker() {
                @Override
                public java.net.SocketAddress createSocketAddress(java.net.SocketAddress remote, io.grpc.Attributes a) {
                    return local;
                }
            });
        }
        return b.build();
    }
}
