package org.remotemedia.pipeline;

/** A node's data output (JSON text), by node id. */
public record DataOutput(String nodeId, String json) {
}
