package org.remotemedia.interop;

import org.remotemedia.daemon.InteropServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.testing.integration.EmptyProtos;
import io.grpc.testing.integration.TestServiceGrpc;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code scripts/interop-server --port 0} as outside tools start it: prints its address,
 * answers TestService and health, and exits 0 on SIGTERM.
 */
class InteropServerScriptTest {
    @Test
    void scriptServesAndStopsOnSigterm() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of("scripts/interop-server", "--port", "0"))
                .redirectErrorStream(true);
        pb.environment().put("RM_SKIP_BUILD", "1"); // already built by this maven run
        Process p = pb.start();
        ManagedChannel ch = null;
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            int port = -1;
            StringBuilder seen = new StringBuilder();
            while ((line = in.readLine()) != null) {
                seen.append(line).append('\n');
                int at = line.indexOf(InteropServer.LISTENING);
                if (at >= 0) {
                    String rest = line.substring(at + InteropServer.LISTENING.length());
                    port = Integer.parseInt(rest.substring(rest.indexOf(':') + 1).split("\\s")[0]);
                    break;
                }
            }
            if (port < 0) {
                fail("scripts/interop-server printed no address:\n" + seen);
            }
            ch = OkHttpChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            assertEquals(EmptyProtos.Empty.getDefaultInstance(), TestServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(10, TimeUnit.SECONDS).emptyCall(EmptyProtos.Empty.getDefaultInstance()));
            assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService("grpc.testing.BenchmarkService").build())
                    .getStatus());
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS), "still running 20 s after SIGTERM");
            assertEquals(0, p.exitValue());
        } finally {
            if (ch != null) {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            if (p.isAlive()) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
