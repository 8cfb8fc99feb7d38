package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.NodeHarness;

class LevelMeterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void peakAndRmsPerChannelWholeAndWindowed() throws Exception {
        AudioSpec st = new AudioSpec(8000, 2, SampleFormat.F32);
        // ch0: 2 kHz sine at 8 kHz, amplitude 0.5, crest on samples: peak -6.021 dB, RMS -9.031 dB
        // ch1: DC 0.25 for the first 100 ms, then silence
        int frames = 8000;
        var s = NodeHarness.signal(st, frames, i -> i % 2 == 0 ? 0.5 * Math.cos(Math.PI / 2 * (i / 2))
                : (i / 2 < 800 ? 0.25 : 0));
        var node = NodeHarness.create(new LevelMeter(), Map.of("window_ms", 100), List.of(st));
        var run = NodeHarness.oneShot(node, List.of(s));
        // audio unchanged
        var pass = NodeHarness.oneShot(NodeHarness.create(new PassThrough(), Map.of(), List.of(st)), List.of(s));
        assertArrayEquals(pass.samples(), run.samples());
        JsonNode d = JSON.readTree(run.dataSummary());
        assertEquals(2, d.get("channels").asInt());
        assertEquals(frames, d.get("frames").asLong());
        assertEquals(20 * Math.log10(0.5), d.get("peak_dbfs").get(0).asDouble(), 0.001);
        assertEquals(10 * Math.log10(0.125), d.get("rms_dbfs").get(0).asDouble(), 0.001);
        assertEquals(20 * Math.log10(0.25), d.get("peak_dbfs").get(1).asDouble(), 0.001);
        assertEquals(10 * Math.log10(0.0625 * 800 / frames), d.get("rms_dbfs").get(1).asDouble(), 0.001);
        JsonNode w = d.get("windows");
        assertEquals(10, w.size());
        assertEquals(0.0, w.get(0).get("start_ms").asDouble());
        assertEquals(100.0, w.get(0).get("end_ms").asDouble());
        assertEquals(20 * Math.log10(0.25), w.get(0).get("rms_dbfs").get(1).asDouble(), 0.001);
        assertEquals(true, w.get(1).get("rms_dbfs").get(1).isNull(), "digital silence is null");
        assertEquals(true, w.get(9).get("peak_dbfs").get(1).isNull());
        assertEquals(900.0, w.get(9).get("start_ms").asDouble());
    }

    /**
     * A long stream of small windows: memory stays bounded (the oldest kept windows are dropped
     * and counted), the whole-stream figures still cover every frame, the kept windows keep their
     * times. Mono 1 kHz with 1 ms windows: one window per frame.
     */
    @Test
    void keptWindowsAreBoundedAndTheWholeStreamStillCountsEveryWindow() throws Exception {
        AudioSpec m = new AudioSpec(1000, 1, SampleFormat.F32);
        int total = 3 * LevelMeter.RETAINED_VALUES + 12_345;
        // |x| = 0.5 everywhere except one full-scale sample early on (in a window that gets dropped)
        var s = NodeHarness.signal(m, total, i -> i == 7 ? 1.0 : (i % 2 == 0 ? 0.5 : -0.5));
        // loudness off: its two lists grow with the stream by design (8 bytes per 100 ms each)
        var node = NodeHarness.create(new LevelMeter(), Map.of("window_ms", 1, "loudness", false), List.of(m));
        JsonNode d = JSON.readTree(NodeHarness.oneShot(node, List.of(s)).dataSummary());
        long omitted = d.get("windows_omitted").asLong();
        JsonNode w = d.get("windows");
        assertTrue(omitted > 0 && w.size() <= LevelMeter.RETAINED_VALUES, omitted + " / " + w.size());
        assertEquals(total, omitted + w.size());
        assertEquals((double) omitted, w.get(0).get("start_ms").asDouble(), "kept windows keep their times");
        assertEquals((double) total, w.get(w.size() - 1).get("end_ms").asDouble());
        assertEquals(0.0, d.get("peak_dbfs").get(0).asDouble(), "the dropped full-scale sample still counts");
        double meanSquare = (0.25 * (total - 1) + 1.0) / total;
        assertEquals(10 * Math.log10(meanSquare), d.get("rms_dbfs").get(0).asDouble(), 0.001);
        assertTrue(node.stateBytes() <= 3L * 8 * LevelMeter.RETAINED_VALUES + 1024, "state " + node.stateBytes());
    }

    @Test
    void lastWindowMayBeShortAndI16IsFullScaleOne() throws Exception {
        AudioSpec m = new AudioSpec(1000, 1, SampleFormat.I16);
        var s = NodeHarness.signal(m, 250, i -> -1.0); // -32768: exactly full scale
        var node = NodeHarness.create(new LevelMeter(), Map.of("window_ms", 100), List.of(m));
        JsonNode d = JSON.readTree(NodeHarness.oneShot(node, List.of(s)).dataSummary());
        assertEquals(3, d.get("windows").size());
        assertEquals(250.0, d.get("windows").get(2).get("end_ms").asDouble());
        assertEquals(0.0, d.get("peak_dbfs").get(0).asDouble());
        assertEquals(0.0, d.get("windows").get(2).get("rms_dbfs").get(0).asDouble());
        // no windows: whole stream only
        JsonNode whole = JSON.readTree(NodeHarness.oneShot(NodeHarness.create(new LevelMeter(), Map.of(), List.of(m)),
                List.of(s)).dataSummary());
        assertEquals(null, whole.get("windows"));
    }

    @Test
    void streamingDeltasCarryTheWindowsClosedInEachChunk() throws Exception {
        AudioSpec m = new AudioSpec(1000, 1, SampleFormat.F32);
        var s = NodeHarness.signal(m, 300, i -> 0.1);
        var node = NodeHarness.create(new LevelMeter(), Map.of("window_ms", 100), List.of(m));
        var blocks = new org.remotemedia.buffer.AudioBlock[] {new org.remotemedia.buffer.AudioBlock()};
        var out = new org.agrona.concurrent.UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(4 * 300));
        s.block(blocks[0], 0, 150);
        node.process(blocks, out, 0);
        StringBuilder d1 = new StringBuilder();
        node.appendDataDelta(d1);
        assertEquals(1, JSON.readTree(d1.toString()).get("windows").size());
        assertEquals(150, JSON.readTree(d1.toString()).get("frames").asInt());
        s.block(blocks[0], 150, 150);
        node.process(blocks, out, 0);
        StringBuilder d2 = new StringBuilder();
        node.appendDataDelta(d2);
        JsonNode j2 = JSON.readTree(d2.toString());
        assertEquals(2, j2.get("windows").size());
        assertEquals(100.0, j2.get("windows").get(0).get("start_ms").asDouble());
        assertEquals(-20.0, j2.get("rms_dbfs").get(0).asDouble(), 0.001);
    }
}
