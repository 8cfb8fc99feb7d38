package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.NodeHarness;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

class TrimPadFadeTest {
    private static final AudioSpec ST = new AudioSpec(1000, 2, SampleFormat.I16);

    private static NodeHarness.Signal ramp(AudioSpec spec, int frames) {
        return NodeHarness.signal(spec, frames, i -> (i / spec.channels()) / 4096.0 + (i % spec.channels()) / 8.0);
    }

    @Test
    void trimKeepsExactlyTheAskedFramesUnchanged() {
        var s = ramp(ST, 1000);
        var run = NodeHarness.oneShot(NodeHarness.create(new Trim(), Map.of("start_ms", 100.0, "end_samples", 250), List.of(ST)),
                List.of(s));
        assertEquals(150, run.frames());
        for (int i = 0; i < 300; i++) {
            assertEquals(SampleFormat.I16.read(s.buffer(), 0, 200 + i), run.samples()[i], 0);
        }
        var chunked = NodeHarness.chunked(NodeHarness.create(new Trim(), Map.of("start_ms", 100.0, "end_samples", 250),
                List.of(ST)), List.of(s), () -> 33);
        assertEquals(150, chunked.frames());
        Problems p = new Problems();
        Params params = new Trim().params().validate(Map.of("start_ms", 500.0, "end_ms", 400.0), p);
        assertNull(new Trim().create(params, List.of(ST), p));
        assertEquals("/params/end_ms", p.list().get(0).path());
        Problems both = new Problems();
        new Trim().checkParams(new Trim().params().validate(Map.of("start_ms", 1.0, "start_samples", 3), both), both);
        assertEquals("/params/start_samples", both.list().get(0).path());
    }

    @Test
    void padAddsSilenceOnBothSidesEvenToAnEmptyStream() {
        var s = ramp(ST, 100);
        var run = NodeHarness.oneShot(NodeHarness.create(new Pad(), Map.of("leading_samples", 30, "trailing_ms", 20.0),
                List.of(ST)), List.of(s));
        assertEquals(30 + 100 + 20, run.frames());
        for (int i = 0; i < 60; i++) {
            assertEquals(0, run.samples()[i], 0);
        }
        assertEquals(SampleFormat.I16.read(s.buffer(), 0, 0), run.samples()[60], 0);
        for (int i = 260; i < 300; i++) {
            assertEquals(0, run.samples()[i], 0);
        }
        var empty = NodeHarness.create(new Pad(), Map.of("leading_samples", 5, "trailing_samples", 4), List.of(ST));
        assertEquals(9, empty.flush(new org.agrona.concurrent.UnsafeBuffer(new byte[9 * 4]), 0));
    }

    @Test
    void fadeCurvesHaveTheirDocumentedValues() {
        AudioSpec m = new AudioSpec(1000, 1, SampleFormat.F32);
        var ones = NodeHarness.signal(m, 1000, i -> 1.0);
        for (String shape : Fade.SHAPES) {
            var y = NodeHarness.oneShot(NodeHarness.create(new Fade(), Map.of("in_samples", 100, "out_samples", 200,
                    "shape", shape), List.of(m)), List.of(ones)).samples();
            assertEquals(1000, y.length);
            assertEquals(0, y[0], 0, shape + " starts silent");
            assertEquals(0, y[999], 0, shape + " ends silent");
            assertEquals(1, y[100], 0, shape + " full after the fade-in");
            assertEquals(1, y[799], 0, shape + " full before the fade-out");
            double mid = switch (shape) {
                case "linear" -> 0.5;
                case "equal_power" -> Math.sqrt(0.5);
                default -> (Math.sqrt(1000) - 1) / 999;
            };
            assertEquals(mid, y[50], 1e-7, shape + " halfway in");
            assertEquals(mid, y[899], 1e-7, shape + " halfway out (t = 1 - 100/200)");
            for (int i = 1; i < 100; i++) {
                assertTrue(y[i] > y[i - 1], shape + " rises");
            }
        }
        // equal-power pair: in^2 + out^2 = 1 at the same t
        assertEquals(1, Math.pow(Fade.curve(1, 0.3), 2) + Math.pow(Fade.curve(1, 0.7), 2), 1e-12);
        var node = NodeHarness.create(new Fade(), Map.of("out_ms", 250.0), List.of(m));
        assertEquals(0.25, node.latencySeconds(), 1e-12);
        Problems big = new Problems();
        Params p = new Fade().params().validate(Map.of("out_ms", 3_600_000.0), big);
        assertNull(new Fade().create(p, List.of(new AudioSpec(48000, 8, SampleFormat.F32)), big));
        assertTrue(big.list().get(0).message().contains("MiB"), big.list().toString());
    }

    @Test
    void aStreamShorterThanTheFadeOutStillEndsSilent() {
        AudioSpec m = new AudioSpec(1000, 1, SampleFormat.F32);
        var ones = NodeHarness.signal(m, 50, i -> 1.0);
        var y = NodeHarness.oneShot(NodeHarness.create(new Fade(), Map.of("out_samples", 200), List.of(m)), List.of(ones)).samples();
        assertEquals(50, y.length);
        assertEquals(0, y[49], 0);
        assertEquals(1 - 151.0 / 200, y[0], 1e-7); // the first of the last 50 of a 200-frame ramp: t = 1 - 151/200
    }
}
