package org.remotemedia.pipeline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one streaming push (or the final flush) produced: each sink's new audio, data deltas,
 * processing time. Owned by the {@link StreamingSession} and reused: valid until the next
 * push / finish, which first releases any audio still held here. Serialize, then
 * {@link #release()} (or let the next push do it).
 *
 * <p>Not thread-safe; the session's thread owns it.
 */
public final class ChunkResult {
    final List<AudioOutput> audio = new ArrayList<>();
    final List<DataOutput> data = new ArrayList<>();
    double processingTimeMs;
    long totalSamplesProcessed;
    long sequence;

    /**
     * Audio produced by sinks during this push (sinks that produced none are absent), each
     * with its {@link AudioOutput#key()}: the sink id, or {@code "<id>.<k>"} per port of a
     * multi-output sink.
     */
    public List<AudioOutput> audio() {
        return Collections.unmodifiableList(audio);
    }

    /** Data produced during this push (VAD segments closed in it, an echoed data input). */
    public List<DataOutput> data() {
        return Collections.unmodifiableList(data);
    }

    public double processingTimeMs() {
        return processingTimeMs;
    }

    /** Input samples pushed into the session so far, this push included. */
    public long totalSamplesProcessed() {
        return totalSamplesProcessed;
    }

    /** 0 for the first push, then 1, 2, ...; the final flush continues the count. */
    public long sequence() {
        return sequence;
    }

    /** Releases every audio buffer still held (idempotent). */
    public void release() {
        for (AudioOutput a : audio) {
            a.release();
        }
    }

    void reset() {
        release();
        audio.clear();
        data.clear();
        processingTimeMs = 0;
    }
}
