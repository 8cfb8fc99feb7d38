package org.remotemedia.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.remotemedia.testkit.StuckOutput;

/** The daemon's event log: a stuck stdout never blocks the thread that logs, lines stay whole. */
class JsonLogTest {
    @Test
    void aStuckOutputDropsAndCountsInsteadOfBlockingTheCaller() throws Exception {
        StuckOutput stuck = new StuckOutput();
        JsonLog log = JsonLog.asynchronous(new PrintStream(stuck, false, StandardCharsets.UTF_8), JsonLog.Level.INFO, 16);
        int total = 1000;
        // a log that wrote on the caller's thread would wait here until the output is released
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            log.warn("call_rejected", "c1-0", "reason", "first");
            stuck.entered.await(); // the writer is stuck in its first write
            for (int i = 1; i < total; i++) {
                log.warn("call_rejected", "c1-" + i, "reason", "quote \" and newline \n", "n", i);
            }
        }, "the logging thread waited for a stuck output");
        long dropped = log.dropped();
        assertTrue(dropped >= total - 1 - 16 && dropped < total, "dropped " + dropped);
        stuck.release();
        log.close();
        String[] lines = stuck.text().split("\n");
        assertEquals(total - dropped, lines.length, "every line not dropped is written whole");
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode n = json.readTree(line);
            assertEquals("call_rejected", n.path("event").asText(), line);
        }
    }

    @Test
    void closeWritesEveryQueuedLineInOrderAndLaterLinesStillAppear() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonLog log = JsonLog.asynchronous(new PrintStream(out, false, StandardCharsets.UTF_8), JsonLog.Level.INFO,
                JsonLog.QUEUE_LINES);
        for (int i = 0; i < 500; i++) {
            log.info("event", null, "n", i);
        }
        log.debug("below_the_threshold", null);
        log.close();
        log.info("after_close", null); // shutdown paths may still log: written by the caller
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(501, lines.length);
        assertTrue(lines[500].contains("\"event\":\"after_close\""), lines[500]);
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < 500; i++) {
            assertEquals(i, json.readTree(lines[i]).path("n").asInt(), "one producer's lines keep their order");
        }
        assertEquals(0, log.dropped());
    }
}
