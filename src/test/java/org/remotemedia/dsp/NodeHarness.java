package org.remotemedia.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntSupplier;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;

/**
 * Test driver for any {@link NodeType}: builds a node from manifest-style params, feeds it
 * generated signals in one block or in chunks, and collects the decoded output, the data
 * summary and the output count after every call. {@link #assertStreamingMatchesOneShot}
 * is the generic contract check that {@code NodeContractTest} runs over every registered
 * type and example; node tests use the same calls for their own signals.
 */
public final class NodeHarness {
    public static final double TOLERANCE = 1e-6;

    private NodeHarness() {
    }

    /** A node of {@code type} with these raw params and inputs; fails the test on any problem. */
    public static Node create(NodeType type, Map<String, Object> rawParams, List<AudioSpec> inputs) {
        Problems problems = new Problems();
        Params p = type.params().validate(rawParams, problems);
        if (p != null) {
            type.checkParams(p, problems);
        }
        Node node = problems.isEmpty() ? type.create(p, inputs, problems) : null;
        if (!problems.isEmpty() || node == null) {
            fail(type.name() + " " + rawParams + " on " + inputs + ": " + problems.list());
        }
        return node;
    }

    /** Audio in a direct buffer, interleaved in the spec's format. */
    public record Signal(AudioSpec spec, UnsafeBuffer buffer, int frames) {
        public AudioBlock block(AudioBlock b, int fromFrame, int frames) {
            return b.wrap(buffer, fromFrame * spec.frameBytes(), frames, spec.channels(), spec.sampleRate(), spec.format());
        }
    }

    /** Fills a signal from per-sample values in [-1, 1] (index across channels). */
    public static Signal signal(AudioSpec spec, int frames, java.util.function.IntToDoubleFunction sample) {
        int n = frames * spec.channels();
        ByteBuffer bb = ByteBuffer.allocateDirect(Math.max(1, n * spec.format().bytesPerSample())).order(ByteOrder.LITTLE_ENDIAN);
        UnsafeBuffer b = new UnsafeBuffer(bb);
        for (int i = 0; i < n; i++) {
            spec.format().write(b, 0, i, sample.applyAsDouble(i));
        }
        return new Signal(spec, b, frames);
    }

    /**
     * A test signal exercising what nodes care about: tones, noise, loud bursts separated by
     * near-silence (VAD boundaries), a few peaks past full scale in float (clipping), DC.
     */
    public static Signal testSignal(AudioSpec spec, int frames, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] noise = new double[frames * spec.channels()];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = r.nextDouble() * 2 - 1;
        }
        double f1 = 220 + 50 * (seed % 7);
        int ch = spec.channels();
        return signal(spec, frames, i -> {
            int frame = i / ch;
            double t = frame / (double) spec.sampleRate();
            boolean burst = ((long) (t * 1000) / 150) % 2 == 1; // 150 ms on / off
            double tone = 0.4 * Math.sin(2 * Math.PI * f1 * t + i % ch) + 0.1 * Math.sin(2 * Math.PI * 3111.7 * t);
            double v = burst ? tone + 0.05 * noise[i] : 0.001 * noise[i];
            if (spec.format() == SampleFormat.F32 && frame % 997 == 5) {
                v = 1.25; // an overshoot a float stream may carry
            }
            return v + 0.01;
        });
    }

    /** What a run produced. */
    public record Run(double[] samples, int frames, String dataSummary, List<int[]> progress) {
    }

    /** Whole input in one block, then flush. */
    public static Run oneShot(Node node, List<Signal> inputs) {
        int frames = inputs.get(0).frames();
        return chunked(node, inputs, () -> Math.max(1, frames));
    }

    /**
     * Inputs fed in chunks whose sizes come from {@code sizes}, then flush. Records, after
     * every call, {input frames so far, output frames so far}.
     */
    public static Run chunked(Node node, List<Signal> inputs, IntSupplier sizes) {
        AudioSpec out = node.outputSpec();
        int frames = inputs.get(0).frames();
        AudioBlock[] blocks = new AudioBlock[inputs.size()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new AudioBlock();
        }
        List<double[]> pieces = new ArrayList<>();
        List<int[]> progress = new ArrayList<>();
        int done = 0;
        int written = 0;
        while (done < frames) {
            int n = Math.min(frames - done, Math.max(1, sizes.getAsInt()));
            for (int i = 0; i < blocks.length; i++) {
                inputs.get(i).block(blocks[i], done, n);
            }
            int cap = node.maxOutputFrames(n);
            UnsafeBuffer dst = outBuffer(out, cap);
            int w = node.process(blocks, dst, 0);
            assertTrue(w >= 0 && w <= cap, "process wrote " + w + " frames, max " + cap);
            pieces.add(decode(dst, out, w));
            done += n;
            written += w;
            progress.add(new int[] {done, written});
        }
        int cap = node.maxFlushFrames();
        UnsafeBuffer dst = outBuffer(out, cap);
        int w = node.flush(dst, 0);
        assertTrue(w >= 0 && w <= cap, "flush wrote " + w + " frames, max " + cap);
        pieces.add(decode(dst, out, w));
        written += w;
        int total = 0;
        for (double[] p : pieces) {
            total += p.length;
        }
        double[] all = new double[total];
        int at = 0;
        for (double[] p : pieces) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        StringBuilder data = new StringBuilder();
        node.appendDataSummary(data);
        return new Run(all, written, data.toString(), progress);
    }

    private static UnsafeBuffer outBuffer(AudioSpec out, int frames) {
        int bytes = out == null ? 0 : frames * out.frameBytes();
        return new UnsafeBuffer(ByteBuffer.allocateDirect(Math.max(bytes, 1)));
    }

    private static double[] decode(UnsafeBuffer b, AudioSpec spec, int frames) {
        if (spec == null) {
            return new double[0];
        }
        double[] d = new double[frames * spec.channels()];
        for (int i = 0; i < d.length; i++) {
            d[i] = spec.format().read(b, 0, i);
        }
        return d;
    }

    /** Chunk sizes of the contract: 1 frame, random 1..max, 10 ms, 100 ms. */
    public static Map<String, IntSupplier> chunkings(int inputRate, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        return Map.of(
                "1 frame", () -> 1,
                "random", () -> 1 + r.nextInt(Math.max(2, inputRate / 20)),
                "10 ms", () -> Math.max(1, inputRate / 100),
                "100 ms", () -> Math.max(1, inputRate / 10));
    }

    /**
     * The contract check: for every chunking, the streamed output (with its flushed tail)
     * equals the one-shot output within {@link #TOLERANCE}, the data summaries are equal, the
     * output never lags the input by more than the declared latency, and reset() restores the
     * fresh state.
     */
    public static void assertStreamingMatchesOneShot(NodeType type, NodeExample ex, int frames, boolean withOneFrameChunks) {
        List<Signal> inputs = new ArrayList<>();
        for (int i = 0; i < ex.inputs().size(); i++) {
            inputs.add(testSignal(ex.inputs().get(i), frames, 17 + i));
        }
        Node node = create(type, ex.params(), ex.inputs());
        Run ref = oneShot(node, inputs);
        node.reset();
        Run again = oneShot(node, inputs);
        assertClose(ref, again, type.name() + " " + ex.label() + ": after reset()");
        int inRate = ex.inputs().get(0).sampleRate();
        double latency = node.latencySeconds();
        // infinite: a whole-stream node (writes only in flush); the progress check below then holds trivially
        assertTrue(latency >= 0 && (latency < 10 || latency == Double.POSITIVE_INFINITY), "latency " + latency);
        for (var e : chunkings(inRate, 99).entrySet()) {
            if (e.getKey().equals("1 frame") && !withOneFrameChunks) {
                continue;
            }
            Node fresh = create(type, ex.params(), ex.inputs());
            Run run = chunked(fresh, inputs, e.getValue());
            String where = type.name() + " " + ex.label() + ", chunks of " + e.getKey();
            assertClose(ref, run, where);
            AudioSpec out = fresh.outputSpec();
            if (out != null) {
                for (int[] p : run.progress()) {
                    double due = (p[0] / (double) inRate - latency) * out.sampleRate();
                    long mapped = Double.isInfinite(latency) ? -1 : fresh.outputFramesFor((long) Math.floor(p[0] - latency * inRate));
                    if (mapped >= 0) { // a node that drops or adds frames says how many are due
                        due = mapped;
                    }
                    assertTrue(p[1] >= Math.floor(due) - 1,
                            where + ": after " + p[0] + " input frames only " + p[1] + " output frames, but latency "
                                    + latency + " s promises " + (long) Math.floor(due));
                }
            }
        }
    }

    /**
     * A data node's example: its data input gives the declared data output as the summary, as the
     * first streaming delta and never again as a delta; reset() keeps the result (the input is given
     * once, at bind time) and re-arms the delta; the node writes no audio.
     */
    public static void assertDataExample(NodeType type, NodeExample ex) {
        String where = type.name() + " " + ex.label();
        Node node = create(type, ex.params(), ex.inputs());
        assertEquals(null, node.outputSpec(), where + ": a data node writes no audio");
        node.dataInput(ex.dataInput());
        assertEquals(ex.expectedData(), data(node, true), where + ": summary");
        assertEquals(ex.expectedData(), data(node, false), where + ": first delta");
        assertEquals("", data(node, false), where + ": a second delta");
        assertEquals(ex.expectedData(), data(node, true), where + ": summary after the deltas");
        node.reset();
        assertEquals(ex.expectedData(), data(node, false), where + ": delta after reset()");
    }

    private static String data(Node node, boolean summary) {
        StringBuilder sb = new StringBuilder();
        if (summary) {
            node.appendDataSummary(sb);
        } else {
            node.appendDataDelta(sb);
        }
        return sb.toString();
    }

    public static void assertClose(Run expected, Run actual, String where) {
        assertEquals(expected.frames(), actual.frames(), where + ": output frames");
        assertEquals(expected.samples().length, actual.samples().length, where + ": output samples");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.samples().length; i++) {
            double d = Math.abs(expected.samples()[i] - actual.samples()[i]);
            if (d > worst) {
                worst = d;
                at = i;
            }
        }
        assertTrue(worst <= TOLERANCE, where + ": max difference " + worst + " at sample " + at);
        assertNotNull(actual.dataSummary());
        assertEquals(expected.dataSummary(), actual.dataSummary(), where + ": data summary");
    }
}
