package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeHarness;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

/** ChannelMix, ChannelSplit, ChannelMerge against hand-computed channel arithmetic. */
class ChannelNodesTest {

    private static double ch(int i, int c) {
        return ((i * 7 + c * 13) % 101) / 101.0 - 0.5; // distinct values per frame and channel
    }

    @Test
    void presetsAndMatricesMixAsWritten() {
        AudioSpec st = new AudioSpec(48000, 2, SampleFormat.F32);
        var s = NodeHarness.signal(st, 500, i -> ch(i / 2, i % 2));
        double[] mono = NodeHarness.oneShot(NodeHarness.create(new ChannelMix(), Map.of("preset", "stereo_to_mono"),
                List.of(st)), List.of(s)).samples();
        assertEquals(500, mono.length);
        for (int f = 0; f < 500; f++) {
            assertEquals(0.5 * (ch(f, 0) + ch(f, 1)), mono[f], 1e-7);
        }
        var m = Map.<String, Object>of("matrix", List.of(List.of(0.3, -0.7), List.of(1.0, 0.0), List.of(0.0, 2.0)));
        var n3 = NodeHarness.create(new ChannelMix(), m, List.of(st));
        assertEquals(3, n3.outputSpec().channels());
        double[] y = NodeHarness.oneShot(n3, List.of(s)).samples();
        for (int f = 0; f < 500; f++) {
            assertEquals(0.3 * ch(f, 0) - 0.7 * ch(f, 1), y[3 * f], 1e-6);
            assertEquals(ch(f, 0), y[3 * f + 1], 1e-7);
            assertEquals(2 * ch(f, 1), y[3 * f + 2], 1e-6);
        }
    }

    @Test
    void monoUpmixesCopyEachSampleTimesItsGain() {
        AudioSpec mono = new AudioSpec(16000, 1, SampleFormat.I16);
        var s = NodeHarness.signal(mono, 501, i -> ch(i, 0)); // not a multiple of the vector width
        double[] x = NodeHarness.oneShot(NodeHarness.create(new PassThrough(), Map.of(), List.of(mono)), List.of(s)).samples();
        double[] st = NodeHarness.oneShot(NodeHarness.create(new ChannelMix(), Map.of("preset", "mono_to_stereo"),
                List.of(mono)), List.of(s)).samples();
        var quad = Map.<String, Object>of("matrix", List.of(List.of(0.5), List.of(-1.0), List.of(2.0), List.of(0.25)));
        double[] q = NodeHarness.oneShot(NodeHarness.create(new ChannelMix(), quad, List.of(mono)), List.of(s)).samples();
        var three = Map.<String, Object>of("matrix", List.of(List.of(0.5), List.of(-1.0), List.of(2.0)));
        double[] t = NodeHarness.oneShot(NodeHarness.create(new ChannelMix(), three, List.of(mono)), List.of(s)).samples();
        double[] g = {0.5, -1, 2, 0.25};
        for (int f = 0; f < 501; f++) {
            assertEquals(x[f], st[2 * f], 0);
            assertEquals(x[f], st[2 * f + 1], 0);
            for (int o = 0; o < 4; o++) {
                assertEquals((float) (g[o] * x[f]), q[4 * f + o], 0, "frame " + f + " out " + o);
            }
            for (int o = 0; o < 3; o++) {
                assertEquals((float) (g[o] * x[f]), t[3 * f + o], 0, "frame " + f + " out " + o);
            }
        }
    }

    @Test
    void itu51DownmixAndNormalize() {
        AudioSpec six = new AudioSpec(48000, 6, SampleFormat.I32);
        var s = NodeHarness.signal(six, 300, i -> ch(i / 6, i % 6) * 0.5);
        double[] x = NodeHarness.oneShot(NodeHarness.create(new PassThrough(), Map.of(), List.of(six)), List.of(s)).samples();
        double h = Math.sqrt(0.5);
        for (boolean norm : new boolean[] {false, true}) {
            double k = norm ? 1 / (1 + 2 * h) : 1;
            double[] y = NodeHarness.oneShot(NodeHarness.create(new ChannelMix(), Map.of("preset", "5.1_to_stereo",
                    "normalize", norm), List.of(six)), List.of(s)).samples();
            for (int f = 0; f < 300; f++) {
                double l = x[6 * f];
                double r = x[6 * f + 1];
                double c = x[6 * f + 2];
                double ls = x[6 * f + 4];
                double rs = x[6 * f + 5];
                assertEquals(k * (l + h * c + h * ls), y[2 * f], 1e-6);
                assertEquals(k * (r + h * c + h * rs), y[2 * f + 1], 1e-6);
            }
        }
    }

    @Test
    void mixProblemsNameTheParamAndTheFix() {
        ChannelMix t = new ChannelMix();
        Problems both = new Problems();
        t.checkParams(t.params().validate(Map.of("preset", "swap_stereo", "matrix", List.of(List.of(1.0))), both), both);
        assertEquals("/params/matrix", both.list().get(0).path());
        Problems none = new Problems();
        t.checkParams(t.params().validate(Map.of(), none), none);
        assertTrue(none.list().get(0).message().contains("stereo_to_mono | mono_to_stereo"), none.list().toString());
        Problems cols = new Problems();
        Params p = t.params().validate(Map.of("preset", "5.1_to_stereo"), cols);
        assertNull(t.create(p, List.of(new AudioSpec(48000, 2, SampleFormat.F32)), cols));
        assertEquals("/params/preset", cols.list().get(0).path());
        assertTrue(cols.list().get(0).message().contains("takes 6 input channels but the input has 2"), cols.list().toString());
        Problems ragged = new Problems();
        t.params().validate(Map.of("matrix", List.of(List.of(1.0, 2.0), List.of(1.0))), ragged);
        assertEquals("/params/matrix/1", ragged.list().get(0).path());
    }

    /** Every port of a split node, fed in chunks of {@code chunk} frames. */
    private static List<byte[]> split(Node node, NodeHarness.Signal s, int chunk) {
        int ports = node.outputPorts();
        int bps = s.spec().format().bytesPerSample();
        List<java.io.ByteArrayOutputStream> acc = new ArrayList<>();
        MutableDirectBuffer[] outs = new MutableDirectBuffer[ports];
        for (int k = 0; k < ports; k++) {
            acc.add(new java.io.ByteArrayOutputStream());
            outs[k] = new UnsafeBuffer(ByteBuffer.allocateDirect(chunk * bps));
        }
        AudioBlock[] b = {new AudioBlock()};
        for (int done = 0; done < s.frames(); done += chunk) {
            int n = Math.min(chunk, s.frames() - done);
            s.block(b[0], done, n);
            assertEquals(n, node.process(b, outs, new int[ports]));
            for (int k = 0; k < ports; k++) {
                byte[] bytes = new byte[n * bps];
                outs[k].getBytes(0, bytes);
                acc.get(k).writeBytes(bytes);
            }
        }
        return acc.stream().map(java.io.ByteArrayOutputStream::toByteArray).toList();
    }

    @Test
    void splitGivesEveryChannelOnItsPortBitForBit() {
        for (SampleFormat f : SampleFormat.values()) {
            AudioSpec six = new AudioSpec(16000, 6, f);
            var s = NodeHarness.signal(six, 1000, i -> ch(i / 6, i % 6));
            Node node = NodeHarness.create(new ChannelSplit(), Map.of(), List.of(six));
            assertEquals(6, node.outputPorts());
            assertEquals(new AudioSpec(16000, 1, f), node.outputSpec(5));
            assertNull(node.outputSpec(6));
            List<byte[]> one = split(node, s, 1000);
            assertEquals(one.stream().map(java.util.Arrays::toString).toList(),
                    split(NodeHarness.create(new ChannelSplit(), Map.of(), List.of(six)), s, 7).stream()
                            .map(java.util.Arrays::toString).toList(), "chunked = one-shot");
            int bps = f.bytesPerSample();
            for (int k = 0; k < 6; k++) {
                for (int fr = 0; fr < 1000; fr += 37) {
                    for (int b = 0; b < bps; b++) {
                        assertEquals(s.buffer().getByte((fr * 6 + k) * bps + b), one.get(k)[fr * bps + b], f + " port " + k);
                    }
                }
            }
        }
    }

    @Test
    void mergeInterleavesInputsInConnectionOrder() {
        AudioSpec a = new AudioSpec(16000, 1, SampleFormat.I16);
        AudioSpec b = new AudioSpec(16000, 2, SampleFormat.F32);
        var sa = NodeHarness.signal(a, 400, i -> ch(i, 0));
        var sb = NodeHarness.signal(b, 400, i -> ch(i / 2, 1 + i % 2));
        Node node = NodeHarness.create(new ChannelMerge(), Map.of(), List.of(a, b));
        assertEquals(new AudioSpec(16000, 3, SampleFormat.F32), node.outputSpec());
        double[] y = NodeHarness.oneShot(node, List.of(sa, sb)).samples();
        for (int f = 0; f < 400; f++) {
            assertEquals(SampleFormat.I16.read(sa.buffer(), 0, f), y[3 * f], 0);
            assertEquals((float) ch(f, 1), y[3 * f + 1], 0);
            assertEquals((float) ch(f, 2), y[3 * f + 2], 0);
        }
        Problems rate = new Problems();
        assertNull(new ChannelMerge().create(null, List.of(a, new AudioSpec(8000, 1, SampleFormat.I16)), rate));
        assertTrue(rate.list().get(0).message().contains("input 1 is 8000 Hz"), rate.list().toString());
        Problems wide = new Problems();
        AudioSpec w = new AudioSpec(16000, 40, SampleFormat.F32);
        assertNull(new ChannelMerge().create(null, List.of(w, w), wide));
        assertTrue(wide.list().get(0).message().contains("80 channels; at most 64"), wide.list().toString());
    }
}
