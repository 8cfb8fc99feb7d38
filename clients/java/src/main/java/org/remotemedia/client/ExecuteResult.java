package org.remotemedia.client;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.remotemedia.proto.v1.ExecutionMetrics;
import org.remotemedia.proto.v1.ExecutionResult;
import org.remotemedia.proto.v1.ExecutionStatus;
import org.remotemedia.proto.v1.NodeResult;

/** What ExecutePipeline returned: audio per sink, data (JSON text) per node, metrics, node results. */
public final class ExecuteResult {
    private final ExecutionResult proto;
    private final Map<String, Audio> audio = new LinkedHashMap<>();

    ExecuteResult(ExecutionResult proto) {
        this.proto = proto;
        proto.getAudioOutputsMap().forEach((k, v) -> audio.put(k, Audio.of(v)));
    }

    /** Audio per sink id (ChannelSplit sinks: one per port, "id.k"). */
    public Map<String, Audio> audio() {
        return audio;
    }

    /** Data outputs per node id, as JSON text. */
    public Map<String, String> data() {
        return proto.getDataOutputsMap();
    }

    public ExecutionMetrics metrics() {
        return proto.getMetrics();
    }

    public List<NodeResult> nodeResults() {
        return proto.getNodeResultsList();
    }

    public ExecutionStatus status() {
        return proto.getStatus();
    }

    /** The message as the server sent it. */
    public ExecutionResult proto() {
        return proto;
    }
}
