package org.remotemedia.dsp.nodes;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeExample;
import org.remotemedia.dsp.NodeType;
import org.remotemedia.dsp.ParamSchema;
import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.SampleKernels;
import org.remotemedia.dsp.SpeechModel;
import org.remotemedia.dsp.resample.ResampleQuality;
import org.remotemedia.dsp.resample.Resampler;
import org.remotemedia.json.Json;

/**
 * SileroVAD (alias SileroVADNode): neural voice activity detection with the Silero VAD model,
 * run in-process through a {@link SpeechModel} (ONNX Runtime, wired in by the daemon). The
 * channels are averaged to mono; 16 and 8 kHz go to the model as they are, other rates through a
 * {@link Resampler} to 16 kHz. Windows of 512 samples (256 at 8 kHz) carry the model's context and
 * recurrent state from chunk to chunk, so any chunking gives the same probabilities, bit for bit.
 *
 * <p>Segments follow Silero's own {@code get_speech_timestamps} rules, computed as the stream goes:
 * speech starts at a window whose probability reaches {@code threshold}, ends after
 * {@code min_silence_ms} below {@code neg_threshold}, is dropped when not longer than
 * {@code min_speech_ms}, is split past {@code max_speech_s}, and is padded by {@code speech_pad_ms}
 * (half the gap when two segments are closer than twice that). The audio passes through unchanged,
 * or with {@code gate} zeroed outside the segments, which waits for each boundary to be final.
 *
 * <p>Data as {@link Vad}'s: one-shot {@code {"is_speech", "segments": [{"start_ms", "end_ms"}],
 * "windows", "speech_ms"}} plus {@code "probabilities"} per window with {@code emit_probabilities};
 * a streaming delta carries the current state, the segments that became final in that chunk, the
 * windows run in it (and their probabilities).
 */
public final class SileroVad extends NodeType {
    public static final String NAME = "SileroVAD";
    /** The rate every other input rate is converted to. */
    static final int MODEL_RATE = 16_000;
    /** Silero's own: silence this long inside a too-long segment marks where it may be split. */
    static final int SPLIT_SILENCE_MS = 98;
    /** Probabilities kept for the summary (about 2.3 hours); older ones are dropped, and counted. */
    static final int RETAINED_PROBABILITIES = 1 << 18;
    private static final int BLOCK_FRAMES = 2048;

    private final SpeechModel model;
    private final String unavailable;

    private SileroVad(SpeechModel model, String unavailable) {
        super(NAME, "Neural voice activity detection (Silero VAD, in-process ONNX Runtime) that holds up in noise;"
                        + " passes or gates the audio.",
                ParamSchema.of(
                        ParamSpec.number("threshold", 0, 1, 0.5,
                                "speech starts at a window whose probability reaches this; in (0, 1)"),
                        ParamSpec.number("neg_threshold", 0, 1, null,
                                "speech ends below this probability; default threshold - 0.15, at least 0.01;"
                                        + " must be below threshold"),
                        ParamSpec.integer("min_speech_ms", 0, 60_000, 250L, "shorter speech segments are dropped"),
                        ParamSpec.integer("min_silence_ms", 0, 60_000, 100L,
                                "silence needed to end a segment (shorter pauses stay inside it)"),
                        ParamSpec.integer("speech_pad_ms", 0, 5_000, 30L,
                                "each segment is widened by this much on both sides (half the gap when segments"
                                        + " are closer than twice this)"),
                        ParamSpec.number("max_speech_s", 0.5, 3600, null,
                                "longer speech is split (at a pause of at least 98 ms if there is one);"
                                        + " default: no limit"),
                        ParamSpec.bool("gate", false, "zero the audio outside speech segments"),
                        ParamSpec.bool("emit_probabilities", false, "add each window's speech probability to the data")),
                new Ports(1, 1, false, true, true));
        this.model = model;
        this.unavailable = unavailable;
    }

    /** The node running this model. */
    public static SileroVad with(SpeechModel model) {
        return new SileroVad(java.util.Objects.requireNonNull(model), null);
    }

    /** The node without a model: every manifest that uses it fails validation with this reason. */
    public static SileroVad unavailable(String reason) {
        return new SileroVad(null, reason);
    }

    /** The model this node runs, or null when it has none. */
    public SpeechModel model() {
        return model;
    }

    @Override
    public String latencyDoc() {
        return "0 without gate; with gate up to 2 x speech_pad + min_speech + min_silence + 3 windows (96 ms),"
                + " + max_speech_s when set, + the resampler's look-ahead for rates other than 8 and 16 kHz";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("defaults f32 mono 16k", Map.of(), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("gated i16 8k, probabilities", Map.of("gate", true, "emit_probabilities", true,
                        "threshold", 0.3, "min_speech_ms", 60, "speech_pad_ms", 50),
                        List.of(new AudioSpec(8000, 1, SampleFormat.I16))),
                new NodeExample("gated 48k stereo", Map.of("gate", true, "min_speech_ms", 30, "min_silence_ms", 40,
                        "threshold", 0.2), List.of(new AudioSpec(48000, 2, SampleFormat.F32))),
                new NodeExample("gated 16k, max_speech", Map.of("gate", true, "max_speech_s", 0.5, "min_speech_ms", 30,
                        "threshold", 0.1, "neg_threshold", 0.05), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("44.1k i32, no padding", Map.of("speech_pad_ms", 0, "min_speech_ms", 0,
                        "min_silence_ms", 0), List.of(new AudioSpec(44100, 1, SampleFormat.I32))));
    }

    @Override
    public void checkParams(Params p, Problems problems) {
        double t = p.number("threshold");
        if (t <= 0 || t >= 1) {
            problems.add("/params/threshold", "threshold = " + t + " is out of range: a speech probability strictly"
                    + " between 0 and 1 (default 0.5; 0 or 1 would mark every or no window as speech)");
            return;
        }
        if (p.has("neg_threshold")) {
            double n = p.number("neg_threshold");
            if (n <= 0 || n >= t) {
                problems.add("/params/neg_threshold", "neg_threshold = " + n + " must be above 0 and below threshold = "
                        + t + " (speech ends when the probability falls below it); leave it out for threshold - 0.15"
                        + " (at least 0.01)");
            }
        }
        if (p.has("max_speech_s")) {
            double minMs = 2.0 * p.integer("speech_pad_ms") + 2 * 32;
            if (p.number("max_speech_s") * 1000 <= minMs) {
                problems.add("/params/max_speech_s", "max_speech_s = " + p.number("max_speech_s") + " leaves no room"
                        + " for speech: it must exceed 2 x speech_pad_ms + 64 ms = " + (minMs / 1000) + " s");
            }
        }
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        if (model == null) {
            problems.add("", "SileroVAD has no model: " + unavailable);
            return null;
        }
        AudioSpec in = inputs.get(0);
        Resampler resampler = null;
        if (!model.supportsRate(in.sampleRate())) {
            try {
                resampler = Resampler.create(in.sampleRate(), MODEL_RATE, 1, ResampleQuality.LOW);
            } catch (IllegalArgumentException e) {
                problems.add("", "SileroVAD cannot take audio at " + in.sampleRate() + " Hz: the model runs at 8000 or"
                        + " 16000 Hz, and the resampler that converts other rates to 16000 Hz refuses it (" + e.getMessage()
                        + "); put an AudioResample before the node");
                return null;
            }
            if (!model.supportsRate(MODEL_RATE)) {
                problems.add("", "SileroVAD cannot take audio at " + in.sampleRate() + " Hz: the loaded model ("
                        + model.description() + ") runs at neither that rate nor " + MODEL_RATE + " Hz");
                return null;
            }
        }
        double threshold = p.number("threshold");
        double neg = p.has("neg_threshold") ? p.number("neg_threshold") : Math.max(threshold - 0.15, 0.01);
        double maxSpeechS = p.has("max_speech_s") ? p.number("max_speech_s") : 0;
        return new Instance(model, in, resampler, threshold, neg, p.intValue("min_speech_ms"),
                p.intValue("min_silence_ms"), p.intValue("speech_pad_ms"), maxSpeechS, p.bool("gate"),
                p.bool("emit_probabilities"));
    }

    /**
     * One detected stream. Positions are in samples at the model's rate ("model samples"); the gate
     * maps them to input frames. Owned by the thread running its execution or session.
     */
    static final class Instance extends Node {
        private final SpeechModel model;
        private final AudioSpec spec;
        private final int rate;
        private final int window;
        private final int context;
        private final double threshold;
        private final double negThreshold;
        private final long minSpeech;
        private final long minSilence;
        private final long pad;
        private final long maxSpeech; // 0: no limit
        private final long splitSilence;
        private final boolean gate;
        private final boolean emitProbabilities;
        private final Resampler resampler; // null at a model rate
        private final UnsafeBuffer mono; // resampler input: mono F32 blocks
        private final UnsafeBuffer resampled; // resampler output
        private final int pendingCap; // input frames the gate may hold
        private final double latency;

        // model input: context then window; recurrent state
        private final float[] input;
        private final float[] state;
        private int filled;
        private long windows;
        private long fed; // model samples fed

        // Silero's decision state (model samples; 0 means unset, as in get_speech_timestamps)
        private boolean triggered;
        private long curStart;
        private long tempEnd;
        private long prevEnd;
        private long nextStart;
        private boolean confirmed; // the open segment will be kept whatever comes
        private long openPadStart;

        // segments: raw end, padded bounds; the last one's padded end may be unresolved (-1)
        private long[] rawEnd = new long[16];
        private long[] segStart = new long[16];
        private long[] segEnd = new long[16];
        private int segCount;
        private int resolved; // segments [0, resolved) have final bounds
        private int deltaFrom;

        // probabilities: the newest retained, and where this chunk's start
        private float[] probs;
        private int probCount;
        private long probsOmitted;
        private int probDeltaFrom;
        private long deltaWindows;

        // gate: input positions [emitted, inTotal) not yet written, held from fifoStart
        private UnsafeBuffer fifo;
        private long fifoStart;
        private long inTotal;
        private long emitted;
        private int segCursor;
        private boolean flushed;

        Instance(SpeechModel model, AudioSpec spec, Resampler resampler, double threshold, double negThreshold, int minSpeechMs,
                 int minSilenceMs, int padMs, double maxSpeechS, boolean gate, boolean emitProbabilities) {
            this.model = model;
            this.spec = spec;
            this.rate = resampler == null ? spec.sampleRate() : resampler.outputRate();
            this.window = model.windowFrames(this.rate);
            this.context = model.contextFrames(this.rate);
            this.threshold = threshold;
            this.negThreshold = negThreshold;
            this.minSpeech = (long) rate * minSpeechMs / 1000;
            this.minSilence = (long) rate * minSilenceMs / 1000;
            this.pad = (long) rate * padMs / 1000;
            this.maxSpeech = maxSpeechS > 0 ? (long) (rate * maxSpeechS) - window - 2 * pad : 0;
            this.splitSilence = (long) rate * SPLIT_SILENCE_MS / 1000;
            this.gate = gate;
            this.emitProbabilities = emitProbabilities;
            this.input = new float[context + window];
            this.state = new float[model.stateFloats()];
            this.resampler = resampler;
            if (resampler != null) {
                mono = new UnsafeBuffer(BufferUtil.allocateDirectAligned(BLOCK_FRAMES * 4, 64));
                resampled = new UnsafeBuffer(BufferUtil.allocateDirectAligned(
                        align(4 * resampler.maxOutputFrames(BLOCK_FRAMES)), 64));
            } else {
                mono = null;
                resampled = null;
            }
            this.probs = emitProbabilities ? new float[1024] : null;
            // the gate's hold, in model samples: an undecided segment start (speech_pad + min_speech +
            // min_silence), then an unresolved end (2 x speech_pad + min_silence), windows in between,
            // and a split's look-back (max_speech)
            long holdModel = 2 * pad + minSpeech + minSilence + 4L * window + (maxSpeech > 0 ? maxSpeech + 2 * pad : 0);
            double rsLatency = resampler == null ? 0 : resampler.latencySeconds();
            long cap = (long) Math.ceil(holdModel * (double) spec.sampleRate() / rate + rsLatency * spec.sampleRate()) + 4;
            this.pendingCap = (int) Math.min(Integer.MAX_VALUE / 4 / Math.max(1, spec.frameBytes()), cap);
            this.latency = gate ? (double) pendingCap / spec.sampleRate() : 0.0;
        }

        private static int align(int n) {
            return Math.max(64, (n + 63) & ~63);
        }

        @Override
        public AudioSpec outputSpec() {
            return spec;
        }

        @Override
        public int maxOutputFrames(int inputFrames) {
            return gate ? inputFrames + pendingCap : inputFrames;
        }

        @Override
        public int maxFlushFrames() {
            return gate ? pendingCap : 0;
        }

        @Override
        public double latencySeconds() {
            return latency;
        }

        @Override
        public long stateBytes() {
            return 4L * (input.length + state.length) + 24L * rawEnd.length + (probs == null ? 0 : 4L * probs.length)
                    + (fifo == null ? 0 : fifo.capacity()) + (mono == null ? 0 : mono.capacity() + resampled.capacity()
                    + resampler.memoryBytes());
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset) {
            AudioBlock in = inputs[0];
            int n = in.frames();
            analyse(in.buffer(), in.offset(), in.format(), n);
            long before = inTotal;
            inTotal += n;
            if (!gate) {
                out.putBytes(outOffset, in.buffer(), in.offset(), n * spec.frameBytes());
                emitted = inTotal;
                return n;
            }
            int written = emit(Math.min(toInput(frontier()), inTotal), before, in, out, outOffset);
            keepPending(before, in);
            return written;
        }

        @Override
        public int flush(MutableDirectBuffer out, int outOffset) {
            if (flushed) {
                return 0;
            }
            flushed = true;
            if (resampler != null) {
                int k = resampler.flush(resampled, 0);
                feed(resampled, k);
            }
            long length = fed;
            if (filled > 0) { // Silero pads the last window with zeros
                Arrays.fill(input, context + filled, input.length, 0f);
                fed += window - filled;
                filled = window;
                runWindow();
            }
            endOfStream(length);
            if (!gate) {
                return 0;
            }
            return emit(inTotal, inTotal, null, out, outOffset);
        }

        // ---- analysis ----

        /** Mono samples of the block into the model's windows, through the resampler if needed. */
        private void analyse(DirectBuffer b, int off, SampleFormat f, int n) {
            int ch = spec.channels();
            if (resampler == null) {
                for (int i = 0; i < n; i++) {
                    add(mix(b, off, f, i, ch));
                }
                return;
            }
            for (int done = 0; done < n; ) {
                int take = Math.min(BLOCK_FRAMES, n - done);
                for (int i = 0; i < take; i++) {
                    mono.putFloat(4 * i, mix(b, off, f, done + i, ch), SampleFormat.ORDER);
                }
                int k = resampler.process(mono, 0, SampleFormat.F32, take, resampled, 0);
                feed(resampled, k);
                done += take;
            }
        }

        /** Frame {@code i}'s channels averaged (one channel: the sample itself). */
        private static float mix(DirectBuffer b, int off, SampleFormat f, int i, int ch) {
            if (ch == 1) {
                return SampleKernels.decode(b, off, f, i);
            }
            float sum = 0f;
            for (int c = 0; c < ch; c++) {
                sum += SampleKernels.decode(b, off, f, i * ch + c);
            }
            return sum / ch;
        }

        private void feed(DirectBuffer f32, int frames) {
            for (int i = 0; i < frames; i++) {
                add(f32.getFloat(4 * i, SampleFormat.ORDER));
            }
        }

        private void add(float v) {
            input[context + filled++] = v;
            fed++;
            if (filled == window) {
                runWindow();
            }
        }

        private void runWindow() {
            float p = model.probability(rate, input, state);
            System.arraycopy(input, window, input, 0, context); // the next window's context
            filled = 0;
            if (emitProbabilities) {
                keepProbability(p);
            }
            deltaWindows++;
            decide(p, windows++ * window);
        }

        /**
         * One window's probability through Silero's get_speech_timestamps state machine ({@code at}:
         * the window's first model sample), then whatever became final.
         */
        private void decide(float p, long at) {
            boolean speech = p >= threshold;
            if (speech && tempEnd != 0) {
                tempEnd = 0;
                if (nextStart < prevEnd) {
                    nextStart = at;
                }
            }
            if (speech && !triggered) {
                triggered = true;
                confirmed = false;
                curStart = at;
                settle(at + window);
                return;
            }
            if (triggered && maxSpeech > 0 && at - curStart > maxSpeech) {
                if (prevEnd != 0) {
                    append(curStart, prevEnd);
                    if (nextStart < prevEnd) {
                        triggered = false;
                    } else {
                        openNext(nextStart);
                    }
                    prevEnd = 0;
                    nextStart = 0;
                    tempEnd = 0;
                } else {
                    append(curStart, at);
                    prevEnd = 0;
                    nextStart = 0;
                    tempEnd = 0;
                    triggered = false;
                    settle(at + window);
                    return;
                }
            }
            if (p < negThreshold && triggered) {
                if (tempEnd == 0) {
                    tempEnd = at;
                }
                if (at - tempEnd > splitSilence) {
                    prevEnd = tempEnd;
                }
                if (at - tempEnd >= minSilence) {
                    if (tempEnd - curStart > minSpeech) {
                        append(curStart, tempEnd);
                    }
                    prevEnd = 0;
                    nextStart = 0;
                    tempEnd = 0;
                    triggered = false;
                }
            }
            settle(at + window);
        }

        /** After a split, the next segment opens at once (kept: splits keep what they cut). */
        private void openNext(long start) {
            curStart = start;
            confirmed = false;
        }

        /**
         * Resolves what the windows up to {@code analysed} decide: whether the open segment will be
         * kept (its padded start is then known), and the previous segment's padded end.
         */
        private void settle(long analysed) {
            if (triggered && !confirmed && (tempEnd != 0 ? tempEnd : analysed) - curStart > minSpeech) {
                confirmed = true;
                openPadStart = padStart(curStart);
            }
            if (resolved < segCount) { // the last segment's end waits for the next start
                long e = rawEnd[segCount - 1];
                if (triggered && confirmed) {
                    resolveLast(curStart);
                } else if (triggered ? curStart >= e + 2 * pad : analysed >= e + 2 * pad) {
                    resolveLast(Long.MAX_VALUE);
                }
            }
        }

        /** The padded start of a segment starting at {@code start}, after the segments so far. */
        private long padStart(long start) {
            if (segCount == 0) {
                return Math.max(0, start - pad);
            }
            long gap = start - rawEnd[segCount - 1];
            return gap < 2 * pad ? Math.max(0, start - gap / 2) : Math.max(0, start - pad);
        }

        /** The last segment's padded end, given the next segment's start (MAX_VALUE: none near). */
        private void resolveLast(long nextRawStart) {
            int k = segCount - 1;
            long gap = nextRawStart - rawEnd[k];
            segEnd[k] = gap < 2 * pad ? rawEnd[k] + gap / 2 : rawEnd[k] + pad;
            resolved = segCount;
        }

        private void append(long start, long end) {
            long ps = padStart(start);
            if (resolved < segCount) {
                resolveLast(start);
            }
            if (segCount == rawEnd.length) {
                rawEnd = Arrays.copyOf(rawEnd, segCount * 2);
                segStart = Arrays.copyOf(segStart, segCount * 2);
                segEnd = Arrays.copyOf(segEnd, segCount * 2);
            }
            rawEnd[segCount] = end;
            segStart[segCount] = ps;
            segEnd[segCount] = -1;
            segCount++;
            confirmed = false;
        }

        private void endOfStream(long length) {
            if (triggered && length - curStart > minSpeech) {
                append(curStart, length);
            }
            triggered = false;
            if (resolved < segCount) {
                resolveLast(Long.MAX_VALUE);
            }
            for (int k = 0; k < segCount; k++) {
                segEnd[k] = Math.min(length, segEnd[k]);
            }
        }

        /** Model samples before this have final gate labels. */
        private long frontier() {
            long analysed = windows * window;
            long f = analysed - pad; // a segment starting at the next window reaches back this far
            if (triggered) {
                if (!confirmed) {
                    f = Math.min(f, curStart - pad);
                } else {
                    f = Math.min(f, tempEnd != 0 ? tempEnd : analysed);
                    if (maxSpeech > 0 && prevEnd != 0) {
                        f = Math.min(f, prevEnd); // a split may still cut here
                    }
                }
            }
            if (resolved < segCount) {
                f = Math.min(f, rawEnd[segCount - 1]);
            }
            return Math.max(0, f);
        }

        /** Model sample position to input frame position. */
        private long toInput(long modelPos) {
            return resampler == null ? modelPos : Math.round(modelPos * (double) spec.sampleRate() / rate);
        }

        // ---- gate ----

        /** Writes input positions [emitted, limit): audio inside segments, zeros outside. */
        private int emit(long limit, long fifoEnd, AudioBlock in, MutableDirectBuffer out, int outOffset) {
            long start = emitted;
            long pos = start;
            int fb = spec.frameBytes();
            while (pos < limit) {
                while (segCursor < resolved && toInput(segEnd[segCursor]) <= pos) {
                    segCursor++;
                }
                boolean speech;
                long runEnd;
                long nextSpeech = Long.MAX_VALUE;
                if (segCursor < segCount) {
                    long s = toInput(segStart[segCursor]);
                    if (s <= pos) {
                        speech = true;
                        runEnd = segCursor < resolved ? toInput(segEnd[segCursor]) : limit;
                    } else {
                        speech = false;
                        nextSpeech = s;
                        runEnd = s;
                    }
                } else if (triggered && confirmed && toInput(openPadStart) <= pos) {
                    speech = true;
                    runEnd = limit;
                } else {
                    speech = false;
                    runEnd = triggered && confirmed ? toInput(openPadStart) : nextSpeech;
                }
                runEnd = Math.min(runEnd, limit);
                int at = outOffset + (int) (pos - start) * fb;
                int len = (int) (runEnd - pos);
                if (speech) {
                    copy(pos, runEnd, fifoEnd, in, out, at);
                } else {
                    out.setMemory(at, len * fb, (byte) 0);
                }
                pos = runEnd;
            }
            emitted = Math.max(emitted, limit);
            return (int) (limit - start);
        }

        private void copy(long from, long to, long fifoEnd, AudioBlock in, MutableDirectBuffer out, int at) {
            int fb = spec.frameBytes();
            if (from < fifoEnd) {
                long upto = Math.min(to, fifoEnd);
                out.putBytes(at, fifo, (int) (from - fifoStart) * fb, (int) (upto - from) * fb);
                at += (int) (upto - from) * fb;
                from = upto;
            }
            if (from < to) {
                out.putBytes(at, in.buffer(), in.offset() + (int) (from - fifoEnd) * fb, (int) (to - from) * fb);
            }
        }

        /** After emitting: the FIFO becomes positions [emitted, inTotal). */
        private void keepPending(long before, AudioBlock in) {
            int fb = spec.frameBytes();
            long held = inTotal - emitted;
            if (held > pendingCap) {
                throw new IllegalStateException("SileroVAD gate holds " + held + " frames, more than its bound "
                        + pendingCap);
            }
            if (fifo == null || fifo.capacity() < held * fb) {
                grow((int) held * fb);
            }
            long fromFifo = Math.max(emitted, fifoStart);
            int keepOld = (int) Math.max(0, before - fromFifo);
            if (keepOld > 0 && fromFifo > fifoStart) {
                fifo.putBytes(0, fifo, (int) (fromFifo - fifoStart) * fb, keepOld * fb);
            }
            long fromIn = Math.max(emitted, before);
            int keepNew = (int) (inTotal - fromIn);
            if (keepNew > 0) {
                fifo.putBytes(keepOld * fb, in.buffer(), in.offset() + (int) (fromIn - before) * fb, keepNew * fb);
            }
            fifoStart = emitted;
        }

        /** A bigger FIFO (doubling up to the bound: rare, never in steady state), old bytes kept. */
        private void grow(int bytes) {
            int cap = fifo == null ? 64 * 1024 : fifo.capacity();
            while (cap < bytes) {
                cap *= 2;
            }
            cap = Math.min(Math.max(cap, bytes), align(pendingCap * spec.frameBytes()));
            UnsafeBuffer b = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(cap), 64));
            if (fifo != null) {
                b.putBytes(0, fifo, 0, fifo.capacity());
            }
            fifo = b;
        }

        // ---- data ----

        private void keepProbability(float p) {
            if (probCount == probs.length) {
                if (probCount >= RETAINED_PROBABILITIES) {
                    int drop = probCount / 2;
                    System.arraycopy(probs, drop, probs, 0, probCount - drop);
                    probCount -= drop;
                    probsOmitted += drop;
                    probDeltaFrom = Math.max(0, probDeltaFrom - drop);
                } else {
                    probs = Arrays.copyOf(probs, probCount * 2);
                }
            }
            probs[probCount++] = p;
        }

        @Override
        public void reset() {
            Arrays.fill(input, 0f);
            Arrays.fill(state, 0f);
            filled = 0;
            windows = 0;
            fed = 0;
            triggered = false;
            confirmed = false;
            curStart = 0;
            tempEnd = 0;
            prevEnd = 0;
            nextStart = 0;
            segCount = 0;
            resolved = 0;
            deltaFrom = 0;
            probCount = 0;
            probsOmitted = 0;
            probDeltaFrom = 0;
            deltaWindows = 0;
            fifoStart = 0;
            inTotal = 0;
            emitted = 0;
            segCursor = 0;
            flushed = false;
            if (resampler != null) {
                resampler.reset();
            }
        }

        @Override
        public void appendDataDelta(StringBuilder sb) {
            if (deltaWindows == 0 && deltaFrom == resolved) {
                return;
            }
            sb.append("{\"is_speech\":").append(triggered).append(",\"segments\":");
            segments(sb, deltaFrom, resolved);
            sb.append(",\"windows\":").append(deltaWindows);
            if (emitProbabilities) {
                sb.append(",\"probabilities\":");
                probabilities(sb, probDeltaFrom);
                probDeltaFrom = probCount;
            }
            sb.append('}');
            deltaFrom = resolved;
            deltaWindows = 0;
        }

        @Override
        public void appendDataSummary(StringBuilder sb) {
            sb.append("{\"is_speech\":").append(resolved > 0).append(",\"segments\":");
            segments(sb, 0, resolved);
            long speech = 0;
            for (int k = 0; k < resolved; k++) {
                speech += segEnd[k] - segStart[k];
            }
            sb.append(",\"windows\":").append(windows).append(",\"speech_ms\":");
            Json.number(sb, ms(speech));
            if (emitProbabilities) {
                sb.append(",\"window_ms\":");
                Json.number(sb, ms(window));
                if (probsOmitted > 0) {
                    sb.append(",\"probabilities_omitted\":").append(probsOmitted);
                }
                sb.append(",\"probabilities\":");
                probabilities(sb, 0);
            }
            sb.append('}');
        }

        private void segments(StringBuilder sb, int from, int to) {
            sb.append('[');
            for (int k = from; k < to; k++) {
                if (k > from) {
                    sb.append(',');
                }
                sb.append("{\"start_ms\":");
                Json.number(sb, ms(segStart[k]));
                sb.append(",\"end_ms\":");
                Json.number(sb, ms(segEnd[k]));
                sb.append('}');
            }
            sb.append(']');
        }

        private void probabilities(StringBuilder sb, int from) {
            sb.append('[');
            for (int k = from; k < probCount; k++) {
                if (k > from) {
                    sb.append(',');
                }
                Json.number(sb, Math.round(probs[k] * 10_000.0) / 10_000.0);
            }
            sb.append(']');
        }

        /** Model samples as ms, to the microsecond. */
        private double ms(long samples) {
            return Math.round(samples * 1_000_000.0 / rate) / 1000.0;
        }

        @Override
        public void appendCustomMetrics(StringBuilder sb) {
            sb.append("{\"windows\":").append(windows).append(",\"segments\":").append(resolved).append('}');
        }
    }
}
