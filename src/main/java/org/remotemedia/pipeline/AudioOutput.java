package org.remotemedia.pipeline;

import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.remotemedia.buffer.PooledBuffer;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.dsp.AudioSpec;

/**
 * A sink's audio (one output port of it): interleaved little-endian samples from byte 0 of a pooled off-heap buffer,
 * {@link #lengthBytes()} long, to be serialized straight into a response and then
 * {@link #release()}d back to the pool exactly once (from any thread). Not thread-safe
 * otherwise: owned by whoever received it.
 */
public final class AudioOutput {
    private final String key;
    private PooledBuffer pooled;
    private AudioSpec spec;
    private int frames;

    AudioOutput(String key) {
        this.key = key;
    }

    void set(PooledBuffer pooled, AudioSpec spec, int frames) {
        this.pooled = pooled;
        this.spec = spec;
        this.frames = frames;
    }

    /**
     * The key of this output in {@code audio_outputs}: the sink's node id, or {@code "<id>.<k>"}
     * for output port k of a sink whose type has several outputs (ChannelSplit). Node ids cannot
     * contain '.', so keys never collide.
     */
    public String key() {
        return key;
    }

    /** The same as {@link #key()}: what callers key {@code audio_outputs} by. */
    public String nodeId() {
        return key;
    }

    /** The samples, from byte 0; valid until {@link #release()}. */
    public DirectBuffer buffer() {
        check();
        return pooled.buffer();
    }

    /** The same bytes as a direct ByteBuffer slice (position 0, limit = length), e.g. to wrap for a socket write. */
    public ByteBuffer byteBuffer() {
        check();
        return pooled.byteBuffer().slice(0, lengthBytes());
    }

    /** Native address of the first byte. */
    public long address() {
        check();
        return pooled.address();
    }

    public int lengthBytes() {
        return frames * spec.frameBytes();
    }

    public int frames() {
        return frames;
    }

    /** Samples across channels (AudioBuffer.num_samples). */
    public long numSamples() {
        return (long) frames * spec.channels();
    }

    public int channels() {
        return spec.channels();
    }

    public int sampleRate() {
        return spec.sampleRate();
    }

    public SampleFormat format() {
        return spec.format();
    }

    public AudioSpec spec() {
        return spec;
    }

    public boolean released() {
        return pooled == null;
    }

    /** Returns the buffer to the pool; later calls do nothing. */
    public void release() {
        PooledBuffer p = pooled;
        if (p != null) {
            pooled = null;
            p.release();
        }
    }

    private void check() {
        if (pooled == null) {
            throw new IllegalStateException("audio output " + key + " was released");
        }
    }
}
