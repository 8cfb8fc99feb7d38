package org.remotemedia.dsp.nodes;

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
import org.remotemedia.dsp.SampleKernels;
import org.remotemedia.dsp.filter.BiquadCascade;
import org.remotemedia.dsp.filter.BiquadDesign;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Ports;
import org.remotemedia.dsp.Problems;
import org.remotemedia.json.Json;

/**
 * VAD (alias RustVADNode): energy-based voice activity detection. Each frame of
 * {@code frame_duration_ms} is speech when its RMS over all channels reaches
 * {@code energy_threshold}; decisions are smoothed: a segment starts only after
 * {@code min_speech_ms} of consecutive speech frames (at the first of them), gaps shorter
 * than max({@code min_silence_ms}, {@code hangover_ms}) are bridged, and a segment ends
 * {@code hangover_ms} after its last speech frame. A trailing partial frame is judged on its
 * own samples. The audio passes through unchanged (same format), or with {@code gate} the
 * non-speech samples are zeroed, which needs the decisions and so delays streaming output.
 *
 * <p>Noise floor ({@code noise_floor: adaptive}, the default): when the background is loud (the
 * quietest frame of the last {@code noise_window_ms} is at most 5 dB under the threshold), a frame
 * is speech only if its level in the speech band (high-passed at 150 Hz, where rumble and brown
 * noise are gone) also rises {@code noise_margin_db} above that band's floor (the quietest
 * 100 ms average of the window). On clean audio pauses fall far below the threshold, the floor
 * never counts, and the decisions are those of the fixed threshold; {@code noise_floor: off} is
 * the fixed threshold alone.
 *
 * <p>Data: one-shot {@code {"is_speech": any speech, "segments": [{"start_ms", "end_ms"}],
 * "frames": frames analysed, "speech_ms": total}}; streaming deltas carry the current state,
 * the segments closed in that chunk and the frames analysed in it.
 */
public final class Vad extends NodeType {
    public static final String NAME = "VAD";

    public Vad() {
        super(NAME, "Energy-based voice activity detection with hangover and minimum durations; passes or gates the audio.",
                ParamSchema.of(
                        ParamSpec.integer("frame_duration_ms", 5, 100, 20L, "analysis frame length in ms"),
                        ParamSpec.number("energy_threshold", 0, 1, 0.01,
                                "RMS level (linear, full scale 1) at or above which a frame is speech; 0.01 = -40 dBFS"),
                        ParamSpec.integer("sample_rate", 1000, 768_000, null,
                                "expected input rate in Hz; must match the audio when given"),
                        ParamSpec.integer("hangover_ms", 0, 2000, 200L, "speech continues this long after its last speech frame"),
                        ParamSpec.integer("min_speech_ms", 0, 2000, 60L,
                                "consecutive speech needed to start a segment"),
                        ParamSpec.integer("min_silence_ms", 0, 2000, 100L,
                                "shorter gaps (or shorter than hangover_ms) are bridged"),
                        ParamSpec.bool("gate", false, "zero the audio outside speech segments"),
                        ParamSpec.choice("noise_floor", "adaptive", List.of("adaptive", "off"),
                                "adaptive: in a noisy background a frame must also rise noise_margin_db above the"
                                        + " noise floor in the speech band (above 150 Hz); off: energy_threshold alone"),
                        ParamSpec.number("noise_margin_db", 0, 40, 3.0,
                                "adaptive floor: how far above the noise floor a frame's speech-band level must be"),
                        ParamSpec.integer("noise_window_ms", 100, 30_000, 1000L,
                                "adaptive floor: the floor is the quietest (100 ms-averaged) level of this much"
                                        + " audio, and counts once this much has passed")),
                new Ports(1, 1, false, true, true));
    }

    @Override
    public String latencyDoc() {
        return "0 without gate; with gate (max(min_speech, max(min_silence, hangover) - hangover + 1 frame) + 1 frame)";
    }

    @Override
    public List<NodeExample> examples() {
        return List.of(
                new NodeExample("defaults f32 mono", Map.of(), List.of(new AudioSpec(16000, 1, SampleFormat.F32))),
                new NodeExample("gated i16 stereo 10 ms", Map.of("frame_duration_ms", 10, "gate", true,
                        "energy_threshold", 0.05), List.of(new AudioSpec(48000, 2, SampleFormat.I16))),
                new NodeExample("gated long hangover", Map.of("gate", true, "hangover_ms", 400, "min_speech_ms", 100,
                        "min_silence_ms", 50, "frame_duration_ms", 30), List.of(new AudioSpec(8000, 1, SampleFormat.I32))));
    }

    @Override
    public Node create(Params p, List<AudioSpec> inputs, Problems problems) {
        AudioSpec in = inputs.get(0);
        if (p.has("sample_rate") && p.integer("sample_rate") != in.sampleRate()) {
            problems.add("/params/sample_rate", "sample_rate = " + p.integer("sample_rate") + " Hz does not match the"
                    + " input audio's " + in.sampleRate() + " Hz: fix it, leave it out, or put an AudioResample before"
                    + " the VAD");
            return null;
        }
        int frameMs = p.intValue("frame_duration_ms");
        int floorFrames = p.string("noise_floor").equals("adaptive")
                ? Math.max(1, frames(p.intValue("noise_window_ms"), frameMs)) : 0;
        return new Instance(in, frameMs, p.number("energy_threshold"),
                p.intValue("hangover_ms"), p.intValue("min_speech_ms"), p.intValue("min_silence_ms"), p.bool("gate"),
                floorFrames, Math.pow(10, p.number("noise_margin_db") / 10));
    }

    /** The floor's band: above this the noises that defeat a full-band energy test (hum, rumble, brown noise) are gone. */
    static final double BAND_HZ = 150;
    /** The floor's band level is averaged over this long before its minimum is taken. */
    static final int SMOOTH_MS = 100;
    /** The floor counts once the quietest full-band frame of the window is at most 5 dB below energy_threshold. */
    static final double ACTIVE_BELOW_THRESHOLD = Math.pow(10, -0.5);
    private static final int BAND_BLOCK = 4096;

    /**
     * The least value of the last {@code window} added (by index): an ascending-minimum queue on a
     * ring, O(1) amortised, allocation-free. Owned by its VAD instance.
     */
    static final class WindowMin {
        private final int window;
        private final long[] idx;
        private final double[] val;
        private int head;
        private int size;

        WindowMin(int window) {
            this.window = window;
            this.idx = new long[window + 1];
            this.val = new double[window + 1];
        }

        /** Adds value {@code v} at index {@code i} (increasing); returns the least of indices (i - window, i]. */
        double add(long i, double v) {
            int cap = idx.length;
            while (size > 0 && val[(head + size - 1) % cap] >= v) {
                size--; // a newer value no larger outlives it
            }
            int tail = (head + size) % cap;
            idx[tail] = i;
            val[tail] = v;
            size++;
            while (idx[head] <= i - window) {
                head = (head + 1) % cap;
                size--;
            }
            return val[head];
        }

        void reset() {
            head = 0;
            size = 0;
        }
    }

    static int frames(int ms, int frameMs) {
        return (ms + frameMs - 1) / frameMs;
    }

    /** One VAD stream. Owned by the thread running its execution or session. */
    static final class Instance extends Node {
        private final AudioSpec spec;
        private final int frameLen;
        private final int frameBytes;
        private final double thresholdSq;
        private final int minSpeech;
        private final int hang;
        private final int gap;
        private final boolean gate;
        private final int pendingCap;

        // a frame split across calls, in its raw format (energies then match in-place ones bit for bit)
        private final UnsafeBuffer scratch;
        private int scratchFrames;
        // gating: audio not yet emitted, positions [emitted, inTotal)
        private final UnsafeBuffer fifo;

        private long inTotal;
        private long emitted;
        private long framesAnalyzed;
        private boolean inSpeech;
        private int run;
        private long runStart;
        private long lastSpeech;
        private long openStart;
        private int silRun;

        private long[] segStart = new long[16];
        private long[] segEnd = new long[16];
        private int segCount;
        private int segCursor;
        private int deltaSegFrom;
        private long deltaFrames;

        // adaptive floor (null band = off): the speech band's level smoothed over ~100 ms, and the
        // quietest of those over the last floorFrames frames; the full-band quietest frame says
        // whether the background is loud enough for the floor to count
        private final int floorFrames;
        private final double marginPower;
        private final double activeSq;
        private final BiquadCascade band;
        private final UnsafeBuffer bandBuf;
        private final UnsafeBuffer bandScratch;
        private int bandScratchFrames;
        private final double[] bandSums;
        private int bandQueued;
        private int bandTaken;
        private final double[] smooth;
        private long smoothCount;
        private final WindowMin fullMin;
        private final WindowMin bandMin;

        Instance(AudioSpec spec, int frameMs, double threshold, int hangMs, int minSpeechMs, int minSilenceMs, boolean gate,
                 int floorFrames, double marginPower) {
            this.floorFrames = floorFrames;
            this.marginPower = marginPower;
            this.activeSq = threshold * threshold * ACTIVE_BELOW_THRESHOLD;
            int frameLenForBand = Math.max(1, (int) Math.round(spec.sampleRate() * frameMs / 1000.0));
            if (floorFrames > 0) {
                int ch = spec.channels();
                band = new BiquadCascade(BiquadDesign.butterworth(true, 2, spec.sampleRate(),
                        Math.min(BAND_HZ, spec.sampleRate() * 0.45)), ch);
                bandBuf = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(BAND_BLOCK * 4 * ch), 64));
                bandScratch = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(frameLenForBand * 4 * ch), 64));
                bandSums = new double[BAND_BLOCK / frameLenForBand + 2];
                smooth = new double[Math.max(1, frames(SMOOTH_MS, frameMs))];
                fullMin = new WindowMin(floorFrames);
                bandMin = new WindowMin(floorFrames);
            } else {
                band = null;
                bandBuf = null;
                bandScratch = null;
                bandSums = null;
                smooth = null;
                fullMin = null;
                bandMin = null;
            }
            this.spec = spec;
            this.frameLen = Math.max(1, (int) Math.round(spec.sampleRate() * frameMs / 1000.0));
            this.frameBytes = spec.frameBytes();
            this.thresholdSq = threshold * threshold;
            this.minSpeech = Math.max(1, frames(minSpeechMs, frameMs));
            this.hang = frames(hangMs, frameMs);
            this.gap = Math.max(1, Math.max(frames(minSilenceMs, frameMs), hang));
            this.gate = gate;
            this.pendingCap = (Math.max(minSpeech, gap - hang + 1) + 1) * frameLen;
            this.scratch = new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(frameLen * frameBytes), 64));
            this.fifo = gate ? new UnsafeBuffer(BufferUtil.allocateDirectAligned(align(pendingCap * frameBytes), 64)) : null;
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
            return gate ? (double) (pendingCap - frameLen) / spec.sampleRate() : 0.0;
        }

        @Override
        public long stateBytes() {
            return scratch.capacity() + (fifo == null ? 0 : fifo.capacity()) + 16L * segStart.length
                    + (band == null ? 0 : bandBuf.capacity() + bandScratch.capacity() + band.stateBytes()
                    + 8L * (bandSums.length + smooth.length) + 32L * floorFrames);
        }

        @Override
        public int process(AudioBlock[] inputs, MutableDirectBuffer out, int outOffset) {
            AudioBlock in = inputs[0];
            int n = in.frames();
            DirectBuffer src = in.buffer();
            int off = in.offset();
            SampleFormat f = in.format();
            if (band == null) {
                walk(src, off, f, n);
            } else { // band levels of the frames completed in each block, then the frames themselves
                for (int at = 0; at < n; at += BAND_BLOCK) {
                    int take = Math.min(BAND_BLOCK, n - at);
                    walkBand(src, off + at * frameBytes, f, take);
                    walk(src, off + at * frameBytes, f, take);
                }
            }
            long before = inTotal;
            inTotal += n;
            if (!gate) {
                out.putBytes(outOffset, src, off, n * frameBytes);
                emitted = inTotal;
                return n;
            }
            long limit = Math.min(frontier() * frameLen, inTotal);
            int written = emit(limit, before, in, out, outOffset);
            keepPending(before, in);
            return written;
        }

        @Override
        public int flush(MutableDirectBuffer out, int outOffset) {
            if (scratchFrames > 0) {
                if (band != null) {
                    bandQueued = 1;
                    bandTaken = 0;
                    bandSums[0] = SampleKernels.sumSquares(bandScratch, 0, SampleFormat.F32,
                            bandScratchFrames * spec.channels());
                    bandScratchFrames = 0;
                }
                decide(SampleKernels.sumSquares(scratch, 0, spec.format(), scratchFrames * spec.channels()),
                        scratchFrames);
                scratchFrames = 0;
            }
            if (inSpeech) {
                close(Math.min((lastSpeech + 1 + hang) * frameLen, inTotal));
            }
            run = 0;
            if (!gate) {
                return 0;
            }
            return emit(inTotal, inTotal, null, out, outOffset);
        }

        /** Splits {@code n} frames into analysis frames (a split one kept in scratch) and decides each. */
        private void walk(DirectBuffer src, int off, SampleFormat f, int n) {
            int i = 0;
            if (scratchFrames > 0) { // complete the split frame
                int take = Math.min(n, frameLen - scratchFrames);
                scratch.putBytes(scratchFrames * frameBytes, src, off, take * frameBytes);
                scratchFrames += take;
                i = take;
                if (scratchFrames == frameLen) {
                    decide(SampleKernels.sumSquares(scratch, 0, f, frameLen * spec.channels()), frameLen);
                    scratchFrames = 0;
                }
            }
            for (; i + frameLen <= n; i += frameLen) {
                decide(SampleKernels.sumSquares(src, off + i * frameBytes, f, frameLen * spec.channels()), frameLen);
            }
            if (i < n) {
                scratch.putBytes(0, src, off + i * frameBytes, (n - i) * frameBytes);
                scratchFrames = n - i;
            }
        }

        /**
         * The floor's band (high-passed at {@link #BAND_HZ}) over the same frames as {@link #walk}: queues
         * each completed frame's sum of squares for {@link #decide}; a split frame's filtered samples wait
         * in bandScratch so its sum is taken in one pass, as in one-shot use.
         */
        private void walkBand(DirectBuffer src, int off, SampleFormat f, int n) {
            int ch = spec.channels();
            band.process(src, off, f, n, bandBuf, 0);
            bandQueued = 0;
            bandTaken = 0;
            int i = 0;
            if (bandScratchFrames > 0) {
                int take = Math.min(n, frameLen - bandScratchFrames);
                bandScratch.putBytes(bandScratchFrames * 4 * ch, bandBuf, 0, take * 4 * ch);
                bandScratchFrames += take;
                i = take;
                if (bandScratchFrames == frameLen) {
                    bandSums[bandQueued++] = SampleKernels.sumSquares(bandScratch, 0, SampleFormat.F32, frameLen * ch);
                    bandScratchFrames = 0;
                }
            }
            for (; i + frameLen <= n; i += frameLen) {
                bandSums[bandQueued++] = SampleKernels.sumSquares(bandBuf, i * 4 * ch, SampleFormat.F32, frameLen * ch);
            }
            if (i < n) {
                bandScratch.putBytes(0, bandBuf, i * 4 * ch, (n - i) * 4 * ch);
                bandScratchFrames = n - i;
            }
        }

        /** Frames before this analysis-frame index have final labels. */
        private long frontier() {
            if (inSpeech) {
                return lastSpeech + 1 + hang;
            }
            return run > 0 ? runStart : framesAnalyzed;
        }

        private void decide(double sumSq, int frames) {
            long fIdx = framesAnalyzed++;
            boolean speech = sumSq >= thresholdSq * frames * spec.channels();
            if (band != null) {
                double samples = (double) frames * spec.channels();
                double bandLevel = bandSums[bandTaken++] / samples;
                double quietest = fullMin.add(fIdx, sumSq / samples);
                double floor = bandMin.add(fIdx, smooth(bandLevel));
                if (speech && fIdx + 1 >= floorFrames && quietest >= activeSq) {
                    speech = bandLevel >= floor * marginPower;
                }
            }
            deltaFrames++;
            if (!inSpeech) {
                if (speech) {
                    if (run++ == 0) {
                        runStart = fIdx;
                    }
                    if (run >= minSpeech) {
                        inSpeech = true;
                        openStart = runStart;
                        lastSpeech = fIdx;
                        silRun = 0;
                        run = 0;
                    }
                } else {
                    run = 0;
                }
            } else if (speech) {
                lastSpeech = fIdx;
                silRun = 0;
            } else if (++silRun >= gap) {
                close((lastSpeech + 1 + hang) * frameLen);
            }
        }

        /** The band level averaged over the last {@code smooth.length} frames (summed in a fixed order). */
        private double smooth(double level) {
            smooth[(int) (smoothCount++ % smooth.length)] = level;
            int k = (int) Math.min(smoothCount, smooth.length);
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += smooth[j];
            }
            return sum / k;
        }

        private void close(long endSample) {
            if (segCount == segStart.length) {
                segStart = java.util.Arrays.copyOf(segStart, segCount * 2);
                segEnd = java.util.Arrays.copyOf(segEnd, segCount * 2);
            }
            segStart[segCount] = openStart * frameLen;
            segEnd[segCount] = endSample;
            segCount++;
            inSpeech = false;
            silRun = 0;
        }

        /**
         * Writes positions [emitted, limit) with silence outside speech; positions before
         * {@code fifoEnd} come from the FIFO, later ones from {@code in}.
         */
        private int emit(long limit, long fifoEnd, AudioBlock in, MutableDirectBuffer out, int outOffset) {
            long start = emitted;
            long pos = start;
            while (pos < limit) {
                while (segCursor < segCount && segEnd[segCursor] <= pos) {
                    segCursor++;
                }
                long runEnd;
                boolean speech;
                if (segCursor < segCount && segStart[segCursor] <= pos) {
                    speech = true;
                    runEnd = Math.min(segEnd[segCursor], limit);
                } else if (inSpeech && openStart * frameLen <= pos) {
                    speech = true;
                    runEnd = limit;
                } else {
                    speech = false;
                    long next = segCursor < segCount ? segStart[segCursor] : Long.MAX_VALUE;
                    if (inSpeech) {
                        next = Math.min(next, openStart * frameLen);
                    }
                    runEnd = Math.min(next, limit);
                }
                int at = outOffset + (int) (pos - start) * frameBytes;
                int len = (int) (runEnd - pos);
                if (!speech) {
                    out.setMemory(at, len * frameBytes, (byte) 0);
                } else {
                    copy(pos, runEnd, fifoEnd, in, out, at);
                }
                pos = runEnd;
            }
            emitted = Math.max(emitted, limit);
            return (int) (limit - start);
        }

        private void copy(long from, long to, long fifoEnd, AudioBlock in, MutableDirectBuffer out, int at) {
            if (from < fifoEnd) {
                long upto = Math.min(to, fifoEnd);
                // FIFO holds positions [fifoStart, fifoEnd) from byte 0, where fifoStart = fifoEnd - pending
                out.putBytes(at, fifo, (int) (from - fifoStart) * frameBytes, (int) (upto - from) * frameBytes);
                at += (int) (upto - from) * frameBytes;
                from = upto;
            }
            if (from < to) {
                out.putBytes(at, in.buffer(), in.offset() + (int) (from - fifoEnd) * frameBytes,
                        (int) (to - from) * frameBytes);
            }
        }

        private long fifoStart;

        /** After emitting: the FIFO becomes positions [emitted, inTotal). */
        private void keepPending(long before, AudioBlock in) {
            long fromFifo = Math.max(emitted, fifoStart);
            int keepOld = (int) Math.max(0, before - fromFifo);
            if (keepOld > 0 && fromFifo > fifoStart) {
                fifo.putBytes(0, fifo, (int) (fromFifo - fifoStart) * frameBytes, keepOld * frameBytes);
            }
            long fromIn = Math.max(emitted, before);
            int keepNew = (int) (inTotal - fromIn);
            if (keepNew > 0) {
                fifo.putBytes(keepOld * frameBytes, in.buffer(), in.offset() + (int) (fromIn - before) * frameBytes,
                        keepNew * frameBytes);
            }
            fifoStart = emitted;
            if (keepOld + keepNew > pendingCap) {
                throw new IllegalStateException("VAD pending audio " + (keepOld + keepNew) + " > " + pendingCap);
            }
        }

        @Override
        public void reset() {
            scratchFrames = 0;
            inTotal = 0;
            emitted = 0;
            fifoStart = 0;
            framesAnalyzed = 0;
            inSpeech = false;
            run = 0;
            silRun = 0;
            segCount = 0;
            segCursor = 0;
            deltaSegFrom = 0;
            deltaFrames = 0;
            if (band != null) {
                band.reset();
                bandScratchFrames = 0;
                smoothCount = 0;
                fullMin.reset();
                bandMin.reset();
            }
        }

        @Override
        public void appendDataDelta(StringBuilder sb) {
            if (deltaFrames == 0 && deltaSegFrom == segCount) {
                return;
            }
            sb.append("{\"is_speech\":").append(inSpeech).append(",\"segments\":");
            segments(sb, deltaSegFrom, segCount);
            sb.append(",\"frames\":").append(deltaFrames).append('}');
            deltaSegFrom = segCount;
            deltaFrames = 0;
        }

        @Override
        public void appendDataSummary(StringBuilder sb) {
            sb.append("{\"is_speech\":").append(segCount > 0).append(",\"segments\":");
            segments(sb, 0, segCount);
            long speech = 0;
            for (int k = 0; k < segCount; k++) {
                speech += segEnd[k] - segStart[k];
            }
            sb.append(",\"frames\":").append(framesAnalyzed).append(",\"speech_ms\":");
            Json.number(sb, ms(speech));
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

        private double ms(long samples) {
            return Math.round(samples * 1_000_000.0 / spec.sampleRate()) / 1000.0;
        }

        @Override
        public void appendCustomMetrics(StringBuilder sb) {
            sb.append("{\"frames\":").append(framesAnalyzed).append(",\"segments\":").append(segCount).append('}');
        }
    }
}
