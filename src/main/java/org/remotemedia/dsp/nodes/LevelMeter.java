package org.remotemedia.dsp.nodes;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.FrameForFrameNode;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.loudness.LoudnessMeter;
import org.remotemedia.json.Json;

/**
 * LevelMeter: passes the audio through unchanged (same format, bytes copied) and measures,
 * per channel, the sample peak and the RMS level in dBFS (full scale = 1.0 for every format),
 * over the whole stream and over consecutive windows of {@code window_ms}. Latency 0.
 *
 * <p>Data (one-shot, the whole stream): {@code {"channels", "frames", "peak_dbfs": [..],
 * "rms_dbfs": [..], "window_ms", "windows": [{"start_ms", "end_ms", "peak_dbfs", "rms_dbfs"}]}}
 * (window_ms and windows only when window_ms > 0)
 * (the last window may be shorter; digital silence is null). Memory is bounded: at most
 * {@link #RETAINED_VALUES} / channels closed windows are kept for the summary; beyond that the
 * oldest half is dropped and the summary says how many with {@code "windows_omitted"} (the
 * whole-stream figures still cover every window). A streaming chunk's data:
 * {@code {"frames", "peak_dbfs", "rms_dbfs", "windows": [windows completed in that chunk]}},
 * levels so far. Sums of squares run per channel in four accumulators keyed by the frame's
 * position in its window, so the figures are the same bits whatever the chunking.
 */
public final class LevelMeter extends NodeType {
    public static final String NAME = "LevelMeter";
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Per-channel values (peaks, sums) of closed windows kept for the summary: 2 MiB a kind. */
    static final int RETAINED_VALUES = 1 << 18;

    public LevelMeter() {
        super(NAME, "Measures peak and RMS dBFS per channel, whole stream and windowed, as data; audio passes unchanged.",
                ParamSchema.of(ParamSpec.integer("window_ms", 0, 60_000, 0L,
                        "length of the measurement windows in ms; 0 = whole stream only"),
                        ParamSpec.bool("loudness", true, "also measure loudness after ITU-R BS.1770-4 / EBU R 128:"
                                + " momentary, short-term and integrated LUFS, loudness range (LU), true peak (dBTP)")),
                new Ports(1, 1, false, true, true));
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("whole f32 mono", Map.of(), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("50 ms windows i16 stereo", Map.of("window_ms", 50), List.of(new AudioSpec(48000, 2, SampleFormat.I16))),
                new NodeExample("7 ms windows i32 3 ch", Map.of("window_ms", 7), List.of(new AudioSpec(8000, 3, SampleFormat.I32))));
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        long w = Math.round(p.integer("window_ms") * in.sampleRate() / 1000.0);
        return new Instance(in, (int) p.integer("window_ms"), w > 0 ? w : Long.MAX_VALUE,
                p.bool("loudness") ? new LoudnessMeter(in.sampleRate(), in.channels()) : null);
    }

    static double db(double linear, double scale) {
        return scale * Math.log10(linear);
    }

    /** One metered stream. Owned by the thread running its execution or session. */
    static final class Instance extends FrameForFrameNode {
        private final int ch;
        private final int windowMs;
        private final long windowFrames;
        // current window
        private final double[] sum4; // 4 accumulators per channel (frame index in window mod 4)
        private final float[] peak;
        private long inWindow;
        // every closed window so far: peak, and the sum of squares added window by window in
        // order (the same additions, so the same bits, as summing the kept windows at the end)
        private final double[] closedPeak;
        private final double[] closedSum;
        // the closed windows kept for the data: peak, sum per channel; frames
        private final int retainWindows;
        private double[] winPeak = new double[64];
        private double[] winSum = new double[64];
        private long[] winFrames = new long[8];
        private int windows;
        private int deltaFrom;
        private long omittedWindows;
        private long frames;

        private final LoudnessMeter loudness; // null: off
        private int deltaBlocks = -1;
        private double deltaIntegrated = Double.NEGATIVE_INFINITY;

        Instance(AudioSpec spec, int windowMs, long windowFrames, LoudnessMeter loudness) {
            super(spec);
            this.loudness = loudness;
            this.ch = spec.channels();
            this.windowMs = windowMs;
            this.windowFrames = windowFrames;
            this.sum4 = new double[4 * ch];
            this.peak = new float[ch];
            this.closedPeak = new double[ch];
            this.closedSum = new double[ch];
            this.retainWindows = Math.max(2, RETAINED_VALUES / ch);
        }

        @Override
        public long stateBytes() {
            return 8L * (winPeak.length + winSum.length + winFrames.length) + 52L * ch
                    + (loudness == null ? 0 : loudness.stateBytes());
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset) {
            AudioBlock in = inputs[0];
            int n = in.frames();
            out.putBytes(outOffset, in.buffer(), in.offset(), in.lengthBytes());
            if (loudness != null) {
                loudness.process(in.buffer(), in.offset(), in.format(), n);
            }
            int done = 0;
            while (done < n) {
                int take = (int) Math.min(n - done, windowFrames - inWindow);
                measure(in.buffer(), in.offset() + done * in.frameBytes(), in.format(), take);
                done += take;
                inWindow += take;
                frames += take;
                if (inWindow == windowFrames) {
                    closeWindow();
                }
            }
            return n;
        }

        /**
         * Adds {@code n} frames to the current window's per-channel sums. Four accumulators per
         * channel, chosen by the frame's index in the window mod 4 (so the sums do not depend on
         * where chunks start) break the add chain; they are combined in a fixed order when the
         * window closes.
         */
        private void measure(DirectBuffer b, int off, SampleFormat f, int n) {
            int phase = (int) (inWindow & 3);
            int bps = f.bytesPerSample();
            int stride = bps * ch;
            double[] acc = sum4;
            for (int c = 0; c < ch; c++) {
                int a = 4 * c;
                double r0 = acc[a + (phase & 3)];
                double r1 = acc[a + ((phase + 1) & 3)];
                double r2 = acc[a + ((phase + 2) & 3)];
                double r3 = acc[a + ((phase + 3) & 3)];
                float p = peak[c];
                int at = off + bps * c;
                int i = 0;
                switch (f) {
                    case F32 -> {
                        for (; i + 4 <= n; i += 4, at += 4 * stride) {
                            float v0 = b.getFloat(at, LE);
                            float v1 = b.getFloat(at + stride, LE);
                            float v2 = b.getFloat(at + 2 * stride, LE);
                            float v3 = b.getFloat(at + 3 * stride, LE);
                            r0 += (double) v0 * v0;
                            r1 += (double) v1 * v1;
                            r2 += (double) v2 * v2;
                            r3 += (double) v3 * v3;
                            p = Math.max(p, Math.max(Math.max(Math.abs(v0), Math.abs(v1)), Math.max(Math.abs(v2), Math.abs(v3))));
                        }
                    }
                    case I16 -> {
                        for (; i + 4 <= n; i += 4, at += 4 * stride) {
                            float v0 = b.getShort(at, LE) * 0x1p-15f;
                            float v1 = b.getShort(at + stride, LE) * 0x1p-15f;
                            float v2 = b.getShort(at + 2 * stride, LE) * 0x1p-15f;
                            float v3 = b.getShort(at + 3 * stride, LE) * 0x1p-15f;
                            r0 += (double) v0 * v0;
                            r1 += (double) v1 * v1;
                            r2 += (double) v2 * v2;
                            r3 += (double) v3 * v3;
                            p = Math.max(p, Math.max(Math.max(Math.abs(v0), Math.abs(v1)), Math.max(Math.abs(v2), Math.abs(v3))));
                        }
                    }
                    case I32 -> {
                        for (; i + 4 <= n; i += 4, at += 4 * stride) {
                            double v0 = b.getInt(at, LE) * 0x1p-31;
                            double v1 = b.getInt(at + stride, LE) * 0x1p-31;
                            double v2 = b.getInt(at + 2 * stride, LE) * 0x1p-31;
                            double v3 = b.getInt(at + 3 * stride, LE) * 0x1p-31;
                            r0 += v0 * v0;
                            r1 += v1 * v1;
                            r2 += v2 * v2;
                            r3 += v3 * v3;
                            p = Math.max(p, (float) Math.max(Math.max(Math.abs(v0), Math.abs(v1)),
                                    Math.max(Math.abs(v2), Math.abs(v3))));
                        }
                    }
                    default -> throw new AssertionError(f);
                }
                // 0..3 frames left: they continue the rotation r0, r1, r2
                for (int k = 0; i < n; i++, k++, at += stride) {
                    double v = f == SampleFormat.I32 ? b.getInt(at, LE) * 0x1p-31 : decode(b, at, f);
                    double sq = v * v;
                    p = Math.max(p, (float) Math.abs(v));
                    if (k == 0) {
                        r0 += sq;
                    } else if (k == 1) {
                        r1 += sq;
                    } else {
                        r2 += sq;
                    }
                }
                acc[a + (phase & 3)] = r0;
                acc[a + ((phase + 1) & 3)] = r1;
                acc[a + ((phase + 2) & 3)] = r2;
                acc[a + ((phase + 3) & 3)] = r3;
                peak[c] = p;
            }
        }

        /** An F32 or I16 sample as the unrolled loops compute it (float, then widened). */
        private static float decode(DirectBuffer b, int at, SampleFormat f) {
            return f == SampleFormat.F32 ? b.getFloat(at, LE) : b.getShort(at, LE) * 0x1p-15f;
        }

        /** The open window's sum of squares for channel c, accumulators combined in a fixed order. */
        private double windowSum(int c) {
            return ((sum4[4 * c] + sum4[4 * c + 1]) + sum4[4 * c + 2]) + sum4[4 * c + 3];
        }

        private void closeWindow() {
            if (inWindow == 0) {
                return;
            }
            if (windows == retainWindows) {
                dropOldestHalf();
            }
            if ((windows + 1) * ch > winPeak.length) {
                winPeak = Arrays.copyOf(winPeak, winPeak.length * 2);
                winSum = Arrays.copyOf(winSum, winSum.length * 2);
            }
            if (windows == winFrames.length) {
                winFrames = Arrays.copyOf(winFrames, windows * 2);
            }
            for (int c = 0; c < ch; c++) {
                double sum = windowSum(c);
                winPeak[windows * ch + c] = peak[c];
                winSum[windows * ch + c] = sum;
                closedPeak[c] = Math.max(closedPeak[c], peak[c]);
                closedSum[c] += sum;
            }
            winFrames[windows++] = inWindow;
            Arrays.fill(sum4, 0);
            Arrays.fill(peak, 0);
            inWindow = 0;
        }

        /** Forgets the older half of the kept windows (the whole-stream totals keep them). */
        private void dropOldestHalf() {
            int drop = windows / 2;
            System.arraycopy(winPeak, drop * ch, winPeak, 0, (windows - drop) * ch);
            System.arraycopy(winSum, drop * ch, winSum, 0, (windows - drop) * ch);
            System.arraycopy(winFrames, drop, winFrames, 0, windows - drop);
            windows -= drop;
            omittedWindows += drop;
            deltaFrom = Math.max(0, deltaFrom - drop); // a chunk closing > half the cap reports its latest ones
        }

        @Override
        public int flush(MutableDirectBuffer out, int outOffset) {
            closeWindow();
            if (loudness != null) {
                loudness.finish();
            }
            return 0;
        }

        @Override
        public void reset() {
            Arrays.fill(sum4, 0);
            Arrays.fill(peak, 0);
            Arrays.fill(closedPeak, 0);
            Arrays.fill(closedSum, 0);
            inWindow = 0;
            windows = 0;
            deltaFrom = 0;
            omittedWindows = 0;
            frames = 0;
            if (loudness != null) {
                loudness.reset();
                deltaBlocks = -1;
            }
        }

        private double ms(long f) {
            return Math.round(f * 1_000_000.0 / outputSpec().sampleRate()) / 1000.0;
        }

        /** dB to 0.001; silence (-inf) as null. */
        private static void level(StringBuilder sb, double v) {
            Json.number(sb, Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : Double.NaN);
        }

        /** Whole-stream levels so far (closed windows in order, then the open one). */
        private void whole(StringBuilder sb) {
            sb.append("\"peak_dbfs\":[");
            for (int c = 0; c < ch; c++) {
                double p = Math.max(peak[c], closedPeak[c]);
                if (c > 0) {
                    sb.append(',');
                }
                level(sb, db(p, 20));
            }
            sb.append("],\"rms_dbfs\":[");
            for (int c = 0; c < ch; c++) {
                double s = closedSum[c] + windowSum(c);
                if (c > 0) {
                    sb.append(',');
                }
                level(sb, frames == 0 ? Double.NaN : db(s / frames, 10));
            }
            sb.append(']');
        }

        /** [scale log10(a[base + c] / div) for each channel], in dB to 0.001. */
        private void dbList(StringBuilder sb, double[] a, int base, double div, double scale) {
            sb.append('[');
            for (int c = 0; c < ch; c++) {
                if (c > 0) {
                    sb.append(',');
                }
                level(sb, db(a[base + c] / div, scale));
            }
            sb.append(']');
        }

        private void windows(StringBuilder sb, int from) {
            sb.append("\"windows\":[");
            // every window but the one flush closes is full, so where window `from` starts follows
            // from its index: no walk over the windows before it on every chunk
            long start = (omittedWindows + from) * windowFrames;
            for (int w = from; w < windows; w++) {
                if (w > from) {
                    sb.append(',');
                }
                sb.append("{\"start_ms\":");
                Json.number(sb, ms(start));
                start += winFrames[w];
                sb.append(",\"end_ms\":");
                Json.number(sb, ms(start));
                sb.append(",\"peak_dbfs\":");
                dbList(sb, winPeak, w * ch, 1, 20);
                sb.append(",\"rms_dbfs\":");
                dbList(sb, winSum, w * ch, winFrames[w], 10);
                sb.append('}');
            }
            sb.append(']');
        }

        @Override
        public void appendDataDelta(StringBuilder sb) {
            sb.append("{\"frames\":").append(frames).append(',');
            whole(sb);
            if (windowMs > 0) {
                sb.append(',');
                windows(sb, deltaFrom);
            }
            if (loudness != null) {
                if (loudness.blocks() != deltaBlocks) { // the integrated value changes only with a new block
                    deltaBlocks = loudness.blocks();
                    deltaIntegrated = loudness.integratedLufs();
                }
                sb.append(",\"loudness\":{\"momentary_lufs\":");
                level(sb, loudness.momentaryLufs());
                sb.append(",\"short_term_lufs\":");
                level(sb, loudness.shortTermLufs());
                sb.append(",\"integrated_lufs\":");
                level(sb, deltaIntegrated);
                truePeaks(sb);
                sb.append('}');
            }
            sb.append('}');
            deltaFrom = windows;
        }

        @Override
        public void appendDataSummary(StringBuilder sb) {
            sb.append("{\"channels\":").append(ch).append(",\"frames\":").append(frames).append(',');
            whole(sb);
            if (windowMs > 0) {
                sb.append(",\"window_ms\":").append(windowMs).append(',');
                if (omittedWindows > 0) {
                    sb.append("\"windows_omitted\":").append(omittedWindows).append(',');
                }
                windows(sb, 0);
            }
            if (loudness != null) {
                sb.append(",\"loudness\":{\"integrated_lufs\":");
                level(sb, loudness.integratedLufs());
                sb.append(",\"loudness_range_lu\":");
                level(sb, loudness.loudnessRangeLu());
                sb.append(",\"momentary_max_lufs\":");
                level(sb, loudness.maxMomentaryLufs());
                sb.append(",\"short_term_max_lufs\":");
                level(sb, loudness.maxShortTermLufs());
                truePeaks(sb);
                sb.append('}');
            }
            sb.append('}');
        }

        /** ,"true_peak_dbtp":[per channel],"true_peak_max_dbtp":x (digital silence: null). */
        private void truePeaks(StringBuilder sb) {
            sb.append(",\"true_peak_dbtp\":[");
            for (int c = 0; c < ch; c++) {
                if (c > 0) {
                    sb.append(',');
                }
                level(sb, db(loudness.truePeak(c), 20));
            }
            sb.append("],\"true_peak_max_dbtp\":");
            level(sb, db(loudness.maxTruePeak(), 20));
        }
    }
}
