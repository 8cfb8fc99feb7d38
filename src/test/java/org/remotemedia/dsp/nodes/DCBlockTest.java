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
import org.remotemedia.dsp.Problems;

class DCBlockTest {

    @Test
    void removesOffsetKeepsToneAndIsMinus3dBAtCutoff() {
        int rate = 16000;
        AudioSpec spec = new AudioSpec(rate, 2, SampleFormat.F32);
        var node = NodeHarness.create(new DCBlock(), Map.of("cutoff_hz", 20.0), List.of(spec));
        // channel 0: 0.3 DC + 1 kHz tone; channel 1: a 20 Hz tone (the cutoff)
        var s = NodeHarness.signal(spec, 4 * rate, i -> i % 2 == 0
                ? 0.3 + 0.25 * Math.sin(2 * Math.PI * 1000 * (i / 2) / rate)
                : 0.5 * Math.sin(2 * Math.PI * 20 * (i / 2) / rate));
        double[] y = NodeHarness.oneShot(node, List.of(s)).samples();
        double mean = 0;
        double s0 = 0;
        double c0 = 0;
        double s1 = 0;
        double c1 = 0;
        int from = 2 * rate;
        for (int n = from; n < 4 * rate; n++) {
            mean += y[2 * n];
            double w0 = 2 * Math.PI * 1000 * n / rate;
            s0 += y[2 * n] * Math.sin(w0);
            c0 += y[2 * n] * Math.cos(w0);
            double w1 = 2 * Math.PI * 20 * n / rate;
            s1 += y[2 * n + 1] * Math.sin(w1);
            c1 += y[2 * n + 1] * Math.cos(w1);
        }
        int len = 4 * rate - from;
        assertEquals(0, mean / len, 1e-6, "DC left");
        assertEquals(0.25, 2 * Math.hypot(s0, c0) / len, 0.25 * 0.002, "1 kHz passes (~0 dB)");
        assertEquals(-3.0103, 20 * Math.log10(2 * Math.hypot(s1, c1) / len / 0.5), 0.01, "-3 dB at cutoff");
    }

    @Test
    void cutoffMustBeBelowNyquist() {
        DCBlock d = new DCBlock();
        Problems p = new Problems();
        var params = d.params().validate(Map.of("cutoff_hz", 800.0), p);
        assertNull(d.create(params, List.of(new AudioSpec(1000, 1, SampleFormat.I16)), p));
        assertEquals("/params/cutoff_hz", p.list().get(0).path());
        Problems r = new Problems();
        d.params().validate(Map.of("cutoff_hz", 0.0), r);
        assertTrue(r.list().get(0).message().contains("cutoff_hz: number in [0.1, 1000], default 10"), r.list().toString());
    }
}
