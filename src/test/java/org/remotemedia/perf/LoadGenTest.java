package org.remotemedia.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.daemon.TestDaemon;

/**
 * The load generator end to end against a real server on loopback: in open loop it issues
 * exactly rate x duration calls (or chunks) in the measured window, every one checked and
 * counted once, and writes its report (text, JSON) and the latency and lateness distributions
 * (.hgrm). Small and short: the figures themselves are the benchmarks' business.
 */
class LoadGenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode run(TestDaemon d, Path out, String... args) throws Exception {
        String[] all = new String[args.length + 4];
        all[0] = "--target";
        all[1] = "127.0.0.1:" + d.port();
        all[2] = "--out";
        all[3] = out.toString();
        System.arraycopy(args, 0, all, 4, args.length);
        LoadGen.Report r = LoadGen.measure(LoadSettings.parse(all), "127.0.0.1", d.port(), 0);
        r.write();
        assertTrue(r.clean(), Files.readString(out.resolve("report.txt")) + Files.readString(out.resolve("report.json")));
        for (String f : new String[] {"report.txt", "report.json", "latency.hgrm", "lateness.hgrm"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        return JSON.readTree(out.resolve("report.json").toFile());
    }

    @Test
    void unaryOpenLoopIssuesExactlyRateTimesDurationAndReportsEachOnce(@TempDir Path out) throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            JsonNode r = run(d, out, "--workload", "unary", "--loop", "open", "--rate", "50", "--duration-s", "2",
                    "--warmup-s", "1", "--audio-ms", "100", "--sample-rate", "16000", "--pipeline", "passthrough");
            assertEquals(100, r.path("latency_ms").path("count").asLong(), r.toString());
            assertTrue(r.path("latency_ms").path("p50").asDouble() > 0, r.toString());
            assertTrue(r.path("latency_ms").path("p50").asDouble() <= r.path("latency_ms").path("p99").asDouble());
            String hgrm = Files.readString(out.resolve("latency.hgrm"));
            assertTrue(hgrm.matches("(?s).*Total count\\s+=\\s+100\\].*"), hgrm);
        }
    }

    @Test
    void streamingOpenLoopAnswersEveryChunkOfEverySession(@TempDir Path out) throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            JsonNode r = run(d, out, "--workload", "stream", "--loop", "open", "--sessions", "5", "--chunk-ms", "100",
                    "--duration-s", "2", "--warmup-s", "1", "--sample-rate", "16000", "--pipeline", "passthrough");
            // 5 sessions x 10 chunks/s x 2 s
            assertEquals(100, r.path("latency_ms").path("count").asLong(), r.toString());
        }
    }
}
