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
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

/** The node around the resampler kernel: lengths, formats, the analytic sine, the seed alias. (Kernel quality: dsp/resample tests.) */
class AudioResampleTest {
    @Test
    void resamplesASineToItsAnalyticValuesWithSoxLength() {
        AudioSpec in = new AudioSpec(48000, 2, SampleFormat.I16);
        int frames = 48000;
        NodeHarness.Signal s = NodeHarness.signal(in, frames, i -> 0.5 * Math.sin(2 * Math.PI * 1000 * (i / 2) / 48000.0 + (i % 2)));
        var run = NodeHarness.oneShot(NodeHarness.create(new AudioResample(), Map.of("target_sample_rate", 16000),
                List.of(in)), List.of(s));
        assertEquals(16000, run.frames()); // round(48000 * 16000 / 48000)
        double worst = 0;
        for (int k = 800; k < 15200; k++) { // away from the edges, where the input starts and stops
            for (int c = 0; c < 2; c++) {
                double expect = 0.5 * Math.sin(2 * Math.PI * 1000 * k / 16000.0 + c);
                worst = Math.max(worst, Math.abs(run.samples()[2 * k + c] - expect));
            }
        }
        assertTrue(worst < 1e-4, "worst error " + worst); // i16 input: quantization noise ~3e-5
    }

    @Test
    void oddLengthsFollowRoundNTimesRatio() {
        for (int[] c : new int[][] {{44100, 16000, 12345}, {8000, 11025, 999}, {22050, 192000, 10}, {96000, 8000, 1}}) {
            AudioSpec in = new AudioSpec(c[0], 1, SampleFormat.F32);
            NodeHarness.Signal s = NodeHarness.signal(in, c[2], i -> Math.sin(i * 0.01));
            var run = NodeHarness.oneShot(NodeHarness.create(new AudioResample(), Map.of("target_sample_rate", c[1]),
                    List.of(in)), List.of(s));
            assertEquals(Math.round((double) c[2] * c[1] / c[0]), run.frames(), c[0] + "->" + c[1]);
        }
    }

    @Test
    void rustAliasTranslatesAndChecksDeclaredRateAndChannels() {
        NodeType alias = NodeRegistry.builtin().find("RustResampleNode");
        AudioSpec in = new AudioSpec(44100, 1, SampleFormat.F32);
        Problems p = new Problems();
        Params params = alias.params().validate(Map.of("source_rate", 48000, "target_rate", 16000, "channels", 2), p);
        assertNull(alias.create(params, List.of(in), p));
        assertEquals("/params/source_rate", p.list().get(0).path());
        assertEquals("/params/channels", p.list().get(1).path());
        var node = NodeHarness.create(alias, Map.of("source_rate", 44100, "target_rate", 22050), List.of(in));
        assertEquals(new AudioSpec(22050, 1, SampleFormat.F32), node.outputSpec());
        assertTrue(node.latencySeconds() > 0 && node.latencySeconds() <= 0.025, "latency " + node.latencySeconds());
    }
}
