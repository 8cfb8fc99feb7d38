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

class MixerTest {
    @Test
    void sumsInputsWithGainsAcrossFormats() {
        AudioSpec a = new AudioSpec(8000, 2, SampleFormat.F32);
        AudioSpec b = new AudioSpec(8000, 2, SampleFormat.I16);
        AudioSpec c = new AudioSpec(8000, 2, SampleFormat.I32);
        var sa = NodeHarness.signal(a, 300, i -> Math.sin(i * 0.1) * 0.5);
        var sb = NodeHarness.signal(b, 300, i -> Math.cos(i * 0.07) * 0.5);
        var sc = NodeHarness.signal(c, 300, i -> (i % 10) / 20.0);
        var run = NodeHarness.oneShot(NodeHarness.create(new Mixer(), Map.of("gains", List.of(1.0, -0.5, 2.0)),
                List.of(a, b, c)), List.of(sa, sb, sc));
        assertEquals(300, run.frames());
        for (int i = 0; i < 600; i++) {
            double expect = a.format().read(sa.buffer(), 0, i) - 0.5 * b.format().read(sb.buffer(), 0, i)
                    + 2 * c.format().read(sc.buffer(), 0, i);
            assertEquals(expect, run.samples()[i], 1e-6);
        }
    }

    @Test
    void rejectsMismatchedRatesAndWrongGainCount() {
        Mixer m = new Mixer();
        Problems p = new Problems();
        Params params = m.params().validate(Map.of(), p);
        assertNull(m.create(params, List.of(new AudioSpec(16000, 1, SampleFormat.F32), new AudioSpec(8000, 1, SampleFormat.F32)), p));
        assertTrue(p.list().get(0).message().contains("16000 Hz"), p.list().toString());
        Problems q = new Problems();
        Params three = m.params().validate(Map.of("gains", List.of(1, 1, 1)), q);
        AudioSpec s = new AudioSpec(16000, 1, SampleFormat.F32);
        assertNull(m.create(three, List.of(s, s), q));
        assertEquals("/params/gains", q.list().get(0).path());
    }
}
