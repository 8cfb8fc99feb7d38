package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.NodeHarness;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

class GainTest {
    private static final AudioSpec I16 = new AudioSpec(16000, 1, SampleFormat.I16);

    @Test
    void minus6dbHalvesAmplitudeWithinFloatPrecision() {
        NodeHarness.Signal s = NodeHarness.signal(I16, 1000, i -> Math.sin(i * 0.01) * 0.9);
        var run = NodeHarness.oneShot(NodeHarness.create(new Gain(), Map.of("gain_db", -6.0), List.of(I16)), List.of(s));
        double g = Math.pow(10, -6 / 20.0);
        for (int i = 0; i < 1000; i++) {
            assertEquals(s.spec().format().read(s.buffer(), 0, i) * g, run.samples()[i], 1e-7);
        }
    }

    @Test
    void linearGainMayInvertAndDefaultIsUnity() {
        NodeHarness.Signal s = NodeHarness.signal(I16, 64, i -> i / 100.0);
        var inv = NodeHarness.oneShot(NodeHarness.create(new Gain(), Map.of("gain", -2.0), List.of(I16)), List.of(s));
        var unity = NodeHarness.oneShot(NodeHarness.create(new Gain(), Map.of(), List.of(I16)), List.of(s));
        for (int i = 0; i < 64; i++) {
            double x = I16.format().read(s.buffer(), 0, i);
            assertEquals(-2 * x, inv.samples()[i], 1e-7);
            assertEquals(x, unity.samples()[i], 0);
        }
    }

    @Test
    void bothFormsAtOnceIsAProblemAndRangesAreChecked() {
        Gain g = new Gain();
        Problems p = new Problems();
        Params params = g.params().validate(Map.of("gain", 2.0, "gain_db", 3.0), p);
        g.checkParams(params, p);
        assertEquals("/params/gain", p.list().get(0).path());
        Problems range = new Problems();
        g.params().validate(Map.of("gain_db", 99.0, "gian", 1), range);
        assertEquals(2, range.size());
        assertTrue(range.list().stream().anyMatch(x -> x.message().contains("did you mean 'gain'")), range.list().toString());
        assertTrue(range.list().stream().anyMatch(x -> x.path().equals("/params/gain_db")
                && x.message().contains("[-120, 60]")), range.list().toString());
    }
}
