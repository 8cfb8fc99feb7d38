package org.remotemedia.buffer.wav;

import org.agrona.DirectBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * Samples of a WAV file in one of the contract's formats (interleaved, little-endian, from
 * byte 0 of {@code samples}): PCM 16 as I16, PCM 24 widened to I32 (exactly, low byte zero),
 * PCM 32 as I32, float 32 as F32.
 *
 * @param sourceBits bits per sample in the file (16, 24 or 32)
 * @param sourceFloat whether the file held IEEE float samples
 */
public record WavAudio(DirectBuffer samples, int lengthBytes, int frames, int channels, int sampleRate,
                       SampleFormat format, int sourceBits, boolean sourceFloat) {

    public long numSamples() {
        return (long) frames * channels;
    }
}
