package org.remotemedia.service.stream;

import org.remotemedia.json.Json;
import org.remotemedia.pipeline.ExecutionMetrics;
import org.remotemedia.pipeline.NodeMetrics;
import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ErrorType;
import org.remotemedia.proto.v1.StreamClosed;
import org.remotemedia.proto.v1.StreamErrorType;
import org.remotemedia.proto.v1.StreamResponse;

/**
 * The StreamResponse messages a session sends, but for ChunkResults, which
 * {@link ChunkResultEncoder} writes without building them. Every {@code error} carries the
 * contract's stream fields in {@code ErrorResponse.context}:
 * {@code stream_error_type}, {@code failing_sequence} and {@code session_id}, first, then the
 * error's own context (paths, limits, expected sequence).
 *
 * <p>Stateless; safe from any thread.
 */
final class StreamMessages {
    private StreamMessages() {
    }

    static StreamResponse ready(String sessionId, long recommendedChunkSize, long maxBufferLatencyMs) {
        return StreamResponse.newBuilder().setReady(org.remotemedia.proto.v1.StreamReady.newBuilder()
                .setSessionId(sessionId)
                .setRecommendedChunkSize(recommendedChunkSize)
                .setMaxBufferLatencyMs(maxBufferLatencyMs)).build();
    }

    static StreamResponse metrics(String sessionId, long chunks, double averageLatencyMs, long totalSamples,
                                  long bufferSamples, long dropped, long peakMemoryBytes) {
        return StreamResponse.newBuilder().setMetrics(org.remotemedia.proto.v1.StreamMetrics.newBuilder()
                .setSessionId(sessionId)
                .setChunksProcessed(chunks)
                .setAverageLatencyMs(averageLatencyMs)
                .setTotalSamples(totalSamples)
                .setBufferSamples(bufferSamples)
                .setChunksDropped(dropped)
                .setPeakMemoryBytes(peakMemoryBytes)).build();
    }

    /**
     * StreamClosed with the session's final figures: wall time = the session's life from init to
     * close; CPU time and memory from the engine; serialization = decoding the chunks and encoding
     * the results on the session's thread.
     */
    static StreamResponse closed(String sessionId, String reason, ExecutionMetrics m, double wallTimeMs,
                                 double serializationMs) {
        org.remotemedia.proto.v1.ExecutionMetrics.Builder em = org.remotemedia.proto.v1.ExecutionMetrics.newBuilder()
                .setWallTimeMs(wallTimeMs)
                .setSerializationTimeMs(serializationMs);
        if (m != null) {
            em.setCpuTimeMs(m.cpuTimeMs()).setMemoryUsedBytes(m.memoryUsedBytes());
            for (NodeMetrics nm : m.nodes()) {
                em.putNodeMetrics(nm.nodeId(), org.remotemedia.proto.v1.NodeMetrics.newBuilder()
                        .setExecutionTimeMs(nm.executionTimeMs())
                        .setMemoryBytes(nm.memoryBytes())
                        .setSamplesProcessed(nm.samplesProcessed())
                        .setCustomMetrics(nm.customMetricsJson() == null ? "" : nm.customMetricsJson())
                        .build());
            }
        }
        return StreamResponse.newBuilder().setClosed(StreamClosed.newBuilder()
                .setSessionId(sessionId)
                .setReason(reason)
                .setFinalMetrics(em)).build();
    }

    /**
     * An error response: {@code base} (from the service's conversions) with the stream fields put
     * first in its context object, plus {@code extraJson} (members without braces, may be empty).
     */
    static StreamResponse error(ErrorResponse base, StreamErrorType type, long failingSequence, String sessionId,
                                String extraJson) {
        StringBuilder ctx = new StringBuilder(96 + base.getContext().length() + extraJson.length());
        ctx.append("{\"stream_error_type\":\"").append(type.name()).append("\",\"failing_sequence\":")
                .append(Long.toUnsignedString(failingSequence)).append(",\"session_id\":");
        Json.string(ctx, sessionId);
        if (!extraJson.isEmpty()) {
            ctx.append(',').append(extraJson);
        }
        String own = base.getContext().strip();
        if (own.length() > 2 && own.charAt(0) == '{') {
            ctx.append(',').append(own, 1, own.length()); // the error's own members, closing brace included
        } else {
            ctx.append('}');
        }
        return StreamResponse.newBuilder().setError(base.toBuilder().setContext(ctx.toString())).build();
    }

    /** An error of the stream protocol itself (no engine error behind it). */
    static StreamResponse error(ErrorType errorType, String message, StreamErrorType type, long failingSequence,
                                String sessionId, String extraJson) {
        ErrorResponse base = ErrorResponse.newBuilder().setErrorType(errorType).setMessage(message).setContext("{}")
                .build();
        return error(base, type, failingSequence, sessionId, extraJson);
    }
}
