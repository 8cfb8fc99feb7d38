package org.remotemedia.buffer;

import org.agrona.DirectBuffer;

/**
 * A view of interleaved little-endian audio in place: buffer, byte offset, frames, channels,
 * rate, format. A flyweight: {@link #wrap} re-points it, so a runner keeps one per port and
 * allocates nothing per block. It never owns the memory it views.
 *
 * <p>Not thread-safe; owned by the thread running the pipeline step that filled it.
 */
public final class AudioBlock {
    private DirectBuffer buffer;
    private int offset;
    private int frames;
    private int channels;
    private int sampleRate;
    private SampleFormat format;

    public AudioBlock wrap(DirectBuffer buffer, int offset, int frames, int channels, int sampleRate,
                           SampleFormat format) {
        this.buffer = buffer;
        this.offset = offset;
        this.frames = frames;
        this.channels = channels;
        this.sampleRate = sampleRate;
        this.format = format;
        return this;
    }

    public DirectBuffer buffer() {
        return buffer;
    }

    /** Byte offset of frame 0 in {@link #buffer()}. */
    public int offset() {
        return offset;
    }

    public int frames() {
        return frames;
    }

    public int channels() {
        return channels;
    }

    public int sampleRate() {
        return sampleRate;
    }

    public SampleFormat format() {
        return format;
    }

    /** Samples across channels ({@code frames * channels}). */
    public int samples() {
        return frames * channels;
    }

    public int frameBytes() {
        return channels * format.bytesPerSample();
    }

    public int lengthBytes() {
        return frames * frameBytes();
    }

    /** Sample {@code index} (counted across channels) decoded to [-1, 1] scale. */
    public double sample(int index) {
        return format.read(buffer, offset, index);
    }
}
