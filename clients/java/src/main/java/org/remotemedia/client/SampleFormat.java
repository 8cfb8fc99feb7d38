package org.remotemedia.client;

import org.remotemedia.proto.v1.AudioFormat;

/** The sample formats of remotemedia.v1 AudioBuffer: interleaved little-endian f32, i16 or i32. */
public enum SampleFormat {
    F32(4, AudioFormat.AUDIO_FORMAT_F32),
    I16(2, AudioFormat.AUDIO_FORMAT_I16),
    I32(4, AudioFormat.AUDIO_FORMAT_I32);

    private final int bytesPerSample;
    private final AudioFormat proto;

    SampleFormat(int bytesPerSample, AudioFormat proto) {
        this.bytesPerSample = bytesPerSample;
        this.proto = proto;
    }

    public int bytesPerSample() {
        return bytesPerSample;
    }

    AudioFormat proto() {
        return proto;
    }

    static SampleFormat of(AudioFormat f) {
        return switch (f) {
            case AUDIO_FORMAT_F32 -> F32;
            case AUDIO_FORMAT_I16 -> I16;
            case AUDIO_FORMAT_I32 -> I32;
            default -> throw new InvalidAudioException("the server sent audio of format " + f
                    + ", which this client does not know");
        };
    }
}
