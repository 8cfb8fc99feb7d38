package org.remotemedia.dsp.nodes;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.SampleKernels;
import org.remotemedia.dsp.loudness.LoudnessMeter;
import org.remotemedia.json.Json;

/**
 * Normalize: one gain for the whole stream (all channels alike, so the balance stays) that
 * brings its peak or its RMS level to {@code target_db} dBFS, or (mode lufs) its integrated
 * loudness to {@code target_db} LUFS with the true peak kept under {@code true_peak_db} dBTP
 * ({@link LoudnessMeter}), at most {@code max_gain_db};
 * digital silence is left alone. Writes F32 (no clipping: a peak target above 0 dBFS or an
 * RMS target may exceed full scale, which a later AudioFormatConverter counts).
 *
 * <p>The level must be known before the first output sample, so in the default whole-stream
 * mode the node holds the stream (decoded to F32, off-heap pages) and writes it all at the
 * end: streaming latency is the whole stream ({@link Double#POSITIVE_INFINITY}), bounded in
 * memory by {@code max_buffer_seconds}. With {@code analysis_ms} the level is measured on the
 * stream's first analysis_ms only (the same in one-shot and streaming use), those frames are
 * held, and everything after them is scaled as it comes: latency analysis_ms.
 */
public final class Normalize extends NodeType {
    public static final String NAME = "Normalize";
    static final int PAGE_SAMPLES = 1 << 16;
    /** Most audio held, whatever the params: 256 MiB of F32 (also charged to the request's memory limit, via stateBytes()). */
    static final long MAX_HOLD_SAMPLES = 1L << 26;

    public Normalize() {
        super(NAME, "Scales the stream so its peak or RMS level reaches target_db dBFS (one gain for all channels); writes f32.",
                ParamSchema.of(
                        ParamSpec.choice("mode", "peak", List.of("peak", "rms", "lufs"), "level measured: sample peak or"
                                + " RMS over all channels, or integrated loudness (ITU-R BS.1770-4 / EBU R 128)"),
                        ParamSpec.number("target_db", -120, 20, null, "target level: dBFS for peak and rms (default -1,"
                                + " -20), LUFS in [-70, 0] for lufs (default -23; -16 and -14 for streaming)"),
                        ParamSpec.number("true_peak_db", -60, 0, -1.0, "mode lufs: the gain stops where the true peak"
                                + " (4x oversampled) would pass this ceiling, in dBTP"),
                        ParamSpec.number("max_gain_db", 0, 120, 60.0, "largest gain applied (quiet input is raised at most"
                                + " this much)"),
                        ParamSpec.integer("analysis_ms", 0, 600_000, 0L, "0: measure the whole stream (output at its end);"
                                + " > 0: measure only its first analysis_ms (output delayed by that much)"),
                        ParamSpec.number("max_buffer_seconds", 1, 3600, 600.0,
                                "whole-stream mode: most audio held before the stream must end")),
                Ports.filter());
    }

    @Override
    public String latencyDoc() {
        return "whole stream (output at the end) by default; analysis_ms when that is set";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("peak -1 dB f32 mono", Map.of(), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("rms -18 dB i16 stereo", Map.of("mode", "rms", "target_db", -18.0),
                        List.of(new AudioSpec(48000, 2, SampleFormat.I16))),
                new NodeExample("peak, analysis 120 ms i32", Map.of("analysis_ms", 120, "target_db", -3.0),
                        List.of(new AudioSpec(8000, 1, SampleFormat.I32))),
                new NodeExample("rms, analysis 30 ms 3 ch", Map.of("mode", "rms", "analysis_ms", 30),
                        List.of(new AudioSpec(44100, 3, SampleFormat.F32))),
                new NodeExample("lufs -16 i16 stereo", Map.of("mode", "lufs", "target_db", -16.0),
                        List.of(new AudioSpec(48000, 2, SampleFormat.I16))),
                new NodeExample("lufs, analysis 500 ms 5 ch", Map.of("mode", "lufs", "analysis_ms", 500,
                        "true_peak_db", -2.0), List.of(new AudioSpec(32000, 5, SampleFormat.F32))));
    }

    /** Loudness targets Normalize accepts (LUFS). */
    static final double MIN_LUFS = -70;
    static final double MAX_LUFS = 0;

    @Override
    public void checkParams(Params p, Problems problems) {
        if (p.string("mode").equals("lufs") && p.has("target_db")
                && (p.number("target_db") < MIN_LUFS || p.number("target_db") > MAX_LUFS)) {
            problems.add("/params/target_db", "target_db = " + p.number("target_db") + " LUFS is out of range for mode"
                    + " lufs: allowed " + (int) MIN_LUFS + ".." + (int) MAX_LUFS + " LUFS (default -23, EBU R 128;"
                    + " streaming services use -16 or -14)");
        }
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        boolean rms = p.string("mode").equals("rms");
        boolean lufs = p.string("mode").equals("lufs");
        double target = p.has("target_db") ? p.number("target_db") : lufs ? -23 : rms ? -20 : -1;
        long analysis = Math.round(p.integer("analysis_ms") * in.sampleRate() / 1000.0);
        long cap = MAX_HOLD_SAMPLES / in.channels();
        if (analysis > cap) {
            problems.add("/params/analysis_ms", "analysis_ms = " + p.integer("analysis_ms") + " would hold " + analysis
                    + " frames x " + in.channels() + " channels, more than the " + (MAX_HOLD_SAMPLES * 4 >> 20)
                    + " MiB Normalize may hold: at most " + (cap * 1000 / in.sampleRate()) + " ms for this input");
            return null;
        }
        long limit = analysis > 0 ? analysis : Math.min(cap, (long) Math.ceil(p.number("max_buffer_seconds") * in.sampleRate()));
        return new Instance(in.withFormat(SampleFormat.F32), rms, target, p.number("max_gain_db"),
                analysis > 0 ? analysis : -1, limit, p.number("max_buffer_seconds"),
                lufs ? p.number("true_peak_db") : Double.NaN);
    }

    /** One normalised stream. Owned by the thread running its execution or session. */
    static final class Instance extends Node {
        private final AudioSpec out;
        private final int ch;
        private final boolean rms;
        private final double target;
        private final double maxGainDb;
        private final long analysisFrames; // -1: whole stream
        private final long limitFrames;
        private final double maxSeconds;
        private final List<UnsafeBuffer> pages = new ArrayList<>(); // kept across reset()
        private long heldSamples;
        private int lastFlushFrames;
        private boolean decided;
        private float gain = 1f;
        private double levelDb = Double.NEGATIVE_INFINITY;

        private final double truePeakCeiling; // NaN: not lufs
        private double truePeakDb = Double.NEGATIVE_INFINITY;
        private boolean limitedByTruePeak;

        Instance(AudioSpec out, boolean rms, double target, double maxGainDb, long analysisFrames, long limitFrames,
                 double maxSeconds, double truePeakCeiling) {
            this.truePeakCeiling = truePeakCeiling;
            this.out = out;
            this.ch = out.channels();
            this.rms = rms;
            this.target = target;
            this.maxGainDb = maxGainDb;
            this.analysisFrames = analysisFrames;
            this.limitFrames = limitFrames;
            this.maxSeconds = maxSeconds;
        }

        @Override
        public AudioSpec outputSpec() {
            return out;
        }

        @Override
        public int maxOutputFrames(int inputFrames) {
            return analysisFrames > 0 ? (int) Math.min(Integer.MAX_VALUE / 4 / ch, inputFrames + analysisFrames) : inputFrames;
        }

        @Override
        public int maxFlushFrames() {
            // what flush will write; after it, what it wrote (callers check the bound after the call)
            return (int) (heldSamples / ch) + lastFlushFrames;
        }

        @Override
        public double latencySeconds() {
            return analysisFrames > 0 ? (double) analysisFrames / out.sampleRate() : Double.POSITIVE_INFINITY;
        }

        @Override
        public long stateBytes() {
            return (long) pages.size() * PAGE_SAMPLES * 4;
        }

        /** Appends samples [from, from + n) of the block to the held pages. */
        private void hold(AudioBlock in, int fromFrame, int frames) {
            int n = frames * ch;
            int bps = in.format().bytesPerSample();
            int src = in.offset() + fromFrame * in.frameBytes();
            while (n > 0) {
                int page = (int) (heldSamples / PAGE_SAMPLES);
                int at = (int) (heldSamples % PAGE_SAMPLES);
                if (page == pages.size()) {
                    pages.add(new UnsafeBuffer(BufferUtil.allocateDirectAligned(PAGE_SAMPLES * 4, 64)));
                }
                int take = Math.min(n, PAGE_SAMPLES - at);
                SampleKernels.scaleToF32(in.buffer(), src, in.format(), take, 1f, pages.get(page), at * 4);
                src += take * bps;
                heldSamples += take;
                n -= take;
            }
        }

        /** The gain from the held samples (page by page: the same sums whatever the chunking). */
        private void decide() {
            if (!Double.isNaN(truePeakCeiling)) {
                decideLoudness();
                return;
            }
            double level;
            if (rms) {
                double sum = 0;
                for (int i = 0; i * (long) PAGE_SAMPLES < heldSamples; i++) {
                    int n = (int) Math.min(PAGE_SAMPLES, heldSamples - (long) i * PAGE_SAMPLES);
                    sum += SampleKernels.sumSquares(pages.get(i), 0, SampleFormat.F32, n);
                }
                level = heldSamples == 0 ? 0 : Math.sqrt(sum / heldSamples);
            } else {
                float peak = 0;
                for (int i = 0; i * (long) PAGE_SAMPLES < heldSamples; i++) {
                    int n = (int) Math.min(PAGE_SAMPLES, heldSamples - (long) i * PAGE_SAMPLES);
                    peak = Math.max(peak, SampleKernels.peakAbsF32(pages.get(i), 0, n));
                }
                level = peak;
            }
            levelDb = 20 * Math.log10(level);
            double g = level > 0 ? Math.min(target - levelDb, maxGainDb) : 0;
            gain = (float) Math.pow(10, g / 20);
            decided = true;
        }

        /**
         * mode lufs: integrated loudness and true peak of the held samples (page by page, in order: the
         * same figures whatever the chunking); the gain reaches the target unless the true peak would
         * pass its ceiling, or max_gain_db would be exceeded. Nothing above the gates: gain 0 dB.
         */
        private void decideLoudness() {
            LoudnessMeter m = new LoudnessMeter(out.sampleRate(), ch);
            for (int i = 0; i * (long) PAGE_SAMPLES < heldSamples; i++) {
                int n = (int) Math.min(PAGE_SAMPLES, heldSamples - (long) i * PAGE_SAMPLES);
                m.process(pages.get(i), 0, SampleFormat.F32, n / ch);
            }
            m.finish();
            levelDb = m.integratedLufs();
            truePeakDb = 20 * Math.log10(m.maxTruePeak());
            double g = 0;
            if (Double.isFinite(levelDb)) {
                g = Math.min(target - levelDb, maxGainDb);
                if (Double.isFinite(truePeakDb) && truePeakDb + g > truePeakCeiling) {
                    g = truePeakCeiling - truePeakDb;
                    limitedByTruePeak = true;
                }
            }
            gain = (float) Math.pow(10, g / 20);
            decided = true;
        }

        /** Writes every held sample scaled by the gain; returns frames. */
        private int release(MutableDirectBuffer dst, int outOffset) {
            int at = outOffset;
            for (int i = 0; i * (long) PAGE_SAMPLES < heldSamples; i++) {
                int n = (int) Math.min(PAGE_SAMPLES, heldSamples - (long) i * PAGE_SAMPLES);
                SampleKernels.scaleToF32(pages.get(i), 0, SampleFormat.F32, n, gain, dst, at);
                at += n * 4;
            }
            int frames = (int) (heldSamples / ch);
            heldSamples = 0;
            return frames;
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer dst, int outOffset) {
            AudioBlock in = inputs[0];
            int n = in.frames();
            if (decided) {
                SampleKernels.scaleToF32(in.buffer(), in.offset(), in.format(), n * ch, gain, dst, outOffset);
                return n;
            }
            long have = heldSamples / ch;
            int take = (int) Math.min(n, limitFrames - have);
            if (take < n && analysisFrames < 0) {
                throw new NodeException("Normalize holds the whole stream until it ends and the stream passed "
                        + limitFrames + " frames (max_buffer_seconds = " + maxSeconds + " s, at most "
                        + (MAX_HOLD_SAMPLES * 4 >> 20) + " MiB held): set analysis_ms to measure only the start"
                        + " (bounded latency), or raise max_buffer_seconds if below that cap");
            }
            hold(in, 0, take);
            if (take == n) {
                return 0;
            }
            decide();
            int w = release(dst, outOffset);
            SampleKernels.scaleToF32(in.buffer(), in.offset() + take * in.frameBytes(), in.format(), (n - take) * ch,
                    gain, dst, outOffset + w * ch * 4);
            return w + n - take;
        }

        @Override
        public int flush(MutableDirectBuffer dst, int outOffset) {
            if (!decided) {
                decide();
            }
            lastFlushFrames = release(dst, outOffset);
            return lastFlushFrames;
        }

        @Override
        public void reset() {
            heldSamples = 0;
            lastFlushFrames = 0;
            decided = false;
            gain = 1f;
            levelDb = Double.NEGATIVE_INFINITY;
            truePeakDb = Double.NEGATIVE_INFINITY;
            limitedByTruePeak = false;
        }

        @Override
        public void appendCustomMetrics(StringBuilder sb) {
            if (!decided) {
                return;
            }
            sb.append("{\"level_db\":");
            Json.number(sb, Double.isFinite(levelDb) ? Math.round(levelDb * 1000) / 1000.0 : Double.NaN);
            sb.append(",\"gain_db\":");
            Json.number(sb, Math.round(20 * Math.log10(gain) * 1000) / 1000.0);
            if (!Double.isNaN(truePeakCeiling)) {
                sb.append(",\"true_peak_dbtp\":");
                Json.number(sb, Double.isFinite(truePeakDb) ? Math.round(truePeakDb * 1000) / 1000.0 : Double.NaN);
                sb.append(",\"limited_by_true_peak\":").append(limitedByTruePeak);
            }
            sb.append('}');
        }
    }
}
