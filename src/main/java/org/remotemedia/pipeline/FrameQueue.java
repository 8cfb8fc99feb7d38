package org.remotemedia.pipeline;

import org.agrona.DirectBuffer;
import org.remotemedia.buffer.AudioBlock;
import org.remotemedia.buffer.PooledBuffer;
import org.remotemedia.dsp.AudioSpec;

/**
 * Frames waiting at one input of a multi-input node until every input has some: the runner
 * hands the node equal-length blocks (the minimum available), and at the end of the stream
 * pads shorter inputs with silence. Backed by one pooled buffer that grows by doubling.
 *
 * <p>Not thread-safe; owned by the {@link GraphRun} that created it.
 */
final class FrameQueue {
    private final GraphRun run;
    private final int owner;
    private AudioSpec spec;
    private int frameBytes;
    private PooledBuffer buf;
    private int frames;

    FrameQueue(GraphRun run, int owner) {
        this.run = run;
        this.owner = owner;
    }

    int frames() {
        return frames;
    }

    AudioSpec spec() {
        return spec;
    }

    void append(AudioSpec s, DirectBuffer src, int offset, int n) throws PipelineException {
        if (spec == null) {
            spec = s;
            frameBytes = s.frameBytes();
        }
        ensure(frames + n);
        buf.buffer().putBytes(frames * frameBytes, src, offset, n * frameBytes);
        frames += n;
    }

    /** Views the first {@code n} frames; frames past the queued ones (end of stream) are zeros. */
    void view(AudioBlock b, int n) throws PipelineException {
        if (n > frames) {
            ensure(n);
            buf.buffer().setMemory(frames * frameBytes, (n - frames) * frameBytes, (byte) 0);
            frames = n;
        }
        b.wrap(buf.buffer(), 0, n, spec.channels(), spec.sampleRate(), spec.format());
    }

    void consume(int n) {
        int rest = frames - n;
        if (rest > 0) {
            buf.buffer().putBytes(0, buf.buffer(), n * frameBytes, rest * frameBytes);
        }
        frames = rest;
    }

    private void ensure(int needFrames) throws PipelineException {
        long need = (long) needFrames * frameBytes;
        if (buf != null && need <= buf.capacity()) {
            return;
        }
        long want = Math.max(need, buf == null ? 4096 : 2L * buf.capacity());
        PooledBuffer next = run.acquire(want, owner);
        if (buf != null) {
            next.buffer().putBytes(0, buf.buffer(), 0, frames * frameBytes);
            run.release(buf, owner);
        }
        buf = next;
    }

    void release() {
        if (buf != null) {
            run.release(buf, owner);
            buf = null;
        }
        frames = 0;
    }
}
