package org.remotemedia.pipeline;

import java.util.List;
import java.util.Map;

/**
 * What one execution produced: each sink's audio (pooled: release after serializing, or
 * call {@link #close()}), data outputs (JSON) by node id, metrics. Owned by the caller.
 */
public final class ExecutionResult implements AutoCloseable {
    private final Map<String, AudioOutput> audio;
    private final List<AudioOutput> audioInOrder;
    private final Map<String, String> data;
    private final ExecutionMetrics metrics;

    ExecutionResult(Map<String, AudioOutput> audio, List<AudioOutput> audioInOrder, Map<String, String> data,
                    ExecutionMetrics metrics) {
        this.audio = audio;
        this.audioInOrder = audioInOrder;
        this.data = data;
        this.metrics = metrics;
    }

    /**
     * Audio by sink node id (sinks with an audio output that wrote something); a sink whose type
     * has several outputs (ChannelSplit) gives one entry per port, keyed {@code "<id>.<k>"}.
     */
    public Map<String, AudioOutput> audioOutputs() {
        return audio;
    }

    /**
     * The same outputs as {@link #audioOutputs()}, in its order, as a list: hot paths walk it by
     * index (no iterator per walk).
     */
    public List<AudioOutput> audioOutputList() {
        return audioInOrder;
    }

    /** Data by node id: every node that produced data (a VAD's segments, an echoed data input). */
    public Map<String, String> dataOutputs() {
        return data;
    }

    public ExecutionMetrics metrics() {
        return metrics;
    }

    public List<NodeMetrics> nodeMetrics() {
        return metrics.nodes();
    }

    /** Releases every audio output not yet released. */
    @Override
    public void close() {
        for (int i = 0; i < audioInOrder.size(); i++) {
            audioInOrder.get(i).release();
        }
    }
}
