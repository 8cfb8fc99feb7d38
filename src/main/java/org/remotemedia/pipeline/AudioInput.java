package org.remotemedia.pipeline;

import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Problems;
import org.remotemedia.dsp.SampleKernels;

/**
 * One AudioBuffer of a request, as a zero-copy view: the bytes stay where the caller has them
 * (a direct ByteBuffer aliased from the network buffer, a native address, any Agrona buffer)
 * and must stay valid and unchanged until the call that receives this input returns.
 * {@code format} null means AUDIO_FORMAT_UNSPECIFIED. {@code numSamples} counts all channels.
 *
 * <p>Immutable; validated by {@link #validate} (contract's AudioBuffer rules) before use.
 */
public final class AudioInput {
    public static final int MIN_RATE = 1000;
    public static final int MAX_RATE = 768_000;
    public static final int MAX_CHANNELS = 64;

    private final DirectBuffer buffer;
    private final int offset;
    private final int lengthBytes;
    private final long numSamples;
    private final int channels;
    private final long sampleRate;
    private final SampleFormat format;
    /** {@link #spec()}, made on first use (a benign race: equal values). */
    private AudioSpec spec;

    private AudioInput(DirectBuffer buffer, int offset, int lengthBytes, long numSamples, int channels, long sampleRate,
                       SampleFormat format) {
        this.buffer = buffer;
        this.offset = offset;
        this.lengthBytes = lengthBytes;
        this.numSamples = numSamples;
        this.channels = channels;
        this.sampleRate = sampleRate;
        this.format = format;
    }

    /** A view of {@code lengthBytes} at {@code offset} of an Agrona buffer. */
    public static AudioInput of(DirectBuffer buffer, int offset, int lengthBytes, long numSamples, int channels,
                                long sampleRate, SampleFormat format) {
        return new AudioInput(buffer, offset, lengthBytes, numSamples, channels, sampleRate, format);
    }

    /** A view of a ByteBuffer's bytes from position to limit (direct: no copy; heap works too). */
    public static AudioInput of(ByteBuffer bytes, long numSamples, int channels, long sampleRate, SampleFormat format) {
        UnsafeBuffer b = new UnsafeBuffer(bytes, bytes.position(), bytes.remaining());
        return new AudioInput(b, 0, bytes.remaining(), numSamples, channels, sampleRate, format);
    }

    /** A view of native memory at {@code address}. */
    public static AudioInput ofAddress(long address, int lengthBytes, long numSamples, int channels, long sampleRate,
                                       SampleFormat format) {
        return new AudioInput(new UnsafeBuffer(address, lengthBytes), 0, lengthBytes, numSamples, channels,
                sampleRate, format);
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    public int offset() {
        return offset;
    }

    public int lengthBytes() {
        return lengthBytes;
    }

    public long numSamples() {
        return numSamples;
    }

    public int channels() {
        return channels;
    }

    public int sampleRate() {
        return (int) sampleRate;
    }

    public SampleFormat format() {
        return format;
    }

    public int frames() {
        return (int) (numSamples / channels);
    }

    /** Made once: the engine asks for it per source, per slice and per check. */
    public AudioSpec spec() {
        AudioSpec s = spec;
        if (s == null) {
            s = spec = new AudioSpec((int) sampleRate, channels, format);
        }
        return s;
    }

    /** Whether {@link #validate} would pass, without building messages (the allocation-free hot path). */
    public boolean isValid() {
        if (format == null || channels < 1 || channels > MAX_CHANNELS || sampleRate < MIN_RATE || sampleRate > MAX_RATE
                || numSamples < 0 || numSamples > Integer.MAX_VALUE || numSamples % channels != 0
                || numSamples * format.bytesPerSample() != lengthBytes) {
            return false;
        }
        return format != SampleFormat.F32 || SampleKernels.firstNonFinite(buffer, offset, (int) numSamples) < 0;
    }

    /** Whether this input has the given stream shape. */
    public boolean matches(AudioSpec s) {
        return s != null && s.sampleRate() == sampleRate && s.channels() == channels && s.format() == format;
    }

    /**
     * The contract's AudioBuffer rules: format set, 1 <= channels <= 64, 1 kHz <= rate <=
     * 768 kHz, num_samples divisible by channels, byte length = num_samples x sample size, no
     * NaN / infinity in float samples (the first bad index is reported). Problems go under
     * {@code at} (e.g. /audio_inputs/mic).
     */
    public boolean validate(Problems at) {
        int before = at.size();
        if (format == null) {
            at.add("/format", "format is unspecified: set AUDIO_FORMAT_F32, AUDIO_FORMAT_I16 or AUDIO_FORMAT_I32");
        }
        if (channels < 1 || channels > MAX_CHANNELS) {
            at.add("/channels", "channels = " + channels + " is out of range: 1.." + MAX_CHANNELS);
        }
        if (sampleRate < MIN_RATE || sampleRate > MAX_RATE) {
            at.add("/sample_rate", "sample_rate = " + sampleRate + " Hz is out of range: " + MIN_RATE + ".." + MAX_RATE + " Hz");
        }
        if (numSamples < 0) {
            at.add("/num_samples", "num_samples = " + Long.toUnsignedString(numSamples) + " is too large");
        } else if (channels >= 1 && numSamples % channels != 0) {
            at.add("/num_samples", "num_samples = " + numSamples + " is not a multiple of channels = " + channels
                    + ": num_samples counts samples across all channels (frames x channels)");
        }
        if (format != null && numSamples >= 0) {
            long expect = numSamples * format.bytesPerSample();
            if (numSamples > Integer.MAX_VALUE || expect != lengthBytes) {
                at.add("/samples", "samples holds " + lengthBytes + " bytes but num_samples = " + numSamples + " of "
                        + format.name().toLowerCase(java.util.Locale.ROOT) + " needs " + expect + " bytes ("
                        + format.bytesPerSample() + " per sample)");
            }
        }
        if (at.size() == before && format == SampleFormat.F32) {
            int bad = SampleKernels.firstNonFinite(buffer, offset, (int) numSamples);
            if (bad >= 0) {
                float v = buffer.getFloat(offset + 4 * bad, SampleFormat.ORDER);
                at.add("/samples", "sample " + bad + " (frame " + bad / channels + ", channel " + bad % channels + ") is "
                        + v + ": float samples must be finite");
            }
        }
        return at.size() == before;
    }
}
