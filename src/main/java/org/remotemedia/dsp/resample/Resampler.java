package org.remotemedia.dsp.resample;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * One sample-rate converter for one stream: band-limited polyphase interpolation with a
 * Kaiser-windowed sinc, linear phase and zero net delay. Output frame {@code k} is the input
 * signal (zero before its first and after its last frame) evaluated at time {@code k / outputRate},
 * so one process() of everything plus flush() and any chunking of the same input give the same
 * output, bit for bit. Deep downsampling runs in two stages (a {@link HalfBandDecimator}, then
 * the polyphase stage at half the rate). Input is decoded in place into a float history (F32 and I16 exactly,
 * I32 to float's 24-bit precision); output is interleaved little-endian F32. Design, presets and
 * measured quality: docs/resampler.md.
 *
 * <p>Single-threaded: owned by whichever thread runs the stream's node; state is carried across
 * calls. No allocation after {@link #create}.
 */
public final class Resampler {
    static final int MIN_RATE = 1_000;
    static final int MAX_RATE = 768_000;
    static final int MAX_CHANNELS = 64;
    /** Input frames decoded into the history per pass of the kernel loop (at least; see capacity). */
    static final int BLOCK_FRAMES = 2048;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final int inputRate;
    private final int outputRate;
    private final int channels;
    private final ResampleQuality quality;
    private final FilterBank bank;
    /** Deep downsampling: the half-band stage before the polyphase one (which then runs at half
     *  the input rate); null otherwise. */
    private final HalfBandDecimator halfBand;
    private final int up;
    private final int down;
    private final int downWhole;
    private final int downRest;
    private final int taps;
    private final int half;
    /** Per-channel history capacity (frames); channel c lives at [c * capacity, (c + 1) * capacity). */
    private final int capacity;
    private final float[] history;
    private final double[] scratch = new double[FirKernels.SCRATCH];
    private final int[] groupStarts = new int[4];
    private final int[] groupRows = new int[4];
    /** Outputs (mono) or channels per kernel pass: 4 or 2; package-private for the benchmark. */
    int group = 4;
    /** Integer upsampling (input rate divides the output rate): one block of LANES input
     *  positions x up phases, vectorized across time; null otherwise. */
    private final float[] timeBlock;
    /** Whether integer upsampling runs vectorized across time (default) rather than across taps;
     *  package-private for the benchmark. */
    boolean acrossTime = true;
    /** Across time: two or three phases per pass, sharing each input vector (default); package-private for the benchmark. */
    boolean sharedLoads = true;
    /** Exact ratios (not integer upsampling): outputs in blocks across time (default) rather than
     *  per-output products across taps; package-private for the benchmark. */
    boolean blockKernels = true;
    /** Block kernels: pairs of blocks one pattern period apart share each coefficient load
     *  (default) rather than one block per pass; package-private for the benchmark. */
    boolean pairedBlocks = true;
    private final float[] blockOut = new float[2 * FirKernels.LANES];
    private final float[] laneAcc = new float[8];
    /** Vector kernels (default) or the scalar double-accumulating reference; package-private for benchmarks and tests. */
    boolean vectorKernels = true;

    /** Absolute input index of history[0] (negative before the first input: leading zeros). */
    private long historyStart;
    /** Valid frames in the history. */
    private int filled;
    private long inputTotal;
    private long outputTotal;
    /** Integer part and phase numerator (over up) of the next output's input time. */
    private long nextIndex;
    private int nextPhase;
    /** Block kernels: the pattern (of the bank's repeating blocks) of the block holding the next output. */
    private int blockPattern;
    private boolean flushed;

    private Resampler(int inputRate, int outputRate, int channels, ResampleQuality quality, boolean twoStage) {
        this.inputRate = inputRate;
        this.outputRate = outputRate;
        this.channels = channels;
        this.quality = quality;
        double stopHz = quality.stopEdge * outputRate / 2.0;
        boolean useHalfBand = twoStage && inputRate > outputRate && HalfBandDecimator.applies(stopHz, inputRate);
        // the polyphase stage converts from the half-band stage's rate, inputRate / 2
        int g = useHalfBand ? gcd(inputRate, 2 * outputRate) : gcd(inputRate, outputRate);
        this.up = (useHalfBand ? 2 * outputRate : outputRate) / g;
        this.down = inputRate / g;
        this.downWhole = down / up;
        this.downRest = down % up;
        if (up == down) {
            bank = null;
            taps = 0;
            half = 0;
            capacity = 0;
            history = null;
        } else {
            bank = FilterBank.of(up, down, quality);
            taps = bank.taps;
            half = bank.half;
            // long kernels (deep downsampling) decode more per pass, so sliding the window down
            // costs at most one copied frame per input frame
            capacity = taps + Math.max(BLOCK_FRAMES, taps);
            history = new float[capacity * channels];
        }
        halfBand = useHalfBand ? new HalfBandDecimator(stopHz, inputRate, quality.attenuationDb, channels, half) : null;
        timeBlock = bank != null && down == 1 && !bank.interpolated ? new float[up * FirKernels.LANES] : null;
        reset();
    }

    public static Resampler create(int inputRate, int outputRate, int channels, ResampleQuality q) {
        checkArguments(inputRate, outputRate, channels, q);
        return new Resampler(inputRate, outputRate, channels, q, true);
    }

    /** As {@link #create}; {@code twoStage = false} keeps deep downsampling in one polyphase
     *  stage (the design before the half-band stage; for benchmarks and tests). */
    static Resampler create(int inputRate, int outputRate, int channels, ResampleQuality q, boolean twoStage) {
        checkArguments(inputRate, outputRate, channels, q);
        return new Resampler(inputRate, outputRate, channels, q, twoStage);
    }

    private static void checkArguments(int inputRate, int outputRate, int channels, ResampleQuality q) {
        checkRate("inputRate", inputRate);
        checkRate("outputRate", outputRate);
        if (channels < 1 || channels > MAX_CHANNELS) {
            throw new IllegalArgumentException("channels is " + channels + "; allowed 1.." + MAX_CHANNELS);
        }
        if (q == null) {
            throw new IllegalArgumentException("quality is missing; allowed low, medium, high, very_high");
        }
    }

    private static void checkRate(String name, int rate) {
        if (rate < MIN_RATE || rate > MAX_RATE) {
            throw new IllegalArgumentException(name + " is " + rate + " Hz; allowed " + MIN_RATE + ".." + MAX_RATE + " Hz");
        }
    }

    /** Output frames a one-shot conversion of n input frames yields: round(n * out / in), as sox. */
    public static long outputFrames(long inputFrames, int inputRate, int outputRate) {
        int g = gcd(inputRate, outputRate);
        long up = outputRate / g;
        long down = inputRate / g;
        return Math.addExact(Math.multiplyExact(inputFrames, 2 * up), down) / (2 * down);
    }

    /** Upper bound of frames process() may write for this many input frames. */
    public int maxOutputFrames(int inputFrames) {
        if (bank == null) {
            return inputFrames;
        }
        if (halfBand != null) {
            // outputs released by n input frames: their windows end within n + 2 frames
            long bound = ((long) (inputFrames + 2) * outputRate + inputRate - 1) / inputRate + 1;
            return (int) Math.min(Integer.MAX_VALUE, bound);
        }
        long bound = ((long) inputFrames * up + down - 1) / down + 1;
        return (int) Math.min(Integer.MAX_VALUE, bound);
    }

    /**
     * Consumes inputFrames interleaved frames of {@code format} from {@code in} at byte offset
     * inOffset and writes interleaved little-endian F32 frames into {@code out} at outOffset
     * (room for {@link #maxOutputFrames} frames). Returns frames written.
     */
    public int process(DirectBuffer in, int inOffset, SampleFormat format, int inputFrames,
                       MutableDirectBuffer out, int outOffset) {
        if (flushed) {
            throw new IllegalStateException("process() after flush(): call reset() to start a new stream");
        }
        if (inputFrames < 0) {
            throw new IllegalArgumentException("inputFrames is " + inputFrames + "; must be >= 0");
        }
        long inBytes = (long) inputFrames * channels * format.bytesPerSample();
        if (inOffset < 0 || inOffset + inBytes > in.capacity()) {
            throw new IllegalArgumentException("input of " + inputFrames + " frames x " + channels + " channels "
                    + format + " at byte " + inOffset + " needs " + inBytes + " bytes; the buffer holds " + in.capacity());
        }
        checkRoom(out, outOffset, maxOutputFrames(inputFrames), inputFrames);
        if (bank == null) {
            return passThrough(in, inOffset, format, inputFrames, out, outOffset);
        }
        int frameBytesIn = format.bytesPerSample() * channels;
        int frameBytesOut = 4 * channels;
        int written = 0;
        int consumed = 0;
        if (halfBand != null) {
            while (consumed < inputFrames) {
                int take = Math.min(inputFrames - consumed, halfBand.room());
                halfBand.decode(in, inOffset + consumed * frameBytesIn, format, take);
                consumed += take;
                inputTotal += take;
                written += pump(out, outOffset + written * frameBytesOut, Long.MAX_VALUE, consumed < inputFrames);
            }
            return written;
        }
        while (consumed < inputFrames) {
            if (filled == capacity) {
                compact();
            }
            int take = Math.min(inputFrames - consumed, capacity - filled);
            decode(in, inOffset + consumed * frameBytesIn, format, take);
            filled += take;
            consumed += take;
            inputTotal += take;
            written += produce(out, outOffset + written * frameBytesOut, Long.MAX_VALUE, consumed < inputFrames);
        }
        return written;
    }

    /**
     * End of stream: writes every remaining frame (the filter's tail over zero input); afterwards
     * the total written since create()/reset() equals outputFrames(total input). Returns frames
     * written (at most {@link #maxFlushFrames}).
     */
    public int flush(MutableDirectBuffer out, int outOffset) {
        if (flushed) {
            return 0;
        }
        if (bank == null) {
            flushed = true;
            return 0;
        }
        long target = outputFrames(inputTotal, inputRate, outputRate);
        checkRoom(out, outOffset, target - outputTotal, -1);
        int written = 0;
        while (halfBand != null && outputTotal < target) {
            halfBand.zeros(halfBand.room());
            written += pump(out, outOffset + written * 4 * channels, target, false);
        }
        while (outputTotal < target) {
            if (filled == capacity) {
                compact();
            }
            int zeros = capacity - filled;
            for (int c = 0; c < channels; c++) {
                java.util.Arrays.fill(history, c * capacity + filled, c * capacity + capacity, 0.0f);
            }
            filled += zeros;
            written += produce(out, outOffset + written * 4 * channels, target, false);
        }
        flushed = true;
        return written;
    }

    /** @param inputFrames the process() call's input, or -1 for flush() (message only: no garbage when it passes) */
    private void checkRoom(MutableDirectBuffer out, int outOffset, long frames, int inputFrames) {
        long bytes = frames * channels * 4;
        if (outOffset < 0 || outOffset + bytes > out.capacity()) {
            String what = inputFrames < 0 ? "the remaining tail" : "maxOutputFrames(" + inputFrames + ")";
            throw new IllegalArgumentException("output needs room for " + what + " = " + frames + " frames x "
                    + channels + " channels F32 = " + bytes + " bytes at byte " + outOffset
                    + "; the buffer holds " + out.capacity());
        }
    }

    /** Upper bound of frames flush() writes. */
    public int maxFlushFrames() {
        if (bank == null) {
            return 0;
        }
        if (halfBand != null) {
            long lag = lookAheadFrames() + 2;
            return (int) ((lag * outputRate + inputRate - 1) / inputRate + 2);
        }
        return (int) (((long) (taps - half) * up + down - 1) / down + 2);
    }

    /** Input frames an output waits for beyond its own instant (both stages' look-ahead). */
    private long lookAheadFrames() {
        return halfBand == null ? taps - half : 2L * (taps - half) + halfBand.lookAhead();
    }

    /** How far output lags input in streaming use, in seconds (the kernels' look-ahead). */
    public double latencySeconds() {
        return bank == null ? 0.0 : (double) lookAheadFrames() / inputRate;
    }

    /** Forgets the stream: the next process() starts a new one. */
    public void reset() {
        inputTotal = 0;
        outputTotal = 0;
        nextIndex = 0;
        nextPhase = 0;
        blockPattern = 0;
        flushed = false;
        if (bank != null) {
            // the first output's window starts half - 1 frames before input frame 0: zeros
            // (two stages: the half-band stage's outputs there, computed from zero input)
            historyStart = -(half - 1);
            filled = halfBand == null ? half - 1 : 0;
            java.util.Arrays.fill(history, 0.0f);
            if (halfBand != null) {
                halfBand.reset(historyStart);
            }
        }
    }

    /**
     * Runs every kernel until the JIT has compiled it: each case repeats 0.1 s blocks until three
     * in a row convert faster than 10 M samples/s (interpreted Vector API code runs ~1000x
     * slower), at most 400 blocks a case. Until then the first second of audio through a cold
     * JVM takes over a second. Uses off-heap buffers, as the engine does, so the compiled code
     * is the code requests will run. For the daemon to call once at start-up (on any thread; it
     * touches no shared state except the filter-bank cache); 2.5-4 s measured at load 10-15 on
     * 2 cores. Returns frames produced (so the work cannot be optimized away).
     */
    public static long warmUp() {
        long produced = 0;
        // two stages mono and stereo, one stage across taps, across time (integer upsampling),
        // interpolated phases
        int[][] cases = {{44100, 16000, 1}, {48000, 16000, 2}, {48000, 44100, 1}, {16000, 48000, 1}, {44100, 44101, 1}};
        SampleFormat[] formats = {SampleFormat.F32, SampleFormat.I16, SampleFormat.I32};
        for (int[] c : cases) {
            for (SampleFormat f : formats) {
                Resampler r = create(c[0], c[1], c[2], ResampleQuality.HIGH);
                int frames = c[0] / 10;
                UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(frames * c[2] * f.bytesPerSample()));
                for (int i = 0; i < frames * c[2]; i++) {
                    f.write(in, 0, i, 0.5 * Math.sin(i * 0.01));
                }
                UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect(
                        Math.max(r.maxOutputFrames(frames), r.maxFlushFrames()) * c[2] * 4));
                long fastNs = (long) frames * c[2] * 100; // 10 M samples/s
                int fast = 0;
                for (int i = 0; i < 400 && fast < 3; i++) {
                    long t0 = System.nanoTime();
                    produced += r.process(in, 0, f, frames, out, 0);
                    fast = System.nanoTime() - t0 < fastNs ? fast + 1 : 0;
                }
                produced += r.flush(out, 0);
            }
        }
        return produced;
    }

    public int inputRate() {
        return inputRate;
    }

    public int outputRate() {
        return outputRate;
    }

    public int channels() {
        return channels;
    }

    public ResampleQuality quality() {
        return quality;
    }

    /** Total input frames consumed since create()/reset(). */
    public long inputFramesTotal() {
        return inputTotal;
    }

    /** Total output frames written since create()/reset(). */
    public long outputFramesTotal() {
        return outputTotal;
    }

    /**
     * Bytes this converter holds: its history, plus its filter bank (shared with every other
     * converter of the same ratio and preset while the bank cache has room).
     */
    public long memoryBytes() {
        if (bank == null) {
            return 0;
        }
        return 4L * history.length + 4L * bank.coef.length + (bank.delta == null ? 0 : 4L * bank.delta.length)
                + (bank.blocks == null ? 0 : 4L * bank.blocks.length) + (halfBand == null ? 0 : halfBand.memoryBytes());
    }

    /** Phases stored in the coefficient table (the reduced up factor in exact mode). */
    public int filterPhases() {
        return bank == null ? 1 : bank.phases;
    }

    /** Whether coefficients are interpolated between stored phases (odd rate pairs). */
    public boolean interpolatedPhases() {
        return bank != null && bank.interpolated;
    }

    /** Whether a half-band stage halves the rate before the polyphase stage (deep downsampling). */
    public boolean halfBandStage() {
        return halfBand != null;
    }

    /** Taps per output frame of the polyphase stage (including zero padding). */
    public int filterTaps() {
        return taps;
    }

    // ---------------------------------------------------------------------------------------

    private int passThrough(DirectBuffer in, int inOffset, SampleFormat format, int frames,
                            MutableDirectBuffer out, int outOffset) {
        int n = frames * channels;
        switch (format) {
            case F32 -> out.putBytes(outOffset, in, inOffset, n * 4);
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    out.putFloat(outOffset + 4 * i, in.getShort(inOffset + 2 * i, LE) * (1.0f / 32768f), LE);
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out.putFloat(outOffset + 4 * i, (float) (in.getInt(inOffset + 4 * i, LE) * (1.0 / 2147483648.0)), LE);
                }
            }
            default -> throw new AssertionError(format);
        }
        inputTotal += frames;
        outputTotal += frames;
        return frames;
    }

    /** Decodes and de-interleaves frames into the history after the valid part. */
    private void decode(DirectBuffer in, int offset, SampleFormat format, int frames) {
        int ch = channels;
        float[] h = history;
        int cap = capacity;
        int base = filled;
        switch (format) {
            case F32 -> {
                for (int c = 0; c < ch; c++) {
                    int dst = c * cap + base;
                    int src = offset + 4 * c;
                    for (int i = 0; i < frames; i++) {
                        h[dst + i] = in.getFloat(src + i * 4 * ch, LE);
                    }
                }
            }
            case I16 -> {
                for (int c = 0; c < ch; c++) {
                    int dst = c * cap + base;
                    int src = offset + 2 * c;
                    for (int i = 0; i < frames; i++) {
                        h[dst + i] = in.getShort(src + i * 2 * ch, LE) * (1.0f / 32768f);
                    }
                }
            }
            case I32 -> {
                for (int c = 0; c < ch; c++) {
                    int dst = c * cap + base;
                    int src = offset + 4 * c;
                    for (int i = 0; i < frames; i++) {
                        h[dst + i] = (float) (in.getInt(src + i * 4 * ch, LE) * (1.0 / 2147483648.0));
                    }
                }
            }
            default -> throw new AssertionError(format);
        }
    }

    /** Two stages: moves every ready half-band output into the history and converts it. */
    private int pump(MutableDirectBuffer out, int outOffset, long limit, boolean inputFollows) {
        int written = 0;
        while (true) {
            if (filled == capacity) {
                compact();
            }
            int z = halfBand.produce(history, capacity, filled, capacity - filled);
            filled += z;
            // while the half-band stage still delivers, a block short of inputs waits for them
            written += produce(out, outOffset + written * 4 * channels, limit, inputFollows || z > 0);
            if (z == 0 || outputTotal >= limit) {
                return written;
            }
        }
    }

    /** Drops history frames no future output needs. */
    private void compact() {
        long firstNeeded = nextIndex - half + 1;
        int drop = (int) Math.min(filled, firstNeeded - historyStart);
        if (drop <= 0) {
            return;
        }
        int keep = filled - drop;
        for (int c = 0; c < channels; c++) {
            int at = c * capacity;
            System.arraycopy(history, at + drop, history, at, keep);
        }
        historyStart += drop;
        filled = keep;
    }

    /**
     * Writes every output frame whose window lies in the history, up to {@code limit} in total.
     * {@code inputFollows}: more input comes before the caller returns, so the block kernels may
     * leave outputs that do not yet complete a block for the next pass (see produceBlocks).
     */
    private int produce(MutableDirectBuffer out, int outOffset, long limit, boolean inputFollows) {
        if (bank.interpolated || !vectorKernels) {
            return producePerOutput(out, outOffset, limit);
        }
        if (timeBlock != null && acrossTime) {
            return produceAcrossTime(out, outOffset, limit);
        }
        if (bank.blocks != null && blockKernels) {
            return produceBlocks(out, outOffset, limit, inputFollows);
        }
        return channels == 1 ? produceMono(out, outOffset, limit) : produceChannels(out, outOffset, limit);
    }

    /** Start (history index) of the next output's window. */
    private int nextStart() {
        return (int) (nextIndex - half + 1 - historyStart);
    }

    private void advance() {
        nextIndex += downWhole;
        nextPhase += downRest;
        if (nextPhase >= up) {
            nextPhase -= up;
            nextIndex++;
        }
        outputTotal++;
    }

    /**
     * Exact ratios, LANES outputs at once ({@link FirKernels#block}) whenever the next output starts
     * a block (its absolute index a multiple of LANES) and the whole block's inputs are here;
     * otherwise one output by {@link FirKernels#blockLane}, which computes it identically, so the
     * output does not depend on the chunking. A block whose inputs are not all here waits for
     * them when {@code inputFollows} (the rest of the same call's input): one lane at a time costs
     * about as much as a whole block, and every history refill of a long call would otherwise end
     * with up to LANES - 1 of them.
     */
    private int produceBlocks(MutableDirectBuffer out, int outOffset, long limit, boolean inputFollows) {
        FilterBank b = bank;
        float[] table = b.blocks;
        int width = b.blockWidth;
        float[] h = history;
        float[] block = blockOut;
        int n = taps;
        int ch = channels;
        int cap = capacity;
        int lanes = FirKernels.LANES;
        int frameBytes = 4 * ch;
        int written = 0;
        int at = outOffset;
        while (outputTotal < limit) {
            int start = nextStart();
            if (start + n > filled) {
                break;
            }
            int pattern = blockPattern;
            int co = pattern * width * lanes;
            int lane = (int) (outputTotal & (lanes - 1));
            if (lane == 0) {
                // whole blocks while their inputs are here
                long blocksLeft = (limit - outputTotal) / lanes;
                if (pairedBlocks) {
                    int count = b.blockCount;
                    int period = b.blockPeriod;
                    int last = pattern == 0 ? count - 1 : pattern - 1;
                    int periodBytes = count * lanes * frameBytes;
                    // two periods of blocks at once: block i with block i + count (the same
                    // matrix), while the group's last block has its inputs (as below)
                    while (blocksLeft >= 2L * count) {
                        int lastStart = start + 2 * period - b.blockSteps[last];
                        if (lastStart + width > filled || lastStart + b.blockOffsets[last * lanes + lanes - 1] + n > filled) {
                            break;
                        }
                        for (int i = 0; i < count; i++) {
                            co = pattern * width * lanes;
                            if (ch == 1) {
                                FirKernels.block2(h, start, start + period, table, co, width, block, 0, lanes);
                                for (int t = 0; t < lanes; t += 2) {
                                    out.putLong(at + 4 * t, (Float.floatToRawIntBits(block[t]) & 0xFFFF_FFFFL)
                                            | ((long) Float.floatToRawIntBits(block[t + 1]) << 32), LE);
                                    out.putLong(at + periodBytes + 4 * t,
                                            (Float.floatToRawIntBits(block[lanes + t]) & 0xFFFF_FFFFL)
                                            | ((long) Float.floatToRawIntBits(block[lanes + t + 1]) << 32), LE);
                                }
                            } else {
                                for (int c = 0; c < ch; c++) {
                                    FirKernels.block2(h, c * cap + start, c * cap + start + period, table, co, width,
                                            block, 0, lanes);
                                    int o = at + 4 * c;
                                    for (int t = 0; t < lanes; t++) {
                                        out.putFloat(o, block[t], LE);
                                        out.putFloat(o + periodBytes, block[lanes + t], LE);
                                        o += frameBytes;
                                    }
                                }
                            }
                            start += b.blockSteps[pattern];
                            pattern = pattern + 1 == count ? 0 : pattern + 1;
                            at += lanes * frameBytes;
                        }
                        // the second period was written above
                        start += period;
                        at += periodBytes;
                        nextIndex += 2L * period;
                        outputTotal += 2L * count * lanes;
                        written += 2 * count * lanes;
                        blocksLeft -= 2L * count;
                        nextPhase = b.blockPhases[pattern];
                    }
                }
                // the block's inputs are here, and its last output is ready as a single output
                // would be (its padded window): maxOutputFrames counts outputs that way
                while (blocksLeft > 0 && start + width <= filled
                        && start + b.blockOffsets[pattern * lanes + lanes - 1] + n <= filled) {
                    co = pattern * width * lanes;
                    if (ch == 1) {
                        FirKernels.block(h, start, table, co, width, block, 0);
                        for (int t = 0; t < lanes; t += 2) {
                            out.putLong(at + 4 * t, (Float.floatToRawIntBits(block[t]) & 0xFFFF_FFFFL)
                                    | ((long) Float.floatToRawIntBits(block[t + 1]) << 32), LE);
                        }
                    } else {
                        for (int c = 0; c < ch; c++) {
                            FirKernels.block(h, c * cap + start, table, co, width, block, 0);
                            int o = at + 4 * c;
                            for (int t = 0; t < lanes; t++) {
                                out.putFloat(o, block[t], LE);
                                o += frameBytes;
                            }
                        }
                    }
                    start += b.blockSteps[pattern];
                    nextIndex += b.blockSteps[pattern];
                    pattern = pattern + 1 == b.blockCount ? 0 : pattern + 1;
                    nextPhase = b.blockPhases[pattern];
                    outputTotal += lanes;
                    at += lanes * frameBytes;
                    written += lanes;
                    blocksLeft--;
                }
                blockPattern = pattern;
                if (outputTotal >= limit || start + n > filled || inputFollows) {
                    break;
                }
                co = pattern * width * lanes;
            }
            int d = b.blockOffsets[pattern * lanes + lane];
            for (int c = 0; c < ch; c++) {
                out.putFloat(at, FirKernels.blockLane(h, c * cap + start - d, table, co, d, d + 2 * half, lane, laneAcc), LE);
                at += 4;
            }
            advance();
            if ((outputTotal & (lanes - 1)) == 0) {
                blockPattern = pattern + 1 == b.blockCount ? 0 : pattern + 1;
            }
            written++;
        }
        return written;
    }

    /** Mono, exact phases: up to {@link #group} consecutive outputs per kernel pass. */
    private int produceMono(MutableDirectBuffer out, int outOffset, long limit) {
        float[] coef = bank.coef;
        float[] h = history;
        int n = taps;
        int[] s = groupStarts;
        int[] r = groupRows;
        int written = 0;
        int at = outOffset;
        while (true) {
            int count = 0;
            while (count < group && outputTotal < limit) {
                int start = nextStart();
                if (start + n > filled) {
                    break;
                }
                s[count] = start;
                r[count] = nextPhase * n;
                count++;
                advance();
            }
            if (count == 0) {
                return written;
            }
            int k = 0;
            if (count == 4) {
                FirKernels.dot4(h, coef, n, s[0], r[0], s[1], r[1], s[2], r[2], s[3], r[3], scratch);
                for (; k < 4; k++) {
                    out.putFloat(at, (float) scratch[k], LE);
                    at += 4;
                }
            }
            for (; k + 1 < count; k += 2) {
                FirKernels.dot2(h, s[k], coef, r[k], s[k + 1], r[k + 1], n, scratch);
                out.putFloat(at, (float) scratch[0], LE);
                out.putFloat(at + 4, (float) scratch[1], LE);
                at += 8;
            }
            if (k < count) {
                out.putFloat(at, FirKernels.dot(h, s[k], coef, r[k], n), LE);
                at += 4;
            }
            written += count;
        }
    }

    /** Several channels, exact phases: channels in fours, pairs, then singly, sharing the row. */
    private int produceChannels(MutableDirectBuffer out, int outOffset, long limit) {
        float[] coef = bank.coef;
        float[] h = history;
        int n = taps;
        int ch = channels;
        int cap = capacity;
        int written = 0;
        int at = outOffset;
        while (outputTotal < limit) {
            int start = nextStart();
            if (start + n > filled) {
                break;
            }
            int ro = nextPhase * n;
            int c = 0;
            if (group == 4) {
                for (; c + 3 < ch; c += 4) {
                    int x = c * cap + start;
                    FirKernels.dot4(h, coef, n, x, ro, x + cap, ro, x + 2 * cap, ro, x + 3 * cap, ro, scratch);
                    for (int j = 0; j < 4; j++) {
                        out.putFloat(at, (float) scratch[j], LE);
                        at += 4;
                    }
                }
            }
            for (; c + 1 < ch; c += 2) {
                FirKernels.dot2(h, c * cap + start, coef, ro, (c + 1) * cap + start, ro, n, scratch);
                out.putFloat(at, (float) scratch[0], LE);
                out.putFloat(at + 4, (float) scratch[1], LE);
                at += 8;
            }
            if (c < ch) {
                out.putFloat(at, FirKernels.dot(h, c * cap + start, coef, ro, n), LE);
                at += 4;
            }
            advance();
            written++;
        }
        return written;
    }

    /**
     * Integer upsampling: outputs j * up + p (p = 0 .. up - 1) all read the window starting at
     * input j, so for each phase p the outputs of LANES consecutive j are one vector of
     * products: no per-output reduction. Partial blocks (the stream's end, or fewer than LANES
     * positions ready) use {@link FirKernels#dotTime}, which computes each lane identically, so the
     * output does not depend on the chunking.
     */
    private int produceAcrossTime(MutableDirectBuffer out, int outOffset, long limit) {
        float[] coef = bank.coef;
        float[] h = history;
        float[] block = timeBlock;
        int n = taps;
        int ch = channels;
        int cap = capacity;
        int lanes = FirKernels.LANES;
        int frameBytes = 4 * ch;
        int written = 0;
        int at = outOffset;
        while (outputTotal < limit) {
            int start = nextStart();
            if (nextPhase == 0) {
                int readyPositions = filled - n - start + 1;
                long positions = Math.min(readyPositions, (limit - outputTotal) / up);
                if (positions >= lanes) {
                    for (int c = 0; c < ch; c++) {
                        int xo = c * cap + start;
                        int p = 0;
                        if (sharedLoads) {
                            for (; p + 2 < up; p += 3) {
                                FirKernels.blockTime3(h, xo, coef, p * n, n, block, p * lanes);
                            }
                            if (p + 1 < up) {
                                FirKernels.blockTime2(h, xo, coef, p * n, n, block, p * lanes);
                                p += 2;
                            }
                        }
                        for (; p < up; p++) {
                            FirKernels.blockTime(h, xo, coef, p * n, n, block, p * lanes);
                        }
                        int o = at + 4 * c;
                        for (int t = 0; t < lanes; t++) {
                            for (int q = 0; q < up; q++) {
                                out.putFloat(o, block[q * lanes + t], LE);
                                o += frameBytes;
                            }
                        }
                    }
                    int frames = lanes * up;
                    at += frames * frameBytes;
                    written += frames;
                    nextIndex += lanes;
                    outputTotal += frames;
                    continue;
                }
            }
            if (start + n > filled) {
                break;
            }
            int ro = nextPhase * n;
            for (int c = 0; c < ch; c++) {
                out.putFloat(at, FirKernels.dotTime(h, c * cap + start, coef, ro, n), LE);
                at += 4;
            }
            advance();
            written++;
        }
        return written;
    }

    /**
     * One output at a time, every channel: odd ratios (coefficients interpolated between the two
     * nearest stored phases, vector or scalar) and the scalar double-accumulating reference.
     */
    private int producePerOutput(MutableDirectBuffer out, int outOffset, long limit) {
        FilterBank b = bank;
        float[] h = history;
        int n = taps;
        int ch = channels;
        int cap = capacity;
        int written = 0;
        int at = outOffset;
        while (outputTotal < limit) {
            int start = nextStart();
            if (start + n > filled) {
                break;
            }
            double mu = 0.0;
            int ro;
            if (b.interpolated) {
                long scaled = (long) nextPhase * b.phases;
                int row = (int) (scaled / up);
                mu = (double) (scaled - (long) row * up) / up;
                ro = row * n;
            } else {
                ro = nextPhase * n;
            }
            for (int c = 0; c < ch; c++) {
                int x = c * cap + start;
                double y;
                if (!b.interpolated) {
                    y = FirKernels.dotScalar(h, x, b.coef, ro, n);
                } else if (vectorKernels) {
                    y = FirKernels.dotInterpolated(h, x, b.coef, b.delta, ro, n, mu);
                } else {
                    y = FirKernels.dotInterpolatedScalar(h, x, b.coef, b.delta, ro, n, mu);
                }
                out.putFloat(at, (float) y, LE);
                at += 4;
            }
            advance();
            written++;
        }
        return written;
    }

    static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
