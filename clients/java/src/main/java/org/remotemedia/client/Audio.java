package org.remotemedia.client;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.remotemedia.proto.v1.AudioBuffer;

/**
 * Audio as the service carries it: interleaved little-endian samples in one of three formats, a
 * sample rate and a channel count. Immutable; the samples are not copied out of the bytes given.
 */
public final class Audio {
    private final ByteString samples;
    private final int sampleRate;
    private final int channels;
    private final SampleFormat format;

    private Audio(ByteString samples, int sampleRate, int channels, SampleFormat format) {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be > 0 Hz, got " + sampleRate);
        }
        if (channels <= 0) {
            throw new IllegalArgumentException("channels must be > 0, got " + channels);
        }
        int frame = channels * format.bytesPerSample();
        if (samples.size() % frame != 0) {
            throw new IllegalArgumentException(samples.size() + " bytes is not a whole number of " + channels
                    + "-channel " + format + " frames (" + frame + " bytes each)");
        }
        this.samples = samples;
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.format = format;
    }

    /** Interleaved little-endian bytes of {@code format}. */
    public static Audio ofBytes(ByteString samples, int sampleRate, int channels, SampleFormat format) {
        return new Audio(samples, sampleRate, channels, format);
    }

    /** Interleaved f32 samples (nominal range [-1, 1]). */
    public static Audio ofFloats(float[] interleaved, int sampleRate, int channels) {
        ByteBuffer b = ByteBuffer.allocate(interleaved.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(interleaved);
        return new Audio(ByteString.copyFrom(b.array()), sampleRate, channels, SampleFormat.F32);
    }

    /** Interleaved i16 samples. */
    public static Audio ofShorts(short[] interleaved, int sampleRate, int channels) {
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
