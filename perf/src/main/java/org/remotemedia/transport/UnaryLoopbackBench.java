package org.remotemedia.transport;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.integration.Messages;
import io.grpc.testing.integration.TestServiceGrpc;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.MethodRegistry;

/**
 * A first loopback comparison of our transport with stock grpc-java (Netty, native epoll,
 * direct executor) serving the same unary method, called by the same grpc-java client, in one
 * process: rounds interleave A and B. Reports per-round p50 / p99 latency (1 channel x 1
 * outstanding call, closed loop), throughput (4 channels x 10 outstanding), and server CPU per
 * call from the server threads' own CPU time. The official grpc-java benchmark client run
 * (perf/RESULTS.md, "Transport") is the reference; this is the transport's quick check.
 *
 * <p>Usage: {@code java -cp <test classpath> org.remotemedia.transport.UnaryLoopbackBench [rounds] [seconds]}
 */
public final class UnaryLoopbackBench {
    private UnaryLoopbackBench() {
    }

    /** Stock grpc-java TestService.UnaryCall with the same behaviour as our EchoTestService. */
    static final class StockService extends TestServiceGrpc.TestServiceImplBase {
        @Override
        public void unaryCall(Messages.SimpleRequest req, StreamObserver<Messages.SimpleResponse> out) {
            out.onNext(Messages.SimpleResponse.newBuilder().setPayload(Messages.Payload.newBuilder()
                    .setBody(ByteString.copyFrom(new byte[req.getResponseSize()]))).build());
            out.onCompleted();
        }
    }

    record Round(String server, int payload, double p50us, double p99us, double callsPerSec, double cpuUsPerCall) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 3;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();

        Map<String, String> flat = new HashMap<>();
        flat.put("server.host", "127.0.0.1");
        flat.put("server.port", "0");
        flat.put("transport.event_loop_threads", "1");
        GrpcServer ours = GrpcServer.start(ServerConfig.from(flat),
                new EchoTestService().register(MethodRegistry.builder()).build(), new Metrics(),
                new JsonLog(System.err, JsonLog.Level.WARN));

        EventLoopGroup stockBoss = new EpollEventLoopGroup(1, new DefaultThreadFactory("stock-accept", true));
        EventLoopGroup stockLoop = new EpollEventLoopGroup(1, new DefaultThreadFactory("stock-loop", true));
        Server stock = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .channelType(EpollServerSocketChannel.class).bossEventLoopGroup(stockBoss).workerEventLoopGroup(stockLoop)
                .directExecutor().addService(new StockService()).build().start();

        EventLoopGroup clientLoop = new EpollEventLoopGroup(1, new DefaultThreadFactory("client", true));
        Map<String, Integer> ports = Map.of("ours", ours.port(), "stock", stock.getPort());
        Map<String, String> threadPrefix = Map.of("ours", "grpc-loop", "stock", "stock-loop");
        List<Round> results = new ArrayList<>();
        try {
            for (int r = 0; r < rounds; r++) {
                for (int payload : new int[] {0, 1024}) {
                    for (String name : new String[] {"ours", "stock"}) {
                        results.add(round(name, ports.get(name), payload, seconds, clientLoop, mx, threadPrefix.get(name),
                                r == 0));
                    }
                }
            }
        } finally {
            ours.shutdown(0);
            stock.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            stockBoss.shutdownGracefully();
            stockLoop.shutdownGracefully();
            clientLoop.shutdownGracefully();
        }
        System.out.println("per round (round 0 is warm-up and excluded from medians):");
        for (Round x : results) {
            System.out.printf(Locale.ROOT, "  %-5s %5d B  p50 %8.1f us  p99 %8.1f us  %9.0f calls/s  cpu %6.1f us/call%n",
                    x.server(), x.payload(), x.p50us(), x.p99us(), x.callsPerSec(), x.cpuUsPerCall());
        }
        System.out.println("medians over measured rounds (ours / stock = ratio):");
        for (int payload : new int[] {0, 1024}) {
            double[] o = stats(results, "ours", payload, rounds);
            double[] s = stats(results, "stock", payload, rounds);
            System.out.printf(Locale.ROOT, "  %4d B  p50 %.1f / %.1f us = %.2f   p99 %.1f / %.1f us = %.2f   "
                    + "throughput %.0f / %.0f calls/s = %.2f   cpu %.1f / %.1f us/call = %.2f%n", payload,
                    o[0], s[0], o[0] / s[0], o[1], s[1], o[1] / s[1], o[2], s[2], o[2] / s[2], o[3], s[3], o[3] / s[3]);
        }
    }

    private static double[] stats(List<Round> all, String server, int payload, int rounds) {
        double[][] cols = new double[4][];
        List<Round> rs = all.stream().filter(x -> x.server().equals(server) && x.payload() == payload).skip(1).toList();
        for (int c = 0; c < 4; c++) {
            cols[c] = new double[rs.size()];
        }
        for (int i = 0; i < rs.size(); i++) {
            cols[0][i] = rs.get(i).p50us();
            cols[1][i] = rs.get(i).p99us();
            cols[2][i] = rs.get(i).callsPerSec();
            cols[3][i] = rs.get(i).cpuUsPerCall();
        }
        double[] out = new double[4];
        for (int c = 0; c < 4; c++) {
            Arrays.sort(cols[c]);
            out[c] = cols[c].length == 0 ? Double.NaN : cols[c][cols[c].length / 2];
        }
        return out;
    }

    private static long serverCpuNanos(ThreadMXBean mx, String prefix) {
        long total = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                long c = mx.getThreadCpuTime(t.threadId());
                total += Math.max(0, c);
            }
        }
        return total;
    }

    private static Round round(String name, int port, int payload, double seconds, EventLoopGroup clientLoop,
            ThreadMXBean mx, String prefix, boolean warmup) throws Exception {
        Messages.SimpleRequest req = Messages.SimpleRequest.newBuilder().setResponseSize(payload)
                .setPayload(Messages.Payload.newBuilder().setBody(ByteString.copyFrom(new byte[payload]))).build();
        // latency: 1 channel, 1 outstanding call
        ManagedChannel ch = channel(port, clientLoop);
        Histogram h = new Histogram(3_600_000_000L, 3);
        try {
            TestServiceGrpc.TestServiceBlockingStub stub = TestServiceGrpc.newBlockingStub(ch);
            for (int i = 0; i < 2000; i++) {
                stub.unaryCall(req);
            }
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                stub.unaryCall(req);
                h.recordValue(System.nanoTime() - t0);
            }
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        // throughput: 4 channels x 10 outstanding, async, closed loop
        List<ManagedChannel> chans = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            chans.add(channel(port, clientLoop));
        }
        AtomicLong done = new AtomicLong();
        long cpu0;
        long t0;
        long calls;
        long elapsed;
        long cpu1;
        try {
            for (ManagedChannel c : chans) {
                TestServiceGrpc.newBlockingStub(c).unaryCall(req);
            }
            long stopAt = System.nanoTime() + (long) (seconds * 1e9);
            CountDownLatch finished = new CountDownLatch(40);
            cpu0 = serverCpuNanos(mx, prefix);
            t0 = System.nanoTime();
            for (ManagedChannel c : chans) {
                TestServiceGrpc.TestServiceStub stub = TestServiceGrpc.newStub(c);
                for (int k = 0; k < 10; k++) {
                    fire(stub, req, done, stopAt, finished);
                }
            }
            finished.await(60, TimeUnit.SECONDS);
            elapsed = System.nanoTime() - t0;
            cpu1 = serverCpuNanos(mx, prefix);
            calls = done.get();
        } finally {
            for (ManagedChannel c : chans) {
                c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        return new Round(name, payload, h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                calls / (elapsed / 1e9), (cpu1 - cpu0) / 1000.0 / Math.max(1, calls));
    }

    private static void fire(TestServiceGrpc.TestServiceStub stub, Messages.SimpleRequest req, AtomicLong done,
            long stopAt, CountDownLatch finished) {
        stub.unaryCall(req, new StreamObserver<>() {
            @Override
            public void onNext(Messages.SimpleResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                finished.countDown();
            }

            @Override
            public void onCompleted() {
                done.incrementAndGet();
                if (System.nanoTime() < stopAt) {
                    fire(stub, req, done, stopAt, finished);
                } else {
                    finished.countDown();
                }
            }
        });
    }

    private static ManagedChannel channel(int port, EventLoopGroup loop) {
        return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().directExecutor()
                .eventLoopGroup(loop).channelType(EpollSocketChannel.class).build();
    }
}
