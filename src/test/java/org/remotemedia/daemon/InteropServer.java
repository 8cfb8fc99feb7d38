package org.remotemedia.daemon;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.interop.InteropBenchmarkService;
import org.remotemedia.interop.InteropTestService;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.service.health.HealthService;
import org.remotemedia.transport.GrpcServer;

/**
 * Our transport serving {@code grpc.testing.TestService}, {@code grpc.testing.BenchmarkService},
 * {@code grpc.health.v1.Health} and reflection (v1, v1alpha) on one port, for conformance
 * tests and outside tools ({@code scripts/interop-server --port N}). A test tool beside
 * {@link TestDaemon}: health and reflection are the daemon's own wiring ({@link StandardServices}).
 *
 * <p>Prints {@code interop-server listening on HOST:PORT} on stdout once bound (port 0 picks a
 * free one) and runs until SIGTERM / SIGINT, then drains for up to 2 s.
 *
 * <p>Threads: started and closed by one thread; calls run on the transport's event loops.
 */
public final class InteropServer implements AutoCloseable {
    public static final String LISTENING = "interop-server listening on ";

    private final GrpcServer server;
    private final StandardServices standard;
    private final ScheduledExecutorService timer;

    private InteropServer(GrpcServer server, StandardServices standard, ScheduledExecutorService timer) {
        this.server = server;
        this.standard = standard;
        this.timer = timer;
    }

    /**
     * Starts on {@code host:port} with extra settings ({@code key=value}, as {@code --set} takes),
     * logging JSON lines at {@code logLevel} to {@code logOut}.
     */
    public static InteropServer start(String host, int port, List<String> settings, PrintStream logOut,
            JsonLog.Level logLevel) throws Exception {
        Map<String, String> flat = new HashMap<>();
        flat.put("server.host", host);
        flat.put("server.port", Integer.toString(port));
        for (String s : settings) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("setting '" + s + "': expected key=value");
            }
            flat.put(s.substring(0, eq), s.substring(eq + 1));
        }
        ServerConfig cfg = ServerConfig.from(flat);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "interop-timer");
            t.setDaemon(true);
            return t;
        });
        MethodRegistry.Builder methods = MethodRegistry.builder();
        List<ServiceDescriptor> described = new ArrayList<>();
        new InteropTestService(timer, "remotemedia-interop").register(methods);
        described.add(InteropTestService.descriptor());
        new InteropBenchmarkService().register(methods);
        described.add(InteropBenchmarkService.descriptor());
        // grpc-java's interop and benchmark jars both ship a different grpc/testing/messages.proto:
        // reflection serves the interop one (TestService is described first)
        StandardServices standard = StandardServices.register(methods, described, true);
        MethodRegistry registry = methods.build();
        standard.serving(registry);
        GrpcServer server;
        try {
            server = GrpcServer.start(cfg, registry, new Metrics(), new JsonLog(logOut, logLevel));
        } catch (Exception e) {
            timer.shutdownNow();
            throw e;
        }
        return new InteropServer(server, standard, timer);
    }

    /** In-process, quiet (warnings and errors to stderr), on 127.0.0.1 and a free port. */
    public static InteropServer startLocal() throws Exception {
        return start("127.0.0.1", 0, List.of(), System.err, JsonLog.Level.WARN);
    }

    public int port() {
        return server.port();
    }

    public HealthService health() {
        return standard.health();
    }

    public boolean isEpoll() {
        return server.isEpoll();
    }

    /** Health turns NOT_SERVING, then the transport drains for up to {@code graceMs}. */
    public void shutdown(long graceMs) throws InterruptedException {
        standard.beginDrain();
        try {
            server.shutdown(graceMs);
        } finally {
            timer.shutdownNow();
        }
    }

    @Override
    public void close() throws InterruptedException {
        shutdown(0);
    }

    /** {@code --port N} (default 50052), {@code --host H} (127.0.0.1), {@code --set k=v}..., {@code --log-level L}. */
    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 50052;
        String level = "warn";
        List<String> settings = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--port" -> port = Integer.parseInt(need(a, v));
                case "--host" -> host = need(a, v);
                case "--set" -> settings.add(need(a, v));
                case "--log-level" -> level = need(a, v);
                case "-h", "--help" -> {
                    System.out.println("usage: interop-server [--port N] [--host H] [--set key=value]... "
                            + "[--log-level debug|info|warn|error]");
                    return;
                }
                default -> {
                    System.err.println("interop-server: unknown argument '" + a + "' (try --help)");
                    System.exit(2);
                }
            }
            i++;
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        // the daemon's heap policy, so that benchmarks of this server measure the shipped set-up
        HeapTarget.apply(new JsonLog(out, JsonLog.Level.of(level)));
        InteropServer s = start(host, port, settings, out, JsonLog.Level.of(level));
        out.println(LISTENING + host + ":" + s.port() + " (transport " + (s.isEpoll() ? "epoll" : "nio") + ")");
        CountDownLatch stop = new CountDownLatch(1);
        for (String sig : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(sig), x -> stop.countDown());
        }
        stop.await();
        s.shutdown(2000);
        out.println("interop-server stopped");
        System.exit(0);
    }

    private static String need(String flag, String value) {
        if (value == null) {
            System.err.println("interop-server: " + flag + " needs a value");
            System.exit(2);
        }
        return value;
    }
}
