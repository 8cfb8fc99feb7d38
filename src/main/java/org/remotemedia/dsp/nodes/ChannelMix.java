package org.remotemedia.dsp.nodes;

import java.util.List;
import java.util.Map;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
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
import org.remotemedia.dsp.SampleArrays;

/**
 * ChannelMix: out[o] = sum_i matrix[o][i] * in[i] for every frame: any matrix (rows = output
 * channels, columns = input channels), or a preset. 5.1 input is in WAV / SMPTE order
 * L, R, C, LFE, Ls, Rs; the 5.1 downmix is ITU-R BS.775 (Lo = L + 0.7071 C + 0.7071 Ls,
 * Ro = R + 0.7071 C + 0.7071 Rs, LFE dropped). {@code normalize} scales the matrix so no output
 * can exceed full scale (largest row sum of |gains| = 1). Writes F32. Latency 0.
 */
public final class ChannelMix extends NodeType {
    public static final String NAME = "ChannelMix";
    static final double H = Math.sqrt(0.5);
    static final Map<String, double[][]> PRESETS = Map.of(
            "stereo_to_mono", new double[][] {{0.5, 0.5}},
            "mono_to_stereo", new double[][] {{1}, {1}},
            "5.1_to_stereo", new double[][] {{1, 0, H, 0, H, 0}, {0, 1, H, 0, 0, H}},
            "swap_stereo", new double[][] {{0, 1}, {1, 0}});
    static final List<String> PRESET_NAMES = List.of("stereo_to_mono", "mono_to_stereo", "5.1_to_stereo", "swap_stereo");
    static final int BLOCK = 512;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    public ChannelMix() {
        super(NAME, "Mixes channels through a matrix (rows = outputs, columns = inputs) or a preset (stereo_to_mono,"
                        + " mono_to_stereo, 5.1_to_stereo (ITU-R BS.775), swap_stereo); writes f32.",
                ParamSchema.of(
                        ParamSpec.numberMatrix("matrix", 64, -100, 100,
                                "gains: one row per output channel, one column per input channel"),
                        ParamSpec.choice("preset", null, PRESET_NAMES, "a standard matrix instead of matrix (5.1 input order"
                                + " L, R, C, LFE, Ls, Rs)"),
                        ParamSpec.bool("normalize", false, "scale the matrix so that no output can exceed full scale")),
                Ports.filter());
    }

    @Override
    public String latencyDoc() {
        return "0";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("stereo_to_mono i16", Map.of("preset", "stereo_to_mono"), List.of(new AudioSpec(48000, 2, SampleFormat.I16))),
                new NodeExample("mono_to_stereo f32", Map.of("preset", "mono_to_stereo"), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("5.1_to_stereo normalized i32", Map.of("preset", "5.1_to_stereo", "normalize", true),
                        List.of(new AudioSpec(48000, 6, SampleFormat.I32))),
                new NodeExample("3x2 matrix", Map.of("matrix", List.of(List.of(0.3, -0.7), List.of(1.0, 0.0), List.of(0.25, 0.25))),
                        List.of(new AudioSpec(22050, 2, SampleFormat.F32))));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        if (p.given("matrix") == p.given("preset")) {
            problems.add("/params/matrix", p.given("matrix") ? "give matrix or preset, not both"
                    : "give a matrix (rows = output channels, columns = input channels) or a preset ("
                    + String.join(" | ", PRESET_NAMES) + ")");
        }
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        boolean preset = p.has("preset");
        double[][] m = preset ? PRESETS.get(p.string("preset")) : p.matrix("matrix");
        if (m[0].length != in.channels()) {
            problems.add(preset ? "/params/preset" : "/params/matrix", (preset ? "preset " + p.string("preset") + " takes "
                    : "matrix has ") + m[0].length + (preset ? " input channels" : " columns (input channels)")
                    + " but the input has " + in.channels() + ": " + (preset ? "pick a preset for " + in.channels()
                    + " channels or give a matrix" : "give one column per input channel"));
            return null;
        }
        float[] g = new float[m.length * m[0].length];
        double scale = 1;
        if (p.bool("normalize")) {
            double worst = 0;
            for (double[] row : m) {
                double s = 0;
                for (double v : row) {
                    s += Math.abs(v);
                }
                worst = Math.max(worst, s);
            }
            scale = worst > 0 ? 1 / worst : 1;
        }
        for (int o = 0; o < m.length; o++) {
            for (int i = 0; i < m[o].length; i++) {
                g[o * m[0].length + i] = (float) (m[o][i] * scale);
            }
        }
        return new Instance(in, m.length, g);
    }

    /** One mixed stream. Owned by the thread running its execution or session. */
    @SuppressWarnings("unchecked")
    static final class Instance extends FrameForFrameNode {
        private final int cin;
        private final int cout;
        private final float[] gains;
        private final int[] rowStart; // nonzero gains of output o: [rowStart[o], rowStart[o+1]) in idx / val
        private final int[] idx;
        private final float[] val;
        private final float[] x;
        private final float[] y;
        // mono upmix to a lane-dividing channel count: gains per lane and one permute per output vector
        private final float[] upGains;
        private final VectorShuffle<Float>[] upShuffles;

        Instance(AudioSpec in, int cout, float[] gains) {
            super(new AudioSpec(in.sampleRate(), cout, SampleFormat.F32));
            this.cin = in.channels();
            this.cout = cout;
            this.gains = gains;
            int nz = 0;
            for (float v : gains) {
                nz += v != 0 ? 1 : 0;
            }
            rowStart = new int[cout + 1];
            idx = new int[nz];
            val = new float[nz];
            int k = 0;
            for (int o = 0; o < cout; o++) {
                rowStart[o] = k;
                for (int i = 0; i < cin; i++) {
                    float v = gains[o * cin + i];
                    if (v != 0) {
                        idx[k] = i;
                        val[k++] = v;
                    }
                }
            }
            rowStart[cout] = k;
            x = new float[BLOCK * cin];
            y = new float[BLOCK * cout];
            int l = F.length();
            if (cin == 1 && cout > 1 && l % cout == 0) {
                upGains = new float[l];
                upShuffles = new VectorShuffle[cout];
                int r = l / cout;
                for (int j = 0; j < l; j++) {
                    upGains[j] = gains[j % cout];
                }
                for (int q = 0; q < cout; q++) {
                    int[] idx = new int[l];
                    for (int j = 0; j < l; j++) {
                        idx[j] = q * r + j / cout;
                    }
                    upShuffles[q] = VectorShuffle.fromArray(F, idx, 0);
                }
            } else {
                upGains = null;
                upShuffles = null;
            }
        }

        @Override
        public long stateBytes() {
            return 4L * (x.length + y.length + gains.length + 2L * idx.length + rowStart.length);
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer dst, int outOffset) {
            AudioBlock in = inputs[0];
            int n = in.frames();
            for (int done = 0; done < n; ) {
                int f = Math.min(BLOCK, n - done);
                SampleArrays.toFloats(in.buffer(), in.offset() + done * in.frameBytes(), in.format(), f * cin, x, 0);
                mix(f);
                SampleArrays.toF32(y, 0, f * cout, dst, outOffset + done * cout * 4);
                done += f;
            }
            return n;
        }

        private void mix(int frames) {
            if (upShuffles != null) {
                upmixMono(frames);
                return;
            }
            float[] xs = x;
            float[] ys = y;
            int[] rs = rowStart;
            int[] ix = idx;
            float[] vs = val;
            int ci = cin;
            int co = cout;
            if (co == 1 && rs[1] == 2) { // two-input downmix (stereo to mono and the like): one fused pass
                int i0 = ix[0];
                int i1 = ix[1];
                float g0 = vs[0];
                float g1 = vs[1];
                for (int fr = 0; fr < frames; fr++) {
                    int b = fr * ci;
                    ys[fr] = Math.fma(g1, xs[b + i1], g0 * xs[b + i0]);
                }
                return;
            }
            // per output channel, per nonzero gain: simple strided loops (the same fma sequence
            // per sample as a frame-major loop, so the bits do not depend on the order chosen)
            for (int o = 0; o < co; o++) {
                int k = rs[o];
                int e = rs[o + 1];
                if (k == e) {
                    for (int fr = 0; fr < frames; fr++) {
                        ys[fr * co + o] = 0f;
                    }
                    continue;
                }
                float g = vs[k];
                int in = ix[k];
                for (int fr = 0; fr < frames; fr++) {
                    ys[fr * co + o] = g * xs[fr * ci + in];
                }
                for (k++; k < e; k++) {
                    float gk = vs[k];
                    int ik = ix[k];
                    for (int fr = 0; fr < frames; fr++) {
                        int at = fr * co + o;
                        ys[at] = Math.fma(gk, xs[fr * ci + ik], ys[at]);
                    }
                }
            }
        }

        /**
         * One input channel to {@code cout} (dividing the lane count): per 16 input frames,
         * output vector q takes frames q*R .. q*R+R-1 (R = lanes / cout), each repeated cout
         * times by a permute, times the gains of its lanes' outputs. Every sample gets g * x,
         * as in the scalar loops.
         */
        private void upmixMono(int frames) {
            float[] xs = x;
            float[] ys = y;
            int co = cout;
            int l = F.length();
            int upper = frames - frames % l;
            FloatVector g = FloatVector.fromArray(F, upGains, 0);
            for (int f = 0; f < upper; f += l) {
                FloatVector v = FloatVector.fromArray(F, xs, f);
                int at = f * co;
                for (int q = 0; q < co; q++) {
                    v.rearrange(upShuffles[q]).mul(g).intoArray(ys, at + q * l);
                }
            }
            for (int f = upper; f < frames; f++) {
                for (int o = 0; o < co; o++) {
                    ys[f * co + o] = upGains[o] * xs[f];
                }
            }
        }

        @Override
        public void reset() {
        }
    }
}
