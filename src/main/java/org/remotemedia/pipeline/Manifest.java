package org.remotemedia.pipeline;

import java.util.List;
import java.util.Map;

/**
 * The remotemedia.v1 PipelineManifest as plain Java, independent of protobuf: the service
 * builds one from the wire message ({@link Node#withParamsText} keeps params as the JSON
 * text the wire carries); {@link ManifestJson#parse} builds one from the JSON form.
 * Immutable; null fields mean "absent".
 */
public record Manifest(String version, Metadata metadata, List<Node> nodes, List<Connection> connections) {

    public Manifest {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        connections = connections == null ? List.of() : List.copyOf(connections);
    }

    /** ManifestMetadata. */
    public record Metadata(String name, String description, String createdAt) {
    }

    /** A connection: audio of {@code from} feeds {@code to}. */
    public record Connection(String from, String to) {
    }

    /** CapabilityRequirements (all optional). A required GPU fails validation: this server has none. */
    public record Capabilities(String gpuType, double gpuMinMemoryGb, boolean gpuRequired, int cpuCores,
                               String cpuArch, double memoryGb) {
        public static final Capabilities NONE = new Capabilities("", 0, false, 0, "", 0);
    }

    /**
     * NodeManifest. Params come either as JSON text ({@code paramsText}, the protobuf form) or
     * already parsed ({@code params}: Map / List / String / Number / Boolean values, the JSON
     * form); exactly one is non-null (both null means no params).
     */
    public record Node(String id, String nodeType, String paramsText, Map<String, Object> params, boolean streaming,
                       Capabilities capabilities, String host, String runtimeHint) {

        public static Node withParamsText(String id, String nodeType, String paramsJsonText) {
            return new Node(id, nodeType, paramsJsonText, null, false, Capabilities.NONE, "", "");
        }

        public static Node withParams(String id, String nodeType, Map<String, Object> params) {
            return new Node(id, nodeType, null, params, false, Capabilities.NONE, "", "");
        }

        public Node withCapabilities(Capabilities c) {
            return new Node(id, nodeType, paramsText, params, streaming, c, host, runtimeHint);
        }
    }
}
