package org.remotemedia.client;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.remotemedia.proto.v1.AudioBuffer;

/**
 * Audio as the service carries it: interleaved little-endian samples in one of three formats, a
 * sample rate and a channel count. Immutable; the samples are not copied out of the bytes given.
 * Audio that does not fit (a partial frame, bytes that are not a whole number of samples of the
 * format, a rate or channel count that is not positive) is refused with {@link InvalidAudioException}.
 */
public final class Audio {
    private final ByteString samples;
    private final int sampleRate;
    private final int channels;
    private final SampleFormat format;

    private Audio(ByteString samples, int sampleRate, int channels, SampleFormat format) {
        checkShape(sampleRate, channels);
        if (format == null) {
            throw new InvalidAudioException("no sample format: use SampleFormat.F32, I16 or I32");
        }
        if (samples == null) {
            throw new InvalidAudioException("no samples (null)");
        }
        int frame = channels * format.bytesPerSample();
        if (samples.size() % frame != 0) {
            throw new InvalidAudioException(samples.size() + " bytes is not a whole number of " + channels
                    + "-channel " + format + " frames (" + frame + " bytes each): are the bytes " + format + "?");
        }
        this.samples = samples;
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.format = format;
    }

    private static void checkShape(int sampleRate, int channels) {
        if (sampleRate <= 0) {
            throw new InvalidAudioException("sample rate must be > 0 Hz, got " + sampleRate);
        }
        if (channels <= 0) {
            throw new InvalidAudioException("channels must be > 0, got " + channels);
        }
    }

    /** An interleaved array of {@code length} samples: a whole number of frames, and not null. */
    private static void checkArray(Object array, int length, int sampleRate, int channels) {
        if (array == null) {
            throw new InvalidAudioException("no samples (null)");
        }
        checkShape(sampleRate, channels);
        if (length % channels != 0) {
            throw new InvalidAudioException(length + " samples is not a whole number of " + channels
                    + "-channel frames: interleave the channels, frames x " + channels + " samples");
        }
    }

    /** Interleaved little-endian bytes of {@code format}. */
    public static Audio ofBytes(ByteString samples, int sampleRate, int channels, SampleFormat format) {
        return new Audio(samples, sampleRate, channels, format);
    }

    /** Interleaved f32 samples (nominal range [-1, 1]). */
    public static Audio ofFloats(float[] interleaved, int sampleRate, int channels) {
        checkArray(interleaved, interleaved == null ? 0 : interleaved.length, sampleRate, channels);
        ByteBuffer b = ByteBuffer.allocate(interleaved.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(interleaved);
        return new Audio(ByteString.copyFrom(b.array()), sampleRate, channels, SampleFormat.F32);
    }

    /** Interleaved i16 samples. */
    public static Audio ofShorts(short[] interleaved, int sampleRate, int channels) {
        checkArray(interleaved, interleaved == null ? 0 : interleaved.length, sampleRate, channels);
        ByteBuffer b = ByteBuffer.allocate(interleaved.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(interleaved);
        return new Audio(ByteString.copyFrom(b.array()), sampleRate, channels, SampleFormat.I16);
    }

    static Audio of(AudioBuffer b) {
        return new Audio(b.getSamples(), b.getSampleRate(), b.getChannels(), SampleFormat.of(b.getFormat()));
    }

    AudioBuffer toProto() {
        return AudioBuffer.newBuilder().setSamples(samples).setSampleRate(sampleRate).setChannels(channels)
                .setFormat(format.proto()).setNumSamples(samples.size() / format.bytesPerSample()).build();
    }

    public ByteString bytes() {
        return samples;
    }

    public int sampleRate() {
        return sampleRate;
    }

    public int channels() {
        return channels;
    }

    public SampleFormat format() {
        return format;
    }

    public long frames() {
        return samples.size() / ((long) channels * format.bytesPerSample());
    }

    /** Every sample as a float in [-1, 1] (integers scaled from full scale), interleaved. */
    public float[] toFloats() {
        ByteBuffer b = samples.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[samples.size() / format.bytesPerSample()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (format) {
                case F32 -> b.getFloat();
                case I16 -> b.getShort() / 32768f;
                case I32 -> (float) (b.getInt() / 2147483648.0);
            };
        }
        return out;
    }

    @Override
    public String toString() {
        return "Audio[" + frames() + " frames, " + sampleRate + " Hz, " + channels + " ch, " + format + "]";
    }
}
