package org.remotemedia.pipeline;

/**
 * One node's measured figures (the contract's NodeMetrics): time inside its process / flush
 * calls, input samples it processed (frames x channels over all inputs), the most memory it
 * held at once (its output buffers plus its own state), and node-specific counters as JSON.
 * {@code latencyMs} is its streaming latency and always finite: a node that writes its audio
 * only when the stream ends (whole-stream Normalize) reports 0 with {@code latencyUnbounded} set.
 */
public record NodeMetrics(String nodeId, String nodeType, double executionTimeMs, long memoryBytes,
                          long samplesProcessed, String customMetricsJson, double latencyMs, NodeStatus status,
                          boolean latencyUnbounded) {

    /** NodeStatus of the contract. */
    public enum NodeStatus { SUCCESS, SKIPPED, FAILED }
}
