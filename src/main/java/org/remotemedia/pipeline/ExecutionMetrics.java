package org.remotemedia.pipeline;

import java.util.List;

/**
 * Measured figures of one execution, or of a streaming session so far (the contract's
 * ExecutionMetrics): wall and CPU time of the running thread, peak pooled memory, per node.
 */
public record ExecutionMetrics(double wallTimeMs, double cpuTimeMs, long memoryUsedBytes, List<NodeMetrics> nodes) {
}
