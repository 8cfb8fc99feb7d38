package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeHarness;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.loudness.LoudnessMeter;

/**
 * Normalize's mode lufs: the output's integrated loudness (measured again by the meter) reaches the
 * target, -23 LUFS by default and -16 / -14 when asked, unless the true-peak ceiling (-1 dBTP by
 * default) stops the gain first; targets outside [-70, 0] LUFS are refused naming the param.
 */
class NormalizeLufsTest {
    private static final AudioSpec STEREO = new AudioSpec(48000, 2, SampleFormat.F32);

    /** 1 kHz at {@code dbfs} peak on both channels, plus (unless 0) a click of {@code click} every second. */
    private static NodeHarness.Signal tone(double dbfs, double click, int seconds) {
        double a = Math.pow(10, dbfs / 20);
        return NodeHarness.signal(STEREO, seconds * 48000, i -> {
            int f = i / 2;
            return click != 0 && f % 48000 == 1000 ? click : a * Math.sin(2 * Math.PI * 1000 * f / 48000.0);
        });
    }

    private static LoudnessMeter measure(double[] samples) {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(4 * samples.length).order(ByteOrder.LITTLE_ENDIAN));
        for (int i = 0; i < samples.length; i++) {
            b.putFloat(4 * i, (float) samples[i], ByteOrder.LITTLE_ENDIAN);
        }
        LoudnessMeter m = new LoudnessMeter(48000, 2);
        m.process(b, 0, SampleFormat.F32, samples.length / 2);
        m.finish();
        return m;
    }

    private static String metrics(Node n) {
        StringBuilder sb = new StringBuilder();
        n.appendCustomMetrics(sb);
        return sb.toString();
    }

    @Test
    void bringsTheIntegratedLoudnessToMinus23ByDefault() {
        Node n = NodeHarness.create(new Normalize(), Map.of("mode", "lufs"), List.of(STEREO));
        NodeHarness.Run run = NodeHarness.oneShot(n, List.of(tone(-35, 0, 6)));
        assertEquals(-23.0, measure(run.samples()).integratedLufs(), 0.05);
        String m = metrics(n);
        double gain = Double.parseDouble(m.replaceAll(".*\"gain_db\":([-0-9.]+).*", "$1"));
        assertEquals(12.0, gain, 0.05, m);
        assertTrue(m.contains("\"limited_by_true_peak\":false"), m);
    }

    @Test
    void streamingTargetsMinus16AndMinus14() {
        for (double target : new double[] {-16, -14}) {
            Node n = NodeHarness.create(new Normalize(), Map.of("mode", "lufs", "target_db", target), List.of(STEREO));
            NodeHarness.Run run = NodeHarness.oneShot(n, List.of(tone(-30, 0, 5)));
            assertEquals(target, measure(run.samples()).integratedLufs(), 0.05, "target " + target);
        }
    }

    @Test
    void theTruePeakCeilingStopsTheGain() {
        // quiet tone (-40 LUFS) with clicks at -6 dBFS: -14 LUFS would take the clicks to +20 dBTP
        Node n = NodeHarness.create(new Normalize(), Map.of("mode", "lufs", "target_db", -14.0), List.of(STEREO));
        NodeHarness.Run run = NodeHarness.oneShot(n, List.of(tone(-40, 0.5, 5)));
        LoudnessMeter out = measure(run.samples());
        double tp = 20 * Math.log10(out.maxTruePeak());
        assertEquals(-1.0, tp, 0.05, "true peak of the output");
        assertTrue(out.integratedLufs() < -30, "loudness " + out.integratedLufs());
        assertTrue(metrics(n).contains("\"limited_by_true_peak\":true"), metrics(n));

        Node lower = NodeHarness.create(new Normalize(), Map.of("mode", "lufs", "target_db", -14.0, "true_peak_db", -3.0),
                List.of(STEREO));
        double tp3 = 20 * Math.log10(measure(NodeHarness.oneShot(lower, List.of(tone(-40, 0.5, 5))).samples())
                .maxTruePeak());
        assertEquals(-3.0, tp3, 0.05);
    }

    @Test
    void loudnessTargetsOutsideMinus70To0AreRefused() {
        Normalize type = new Normalize();
        for (double bad : new double[] {-80, 3, -70.5, 0.5}) {
            Problems problems = new Problems();
            Params p = type.params().validate(Map.of("mode", "lufs", "target_db", bad), problems);
            type.checkParams(p, problems);
            assertEquals(1, problems.size(), bad + ": " + problems.list());
            assertEquals("/params/target_db", problems.list().get(0).path());
            String msg = problems.list().get(0).message();
            assertTrue(msg.contains("-70..0 LUFS") && msg.contains("mode lufs"), msg);
        }
        Problems ok = new Problems();
        type.checkParams(type.params().validate(Map.of("mode", "peak", "target_db", -80.0), ok), ok);
        assertTrue(ok.isEmpty(), "peak targets keep their dBFS range: " + ok.list());
    }
}
