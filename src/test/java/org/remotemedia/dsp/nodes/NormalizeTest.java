package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.dsp.NodeHarness;

class NormalizeTest {
    private static final AudioSpec F32 = new AudioSpec(16000, 1, SampleFormat.F32);

    private static double peak(double[] y, int from, int to) {
        double p = 0;
        for (int i = from; i < to; i++) {
            p = Math.max(p, Math.abs(y[i]));
        }
        return p;
    }

    @Test
    void peakModeBringsThePeakToTheTarget() {
        // a 4 kHz tone at 16 kHz hits its crest exactly: peak = amplitude
        var s = NodeHarness.signal(F32, 8000, i -> 0.2 * Math.sin(2 * Math.PI * 4000 * i / 16000.0 + Math.PI / 2));
        var run = NodeHarness.oneShot(NodeHarness.create(new Normalize(), Map.of("target_db", -3.0), List.of(F32)), List.of(s));
        assertEquals(8000, run.frames());
        assertEquals(Math.pow(10, -3 / 20.0), peak(run.samples(), 0, 8000), 1e-6);
        // and the waveform is only scaled
        double g = run.samples()[0] / 0.2;
        for (int i = 0; i < 8000; i += 97) {
            assertEquals(0.2 * Math.sin(2 * Math.PI * 4000 * i / 16000.0 + Math.PI / 2) * g, run.samples()[i], 1e-6);
        }
    }

    @Test
    void rmsModeOnStereoUsesAllChannels() {
        AudioSpec st = new AudioSpec(48000, 2, SampleFormat.I16);
        // channel 0 a sine of amplitude 0.3 (RMS 0.3/sqrt2), channel 1 silent: total RMS 0.15
        var s = NodeHarness.signal(st, 48000, i -> i % 2 == 0 ? 0.3 * Math.sin(2 * Math.PI * 1000 * (i / 2) / 48000.0) : 0);
        var node = NodeHarness.create(new Normalize(), Map.of("mode", "rms", "target_db", -20.0), List.of(st));
        double[] y = NodeHarness.oneShot(node, List.of(s)).samples();
        double sum = 0;
        for (double v : y) {
            sum += v * v;
        }
        assertEquals(-20.0, 10 * Math.log10(sum / y.length), 0.001);
        StringBuilder m = new StringBuilder();
        node.appendCustomMetrics(m);
        assertTrue(m.toString().startsWith("{\"level_db\":-16.47"), m.toString()); // 20 log10(0.15) = -16.478
    }

    @Test
    void silenceStaysSilentAndGainIsCapped() {
        var silent = NodeHarness.signal(F32, 1000, i -> 0);
        double[] y = NodeHarness.oneShot(NodeHarness.create(new Normalize(), Map.of(), List.of(F32)), List.of(silent)).samples();
        assertEquals(0, peak(y, 0, y.length));
        var quiet = NodeHarness.signal(F32, 1000, i -> i == 10 ? 1e-4 : 0); // -80 dBFS peak
        double[] q = NodeHarness.oneShot(NodeHarness.create(new Normalize(), Map.of("max_gain_db", 30.0), List.of(F32)),
                List.of(quiet)).samples();
        assertEquals(1e-4 * Math.pow(10, 30 / 20.0), q[10], 1e-9);
    }

    @Test
    void wholeStreamModeWritesAtTheEndAnalysisModeAfterItsWindow() {
        var s = NodeHarness.signal(F32, 16000, i -> i < 1600 ? 0.1 * Math.sin(i * 0.3) : 0.8 * Math.sin(i * 0.3));
        var whole = NodeHarness.create(new Normalize(), Map.of(), List.of(F32));
        assertEquals(Double.POSITIVE_INFINITY, whole.latencySeconds());
        var run = NodeHarness.chunked(whole, List.of(s), () -> 160);
        for (int k = 0; k < run.progress().size(); k++) {
            assertEquals(0, run.progress().get(k)[1], "nothing before the end");
        }
        assertEquals(Math.pow(10, -1 / 20.0), peak(run.samples(), 0, 16000), 1e-3);

        // analysis of the first 100 ms (quiet part): the gain raises that part to -1 dBFS, so the rest exceeds it
        var head = NodeHarness.create(new Normalize(), Map.of("analysis_ms", 100), List.of(F32));
        assertEquals(0.1, head.latencySeconds(), 1e-12);
        var r2 = NodeHarness.chunked(head, List.of(s), () -> 160);
        assertEquals(0, r2.progress().get(9)[1], "the first 100 ms are held");
        assertEquals(1760, r2.progress().get(10)[1], "then released with the next chunk");
        double target = Math.pow(10, -1 / 20.0);
        assertEquals(target, peak(r2.samples(), 0, 1600), 1e-6);
        double headPeak = peak(NodeHarness.oneShot(NodeHarness.create(new PassThrough(), Map.of(), List.of(F32)),
                List.of(s)).samples(), 0, 1600);
        assertEquals(0.8 * target / headPeak, peak(r2.samples(), 1600, 16000), 1e-3);
    }

    @Test
    void tooLongForWholeStreamModeFailsWithAWayOut() {
        AudioSpec fast = new AudioSpec(1000, 1, SampleFormat.F32);
        var node = NodeHarness.create(new Normalize(), Map.of("max_buffer_seconds", 1.0), List.of(fast));
        var s = NodeHarness.signal(fast, 1500, i -> 0.1);
        NodeException e = assertThrows(NodeException.class, () -> NodeHarness.chunked(node, List.of(s), () -> 100));
        assertTrue(e.getMessage().contains("max_buffer_seconds = 1.0 s") && e.getMessage().contains("analysis_ms"),
                e.getMessage());
        // a look-ahead longer than the hold cap is refused before anything runs
        org.remotemedia.dsp.Problems p = new org.remotemedia.dsp.Problems();
        Normalize n = new Normalize();
        var params = n.params().validate(Map.of("analysis_ms", 600_000), p);
        org.junit.jupiter.api.Assertions.assertNull(n.create(params, List.of(new AudioSpec(768_000, 64, SampleFormat.F32)), p));
        assertEquals("/params/analysis_ms", p.list().get(0).path());
        assertTrue(p.list().get(0).message().contains("256 MiB"), p.list().toString());
    }
}
