package org.remotemedia.dsp.nodes;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.agrona.BufferUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
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
import org.remotemedia.dsp.SampleKernels;

/**
 * Fade: a fade-in over the first {@code in} frames and a fade-out over the last {@code out}
 * frames, with gain curves g(t), t from 0 (silent) to 1 (full): linear t; equal_power
 * sin(t pi/2) (a crossfade pair of these keeps power constant); exponential
 * (e^(kt) - 1) / (e^k - 1) with k = ln 1000 (60 dB of range, then to exact zero). Fade-in
 * frame i has t = i / in; fade-out frame j (counted from the first faded one) has
 * t = 1 - (j + 1) / out, so the last frame is exactly silent. Writes F32.
 *
 * <p>The fade-out needs to know where the stream ends: the last {@code out} frames are held
 * back until the end of the stream, so streaming latency is the fade-out length.
 */
public final class Fade extends NodeType {
    public static final String NAME = "Fade";
    static final List<String> SHAPES = List.of("linear", "equal_power", "exponential");
    /** Most audio the fade-out may hold, in bytes. */
    static final long MAX_HOLD_BYTES = 64L << 20;
    private static final double K = Math.log(1000);

    public Fade() {
        super(NAME, "Fades in at the start and / or out at the end (linear, equal_power, exponential); writes f32.",
                ParamSchema.of(
                        Durations.ms("in", "fade-in length"),
                        Durations.samples("in", "fade-in length"),
                        Durations.ms("out", "fade-out length, ending at the stream's last sample"),
                        Durations.samples("out", "fade-out length"),
                        ParamSpec.choice("shape", "linear", SHAPES, "gain curve of both fades")),
                Ports.filter());
    }

    @Override
    public String latencyDoc() {
        return "the fade-out length (those frames are held until the stream ends); 0 without fade-out";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("in 50 ms linear f32 mono", Map.of("in_ms", 50.0), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("in+out equal_power i16 stereo", Map.of("in_ms", 20.0, "out_ms", 30.0, "shape", "equal_power"),
                        List.of(new AudioSpec(48000, 2, SampleFormat.I16))),
                new NodeExample("out exponential i32", Map.of("out_samples", 1234, "shape", "exponential"),
                        List.of(new AudioSpec(8000, 1, SampleFormat.I32))));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        Durations.checkOneOf(p, "in", problems);
        Durations.checkOneOf(p, "out", problems);
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        long fin = Durations.frames(p, "in", in.sampleRate(), 0);
        long fout = Durations.frames(p, "out", in.sampleRate(), 0);
        if (fout * in.channels() * 4L > MAX_HOLD_BYTES) {
            problems.add(Durations.path(p, "out"), "a fade-out of " + fout + " samples x " + in.channels()
                    + " channels would hold more than " + (MAX_HOLD_BYTES >> 20) + " MiB until the stream ends: shorten it");
            return null;
        }
        if (fin > Integer.MAX_VALUE) {
            problems.add(Durations.path(p, "in"), "fade-in of " + fin + " samples is too long: at most "
                    + Integer.MAX_VALUE);
            return null;
        }
        return new Instance(in.withFormat(SampleFormat.F32), in.channels(), fin, (int) fout,
                SHAPES.indexOf(p.string("shape")));
    }

    /** Gain at t in [0, 1] for shape index s. */
    static double curve(int s, double t) {
        return switch (s) {
            case 0 -> t;
            case 1 -> Math.sin(t * Math.PI / 2);
            default -> Math.expm1(K * t) / 999.0;
        };
    }

    /** One faded stream. Owned by the thread running its execution or session. */
    static final class Instance extends FrameForFrameNode {
        private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
        private final int ch;
        private final long fin;
        private final int fout;
        private final int shape;
        private final UnsafeBuffer hold; // the last fout frames seen, F32, oldest first
        private int held;
        private long released; // frames written so far

        Instance(AudioSpec out, int ch, long fin, int fout, int shape) {
            super(out);
            this.ch = ch;
            this.fin = fin;
            this.fout = fout;
            this.shape = shape;
            this.hold = fout > 0 ? new UnsafeBuffer(BufferUtil.allocateDirectAligned(
                    Math.max(64, (fout * ch * 4 + 63) & ~63), 64)) : null;
        }

        @Override
        public int maxFlushFrames() {
            return fout;
        }

        @Override
        public double latencySeconds() {
            return (double) fout / outputSpec().sampleRate();
        }

        @Override
        public long stateBytes() {
            return hold == null ? 0 : hold.capacity();
        }

        /** Applies the fade-in to frames [released, released + n) already at dst as F32. */
        private void fadeIn(MutableDirectBuffer dst, int at, int n) {
            long end = Math.min(fin, released + n);
            for (long f = released; f < end; f++) {
                float g = (float) curve(shape, (double) f / fin);
                int base = at + (int) (f - released) * ch * 4;
                for (int c = 0; c < ch; c++) {
                    dst.putFloat(base + 4 * c, dst.getFloat(base + 4 * c, LE) * g, LE);
                }
            }
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer dst, int outOffset) {
            AudioBlock in = inputs[0];
            int n = in.frames();
            if (fout == 0) {
                SampleKernels.scaleToF32(in.buffer(), in.offset(), in.format(), n * ch, 1f, dst, outOffset);
                fadeIn(dst, outOffset, n);
                released += n;
                return n;
            }
            int release = Math.max(0, held + n - fout);
            int fromHold = Math.min(release, held);
            int fromIn = release - fromHold;
            int fb = ch * 4;
            if (fromHold > 0) {
                dst.putBytes(outOffset, hold, 0, fromHold * fb);
            }
            if (fromIn > 0) {
                SampleKernels.scaleToF32(in.buffer(), in.offset(), in.format(), fromIn * ch, 1f, dst,
                        outOffset + fromHold * fb);
            }
            // keep the newest fout frames: the rest of the hold, then the rest of the input
            int keepOld = held - fromHold;
            if (keepOld > 0 && fromHold > 0) {
                hold.putBytes(0, hold, fromHold * fb, keepOld * fb);
            }
            int keepNew = n - fromIn;
            if (keepNew > 0) {
                SampleKernels.scaleToF32(in.buffer(), in.offset() + fromIn * in.frameBytes(), in.format(), keepNew * ch,
                        1f, hold, keepOld * fb);
            }
            held = keepOld + keepNew;
            fadeIn(dst, outOffset, release);
            released += release;
            return release;
        }

        @Override
        public int flush(MutableDirectBuffer dst, int outOffset) {
            if (held == 0) {
                return 0;
            }
            int fb = ch * 4;
            dst.putBytes(outOffset, hold, 0, held * fb);
            fadeIn(dst, outOffset, held);
            // the fade-out covers the last fout frames of the stream (fewer if it was shorter)
            for (int j = fout - held, k = 0; k < held; j++, k++) {
                float g = (float) curve(shape, 1.0 - (double) (j + 1) / fout);
                int base = outOffset + k * fb;
                for (int c = 0; c < ch; c++) {
                    dst.putFloat(base + 4 * c, dst.getFloat(base + 4 * c, LE) * g, LE);
                }
            }
            int w = held;
            released += held;
            held = 0;
            return w;
        }

        @Override
        public void reset() {
            held = 0;
            released = 0;
        }
    }
}
