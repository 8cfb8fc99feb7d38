package org.remotemedia.dsp;

import java.util.List;
import java.util.Map;

/**
 * A configuration a node type declares for the generic tests (streaming vs one-shot
 * equivalence, latency, allocation): its params as the manifest would give them, and the
 * input streams to feed. Every registered type declares at least one, so a new node is
 * covered by those tests without writing them again.
 *
 * <p>A data node (no audio inputs) declares instead the data input it is given as a source
 * ({@code dataInput}, JSON text) and the data output that must come of it ({@code expectedData});
 * both are null for audio examples.
 */
public record NodeExample(String label, Map<String, Object> params, List<AudioSpec> inputs, String dataInput,
                          String expectedData) {

    /** An audio example. */
    public NodeExample(String label, Map<String, Object> params, List<AudioSpec> inputs) {
        this(label, params, inputs, null, null);
    }

    /** A data example: {@code dataInput} in, {@code expectedData} out, no audio. */
    public static NodeExample data(String label, Map<String, Object> params, String dataInput, String expectedData) {
        return new NodeExample(label, params, List.of(), dataInput, expectedData);
    }

    public boolean isData() {
        return dataInput != null;
    }
}
