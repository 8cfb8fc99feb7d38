package org.remotemedia.dsp.resample;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The polyphase coefficients of one conversion ratio and preset: a Kaiser-windowed sinc
 * evaluated in continuous time (input-sample units) at every phase the converter needs.
 *
 * <p>Exact mode: one row per phase {@code p / L} of the reduced ratio {@code L / M}. When
 * {@code L x taps} would be too large (odd rate pairs such as 44100 -> 47999), the table
 * holds {@code phases + 1} uniformly spaced rows and the converter interpolates linearly
 * between neighbouring rows ({@code delta} holds row differences).
 *
 * <p>Row {@code r} holds {@code h(r / phases + half - 1 - m)} for tap {@code m}: tap 0 multiplies
 * the oldest input sample of the window. Rows are padded with zero taps to a multiple of
 * {@link #PAD} so vector loops need no scalar tail.
 *
 * <p>Immutable after construction and shared by every converter of the same ratio and preset
 * through {@link #of}, up to {@link #CACHE_BUDGET_FLOATS} in all (rate pairs come from clients:
 * past the budget a converter gets a private bank, so memory follows the streams that use it);
 * every upsampling ratio in interpolated mode shares one bank, as its kernel does not depend on
 * the ratio. Safe from any thread.
 */
final class FilterBank {
    /** Tap-count granularity: a multiple of every vector width used (8 doubles, 16 floats). */
    static final int PAD = 16;
    /** Largest exact table (entries); beyond it the bank interpolates between phases. */
    static final long EXACT_LIMIT = 1L << 20;

    /** Coefficients (floats) the shared cache may hold: 64 MB. */
    static final long CACHE_BUDGET_FLOATS = 16L << 20;
    /** Interpolated rows per input sample at cutoff 0.5 (fewer for narrower kernels): 2048
     *  measured -132 dB leak and 139 dB SNR at HIGH, 1024 only -129 dB; 4096 keeps a margin. */
    static final int ROWS_AT_HALF_BAND = 4096;

    private static final ConcurrentHashMap<Key, FilterBank> CACHE = new ConcurrentHashMap<>();
    private static final AtomicLong CACHED_FLOATS = new AtomicLong();

    private record Key(int up, int down, ResampleQuality quality) {}

    /** Rows in the table (exact: {@code up}; interpolated: uniform phase count). */
    final int phases;
    final boolean interpolated;
    /** Half-width of the kernel in input samples; a window spans {@code 2 * half} real taps. */
    final int half;
    /** Taps per row including zero padding. */
    final int taps;
    /** Cutoff in cycles per input sample (the -6 dB point of the kernel). */
    final double cutoff;
    /** Coefficients rounded to float (designed in double): see {@link FirKernels} on precision. */
    final float[] coef;
    /** Row differences (row r+1 - row r), interpolated mode only; else null. */
    final float[] delta;
    /**
     * Exact ratios other than integer upsampling: the coefficients rearranged for
     * {@link FirKernels#block}, LANES consecutive outputs at once. Block b of the pattern (which
     * repeats every lcm(up, LANES) outputs) is a matrix of {@link #blockWidth} rows by LANES:
     * row u, lane t holds the tap that output {@code LANES b + t} applies to input
     * {@code s_b + u}, where s_b is the first input of the block's first output window (0
     * outside the output's own window). Null when not used (see {@link #BLOCK_LIMIT_FLOATS}).
     */
    final float[] blocks;
    /** Rows per block (a multiple of 8): the union of the block's output windows (their
     *  {@code 2 * half} real taps; an output's window is rows [d, d + 2 half) of its block). */
    final int blockWidth;
    /** Blocks in the repeating pattern. */
    final int blockCount;
    /** Offset d of output t of block b from s_b: blockOffsets[b * LANES + t]. */
    final int[] blockOffsets;
    /** Input frames from the first window of block b to that of block b + 1. */
    final int[] blockSteps;
    /** Phase (numerator over up) of block b's first output. */
    final int[] blockPhases;
    /** Input frames from block b's first window to that of block b + blockCount (one period of
     *  the pattern: the same block matrix again). */
    final int blockPeriod;

    /** Largest block table (floats): 1 MB; past it the converter uses per-output products. */
    static final long BLOCK_LIMIT_FLOATS = 1L << 18;

    /** The bank for the reduced ratio up / down (output / input rate). */
    static FilterBank of(int up, int down, ResampleQuality quality) {
        double nyquist = 0.5 * Math.min(1.0, (double) up / down);
        boolean interpolate = (long) up * tapsFor(nyquist, quality) > EXACT_LIMIT;
        // upsampling: the kernel is the same for every ratio, only the exact phases differ
        Key key = interpolate && up > down ? new Key(0, 0, quality) : new Key(up, down, quality);
        FilterBank bank = CACHE.get(key);
        if (bank != null) {
            return bank;
        }
        bank = new FilterBank(interpolate ? 0 : up, interpolate ? 0 : down, quality, nyquist);
        long size = bank.coef.length + (bank.delta == null ? 0 : bank.delta.length)
                + (bank.blocks == null ? 0 : bank.blocks.length);
        if (CACHED_FLOATS.addAndGet(size) <= CACHE_BUDGET_FLOATS) {
            FilterBank raced = CACHE.putIfAbsent(key, bank);
            if (raced != null) {
                CACHED_FLOATS.addAndGet(-size);
                return raced;
            }
        } else {
            CACHED_FLOATS.addAndGet(-size);
        }
        return bank;
    }

    /** Kernel half-width (input samples): Kaiser's length estimate for the preset at this Nyquist. */
    static int halfFor(double nyquist, ResampleQuality quality) {
        double transition = (quality.stopEdge - quality.passEdge) * nyquist;
        double length = (quality.attenuationDb - 7.95) / (14.36 * transition) + 1.0;
        return Math.max(1, (int) Math.ceil(length / 2.0));
    }

    /** Taps per row, padded to {@link #PAD}. */
    static int tapsFor(double nyquist, ResampleQuality quality) {
        return (2 * halfFor(nyquist, quality) + PAD - 1) / PAD * PAD;
    }

    /**
     * @param exactRows the reduced up factor for exact phases, or 0 to interpolate
     * @param down      the reduced down factor (exact phases), or 0
     * @param nyquist   the lower Nyquist frequency in cycles per input sample
     */
    private FilterBank(int exactRows, int down, ResampleQuality quality, double nyquist) {
        this.cutoff = 0.5 * (quality.passEdge + quality.stopEdge) * nyquist;
        this.half = halfFor(nyquist, quality);
        int real = 2 * half;
        this.taps = tapsFor(nyquist, quality);
        double a = quality.attenuationDb;
        double beta = a > 50 ? 0.1102 * (a - 8.7) : 0.5842 * Math.pow(a - 21, 0.4) + 0.07886 * (a - 21);
        double i0beta = besselI0(beta);

        int rows;
        this.interpolated = exactRows == 0;
        if (!interpolated) {
            rows = exactRows;
        } else {
            // linear interpolation's error grows with (cutoff / rows)^2: rows in proportion to the cutoff
            double want = ROWS_AT_HALF_BAND * 2 * cutoff;
            int p = Integer.highestOneBit((int) Math.ceil(want));
            rows = Math.max(64, p < want ? p * 2 : p);
        }
        this.phases = rows;
        int stored = interpolated ? rows + 1 : rows;
        double[] exact = new double[stored * taps];
        for (int r = 0; r < stored; r++) {
            double frac = (double) r / rows;
            for (int m = 0; m < real; m++) {
                double t = frac + half - 1 - m;
                exact[r * taps + m] = kernel(t, cutoff, half, beta, i0beta);
            }
        }
        this.coef = new float[stored * taps];
        for (int i = 0; i < coef.length; i++) {
            coef[i] = (float) exact[i];
        }
        if (interpolated) {
            delta = new float[rows * taps];
            for (int i = 0; i < delta.length; i++) {
                delta[i] = (float) (exact[i + taps] - exact[i]);
            }
        } else {
            delta = null;
        }
        int g = FirKernels.LANES;
        long periodOutputs = interpolated || down <= 1 ? 0 : (long) rows / Resampler.gcd(rows, g) * g;
        int count = (int) (periodOutputs / g);
        int width = 0;
        for (int b = 0; b < count; b++) {
            long first = (long) g * b;
            // the real taps only: a row's zero padding would cost FMAs here
            width = Math.max(width, (int) ((first + g - 1) * down / rows - first * down / rows) + real);
        }
        width = (width + 7) / 8 * 8;
        if (count > 0 && (long) count * width * g <= BLOCK_LIMIT_FLOATS) {
            blocks = new float[count * width * g];
            blockOffsets = new int[count * g];
            blockSteps = new int[count];
            blockPhases = new int[count];
            for (int b = 0; b < count; b++) {
                long first = (long) g * b;
                blockSteps[b] = (int) ((first + g) * down / rows - first * down / rows);
                blockPhases[b] = (int) (first * down % rows);
                for (int t = 0; t < g; t++) {
                    long k = first + t;
                    int d = (int) (k * down / rows - first * down / rows);
                    int row = (int) (k * down % rows);
                    blockOffsets[b * g + t] = d;
                    for (int m = 0; m < real; m++) {
                        blocks[(b * width + d + m) * g + t] = coef[row * taps + m];
                    }
                }
            }
            blockWidth = width;
            blockCount = count;
            blockPeriod = (int) (periodOutputs * down / rows);
        } else {
            blocks = null;
            blockOffsets = null;
            blockSteps = null;
            blockPhases = null;
            blockWidth = 0;
            blockCount = 0;
            blockPeriod = 0;
        }
    }

    /** Windowed sinc at time t (input samples) with unit area: band-limited interpolation. */
    static double kernel(double t, double fc, int half, double beta, double i0beta) {
        double u = t / half;
        if (u <= -1.0 || u >= 1.0) {
            return 0.0;
        }
        double x = 2.0 * fc * t;
        double sinc = x == 0.0 ? 1.0 : Math.sin(Math.PI * x) / (Math.PI * x);
        return 2.0 * fc * sinc * besselI0(beta * Math.sqrt(1.0 - u * u)) / i0beta;
    }

    /** Modified Bessel function of the first kind, order 0, by its power series. */
    static double besselI0(double x) {
        double sum = 1.0;
        double term = 1.0;
        double q = 0.25 * x * x;
        for (int k = 1; k < 500; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return sum;
    }
}
