package org.remotemedia.dsp;

import java.util.List;
import java.util.Map;

/**
 * A configuration a node type declares for the generic tests (streaming vs one-shot
 * equivalence, latency, allocation): its params as the manifest would give them, and the
 * input streams to feed. Every registered type declares at least one, so a new node is
 * covered by those tests without writing them again.
 */
public record NodeExample(String label, Map<String, Object> params, List<AudioSpec> inputs) {
}
