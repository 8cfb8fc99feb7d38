package org.remotemedia.pipeline;

/**
 * One node's measured figures (the contract's NodeMetrics): time inside its process / flush
 * calls, input samples it processed (frames x channels over all inputs), the most memory it
 * held at once (its output buffers plus its own state), and node-specific counters as JSON.
 */
public record NodeMetrics(String nodeId, String nodeType, double executionTimeMs, long memoryBytes,
                          long samplesProcessed, String customMetricsJson, double latencyMs, NodeStatus status) {

    /** NodeStatus of the contract. */
    public enum NodeStatus { SUCCESS, SKIPPED, FAILED }
}
