package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.rpc.MethodRegistry;

/**
 * The daemon's wiring of the standard services: {@code remotemedia serve} as a real child
 * process (as scripts/start runs it) answers health and reflection, and on SIGTERM turns
 * NOT_SERVING, ends the health watch and exits 0 without waiting out the drain grace period.
 */
class DaemonServicesTest {
    private static final Pattern ADDRESS = Pattern.compile("\"event\":\"grpc_listening\".*\"address\":\"[^\"]*:(\\d+)\"");

    @Test
    void servicesRegistryIsDescribedForReflection() {
        try (Services s = Services.create(ServerConfig.defaults())) {
            assertEquals(Set.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                    "grpc.reflection.v1alpha.ServerReflection", "remotemedia.v1.PipelineExecutionService",
                    "remotemedia.v1.StreamingPipelineService"),
                    new TreeSet<>(s.registry.services()));
            assertEquals(new TreeSet<>(s.registry.services()), new TreeSet<>(s.standard.reflection().serviceNames()));
            for (String service : s.registry.services()) {
                assertEquals(org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING,
                        s.standard.health().status(service), service);
            }
        }
    }

    @Test
    void aServiceWithoutDescriptorIsRefusedAtStartUp() {
        MethodRegistry.Builder b = MethodRegistry.builder().unary("/x.Undescribed/Call", (c, m) -> { });
        StandardServices std = StandardServices.register(b, List.of());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> std.serving(b.build()));
        assertTrue(e.getMessage().contains("x.Undescribed"), e.getMessage());
    }

    @Test
    void serveAnswersHealthAndReflectionAndDrainsOnSigterm() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        String cp = root.resolve("target/classes") + java.io.File.pathSeparator
                + Files.readString(root.resolve("target/classpath-runtime.txt")).trim();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the JVM flags scripts/start uses
        cmd.addAll(org.remotemedia.testkit.JvmOptions.read(root.resolve("config/jvm.options")));
        cmd.addAll(List.of("-cp", cp, "org.remotemedia.daemon.Main", "serve", "--set", "server.host=127.0.0.1",
                "--set", "server.port=0", "--set", "server.metrics_host=127.0.0.1", "--set", "server.metrics_port=0",
                "--set", "server.drain_grace_ms=30000"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String l;
                while ((l = in.readLine()) != null) {
                    lines.add(l);
                }
            } catch (java.io.IOException ignored) {
                // process gone
            }
        });
        reader.setDaemon(true);
        reader.start();
        ManagedChannel ch = null;
        try {
            int port = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            StringBuilder seen = new StringBuilder();
            while (port < 0 && System.nanoTime() < deadline) {
                String l = lines.poll(1, TimeUnit.SECONDS);
                if (l != null) {
                    seen.append(l).append('\n');
                    Matcher m = ADDRESS.matcher(l);
                    if (m.find()) {
                        port = Integer.parseInt(m.group(1));
                    }
                }
            }
            if (port < 0) {
                fail("the daemon did not log grpc_listening within 60 s:\n" + seen);
            }
            ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(ch)
                    .check(HealthCheckRequest.newBuilder().setService("").build()).getStatus());

            BlockingQueue<Object> refl = new LinkedBlockingQueue<>();
            StreamObserver<ServerReflectionRequest> rs = ServerReflectionGrpc.newStub(ch).serverReflectionInfo(
                    observer(refl));
            rs.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
            Object o = refl.poll(10, TimeUnit.SECONDS);
            Set<String> names = new TreeSet<>();
            ((ServerReflectionResponse) o).getListServicesResponse().getServiceList().forEach(x -> names.add(x.getName()));
            assertEquals(Set.of("grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection",
                    "grpc.reflection.v1alpha.ServerReflection", "remotemedia.v1.PipelineExecutionService",
                "remotemedia.v1.StreamingPipelineService"), names);
            rs.onCompleted();

            BlockingQueue<Object> watch = new LinkedBlockingQueue<>();
            HealthGrpc.newStub(ch).watch(HealthCheckRequest.newBuilder().setService("grpc.health.v1.Health").build(),
                    observer(watch));
            assertEquals(ServingStatus.SERVING, ((HealthCheckResponse) watch.poll(10, TimeUnit.SECONDS)).getStatus());

            long t0 = System.nanoTime();
            p.destroy(); // SIGTERM
            Object next = watch.poll(10, TimeUnit.SECONDS);
            assertTrue(next instanceof HealthCheckResponse r && r.getStatus() == ServingStatus.NOT_SERVING,
                    "expected NOT_SERVING after SIGTERM, got " + next);
            Object end = watch.poll(10, TimeUnit.SECONDS);
            assertTrue(end instanceof Throwable t && Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE,
                    "expected the watch to end UNAVAILABLE, got " + end);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the daemon still runs 20 s after SIGTERM (grace is 30 s)");
            assertEquals(0, p.exitValue());
            assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) < 20);
        } finally {
            if (ch != null) {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static <T> StreamObserver<T> observer(BlockingQueue<Object> q) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T v) {
                q.add(v);
            }

            @Override
            public void onError(Throwable t) {
                q.add(t);
            }

            @Override
            public void onCompleted() {
                q.add("completed");
            }
        };
    }
}
