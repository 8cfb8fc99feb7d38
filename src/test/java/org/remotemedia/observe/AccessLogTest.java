package org.remotemedia.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.StuckOutput;

/** The access log never blocks its callers: a stuck stdout drops lines and counts them. */
class AccessLogTest {
    @Test
    void aStuckOutputDropsAndCountsInsteadOfBlocking() throws Exception {
        StuckOutput stuck = new StuckOutput();
        Metrics metrics = new Metrics();
        AccessLog log = new AccessLog(new PrintStream(stuck, false, StandardCharsets.UTF_8), 16, true, metrics);
        log.log("r0", "/a.B/C", "/127.0.0.1:1", "alice", "OK", 1000, 1, 2, null, -1, -1, -1);
        stuck.entered.await(); // the writer is stuck in its first write
        int total = 1000;
        for (int i = 1; i < total; i++) { // the caller never waits
            log.log("r" + i, "/a.B/C", "/127.0.0.1:1", "alice", "OK", 1000, 1, 2, "p\"q", 3, 4, 5);
        }
        long dropped = log.dropped();
        assertTrue(dropped >= total - 1 - 16 && dropped < total, "dropped " + dropped);
        stuck.release();
        log.close();
        String[] lines = stuck.text().split("\n");
        assertEquals(total - dropped, lines.length, "every line not dropped is written whole");
        ObjectMapper json = new ObjectMapper();
        JsonNode last = json.readTree(lines[lines.length - 1]);
        assertEquals("access", last.get("event").asText());
        assertEquals("p\"q", last.get("pipeline").asText());
        assertEquals(3, last.get("nodes").asInt());
        assertEquals(5, last.get("chunks_out").asInt());
        assertEquals(1, last.get("duration_us").asInt());
        for (String l : lines) {
            json.readTree(l);
        }
    }

    /**
     * Lines that come one at a time, a millisecond or more apart (one call at a time), go out in
     * batches: fewer writes than lines, and none lost. Each line its own write and wake-up was
     * the writer's whole cost at concurrency 1.
     */
    @Test
    void aTrickleOfLinesIsWrittenInBatches() throws Exception {
        java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writes.incrementAndGet();
                super.write(b, off, len);
            }
        };
        AccessLog log = new AccessLog(new PrintStream(out, false, StandardCharsets.UTF_8), 1024, true, new Metrics());
        Thread.sleep(200); // the writer has backed off
        for (int i = 0; i < 60; i++) {
            log.log("t" + i, "/a.B/C", "p", null, "OK", 1, 1, 1, null, -1, -1, -1);
            Thread.sleep(1);
        }
        Await.until(() -> out.toString(StandardCharsets.UTF_8).lines().count() == 60, out::toString);
        log.close();
        assertTrue(writes.get() <= 20, writes.get() + " writes for 60 lines");
    }

    /** ts is ISO-8601 UTC with milliseconds, the call's end, also across a change of second (the date part is cached). */
    @Test
    void eachLineCarriesItsOwnTimeToTheMillisecond() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AccessLog log = new AccessLog(new PrintStream(out, true, StandardCharsets.UTF_8), 16, true, new Metrics());
        long[][] bounds = new long[3][2];
        for (int i = 0; i < 3; i++) {
            bounds[i][0] = System.currentTimeMillis();
            log.log("t" + i, "/a.B/C", "p", null, "OK", 1, 1, 1, null, -1, -1, -1);
            bounds[i][1] = System.currentTimeMillis();
            Thread.sleep(600); // three lines span at least one change of second
        }
        Await.until(() -> out.toString(StandardCharsets.UTF_8).lines().count() == 3, out::toString);
        log.close();
        ObjectMapper json = new ObjectMapper();
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        for (int i = 0; i < 3; i++) {
            String ts = json.readTree(lines.get(i)).path("ts").asText();
            assertTrue(ts.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), ts);
            long at = java.time.Instant.parse(ts).toEpochMilli();
            assertTrue(at >= bounds[i][0] && at <= bounds[i][1], ts + " outside " + bounds[i][0] + ".." + bounds[i][1]);
        }
    }

    @Test
    void offWritesNothing() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AccessLog log = new AccessLog(new PrintStream(out, true, StandardCharsets.UTF_8), 16, false, new Metrics());
        log.log("r", "/a.B/C", "p", null, "OK", 1, 1, 1, null, -1, -1, -1);
        log.setEnabled(true);
        log.log("s", "/a.B/C", "p", null, "OK", 1, 1, 1, null, -1, -1, -1);
        Await.until(() -> out.toString(StandardCharsets.UTF_8).contains("\"request_id\":\"s\""), out::toString);
        log.close();
        assertTrue(!out.toString(StandardCharsets.UTF_8).contains("\"request_id\":\"r\""));
    }

    @Test
    void aRefusedRequestsLineCarriesItsHttpStatusWhenNot200() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AccessLog log = new AccessLog(new PrintStream(out, true, StandardCharsets.UTF_8), 16, true, new Metrics());
        log.logRefused("c1-3", "/x.Y/Z", "/127.0.0.1:9", 405, "INTERNAL", 2000);
        log.logRefused("c1-5", "/no.Such/Method", "/127.0.0.1:9", 200, "UNIMPLEMENTED", 1000);
        Await.until(() -> out.toString(StandardCharsets.UTF_8).lines().count() == 2, out::toString);
        log.close();
        ObjectMapper json = new ObjectMapper();
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        JsonNode notPost = json.readTree(lines.get(0));
        assertEquals("access", notPost.get("event").asText());
        assertEquals(405, notPost.get("http_status").asInt());
        assertEquals("INTERNAL", notPost.get("code").asText());
        assertTrue(notPost.get("identity").isNull());
        assertEquals(0, notPost.get("bytes_in").asInt());
        JsonNode unknown = json.readTree(lines.get(1));
        assertEquals("/no.Such/Method", unknown.get("method").asText());
        assertEquals("UNIMPLEMENTED", unknown.get("code").asText());
        assertTrue(!unknown.has("http_status"), "a gRPC answer: no http_status field, " + unknown);
    }
}
