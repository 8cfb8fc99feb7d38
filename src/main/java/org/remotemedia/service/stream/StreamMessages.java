package org.remotemedia.service.stream;

import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.json.Json;
import org.remotemedia.pipeline.ExecutionMetrics;
import org.remotemedia.pipeline.NodeMetrics;
import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ErrorType;
import org.remotemedia.proto.v1.StreamClosed;
import org.remotemedia.proto.v1.StreamErrorType;
import org.remotemedia.proto.v1.StreamResponse;

/**
 * What a session says to its client, in one place: the StreamResponse messages it sends (but for
 * ChunkResults, which {@link ChunkResultEncoder} writes without building them), the words of
 * every stream error and StreamClosed reason, and the JSON of their contexts. Every error carries
 * the contract's stream fields in {@code ErrorResponse.context}: {@code stream_error_type},
 * {@code failing_sequence} and {@code session_id}, first, then the error's own context (paths,
 * limits, expected sequence). An error comes as an {@link ErrorMessage}, which names its stream
 * error type once for both the message and the metrics.
 *
 * <p>Stateless; safe from any thread.
 */
final class StreamMessages {
    /** The start of StreamClosed.reason when the server drains. */
    static final String SHUTDOWN_REASON = "server shutting down";
    /** StreamClosed.reason of COMMAND_CLOSE. */
    static final String CLOSED_BY_CLIENT = "closed by the client (COMMAND_CLOSE)";
    /** StreamClosed.reason of a half-close without COMMAND_CLOSE. */
    static final String HALF_CLOSED = "the client ended its stream without COMMAND_CLOSE; handled as COMMAND_CLOSE";

    /** An error response and its stream error type (the metrics count errors by it). */
    record ErrorMessage(StreamErrorType type, StreamResponse response) {
    }

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

    // ---- StreamClosed reasons

    /** A close when no audio came: {@code reason} says why the stream closed. */
    static String nothingToFlush(String reason) {
        return reason + "; no audio was sent, so there was nothing to flush";
    }

    /** A close because the server drains, after {@code answered} chunks, the next expected being {@code next}. */
    static String shutdown(long answered, long next) {
        return SHUTDOWN_REASON + ": the session was closed after " + answered + " chunk(s) (the last sequence"
                + " processed is " + (next - 1) + "); chunks sent after it were not processed. Open a new session,"
                + " on another server or after a restart, and resume from sequence " + next;
    }

    /** COMMAND_CANCEL after {@code answered} chunks, {@code discarded} more still queued. */
    static String cancelled(long answered, int discarded) {
        return "cancelled by the client (COMMAND_CANCEL) after " + answered + " chunk(s); " + discarded
                + " queued chunk(s) discarded, no tail flushed";
    }

    /** The call's status when even the in-band internal error could not be sent. */
    static Status internalStatus(String requestId) {
        return Status.of(StatusCode.INTERNAL, "internal error (request id " + requestId + ")");
    }

    // ---- errors of the stream protocol

    /** A message before the init: {@code got} says what came instead. Ends the session. */
    static ErrorMessage initRequired(String got, long sequence, String sessionId) {
        String message = "the first message of a stream must be init (a StreamInit with the manifest), but " + got
                + " came first: send StreamRequest{init} before any audio_chunk or control";
        return error(ErrorType.ERROR_TYPE_VALIDATION, message, StreamErrorType.STREAM_ERROR_INIT_REQUIRED, sequence,
                sessionId, "\"received\":\"" + got + "\"");
    }

    /** The client half-closed before any init. Ends the session. */
    static ErrorMessage endedWithoutInit(String sessionId) {
        String message = "the stream ended without an init: the first message of a stream must be init (a StreamInit"
                + " with the manifest)";
        return error(ErrorType.ERROR_TYPE_VALIDATION, message, StreamErrorType.STREAM_ERROR_INIT_REQUIRED, 0,
                sessionId, "\"received\":\"end of stream\"");
    }

    /** A second init, ignored. */
    static ErrorMessage secondInit(long expectedSequence, String sessionId) {
        String message = "a second init was ignored: a stream runs the one pipeline of its first message; open"
                + " another stream for another pipeline";
        return error(ErrorType.ERROR_TYPE_VALIDATION, message, StreamErrorType.STREAM_ERROR_UNSPECIFIED,
                expectedSequence, sessionId, "\"received\":\"init\"");
    }

    /** A control command other than CLOSE and CANCEL, ignored. */
    static ErrorMessage unsupportedCommand(int command, long expectedSequence, String sessionId) {
        String message = "control command " + command + " is not supported: send COMMAND_CLOSE (flush and end) or"
                + " COMMAND_CANCEL (end now); the command was ignored";
        return error(ErrorType.ERROR_TYPE_VALIDATION, message, StreamErrorType.STREAM_ERROR_UNSPECIFIED,
                expectedSequence, sessionId, "\"command\":" + command);
    }

    /** A StreamRequest with none of its fields set, ignored. */
    static ErrorMessage emptyRequest(long expectedSequence, String sessionId) {
        String message = "empty StreamRequest ignored: set one of init, audio_chunk or control";
        return error(ErrorType.ERROR_TYPE_VALIDATION, message, StreamErrorType.STREAM_ERROR_UNSPECIFIED,
                expectedSequence, sessionId, "");
    }

    /** An audio_chunk without a buffer, dropped. */
    static ErrorMessage noBuffer(long sequence, String sessionId) {
        String message = "invalid request: /buffer: audio_chunk " + Long.toUnsignedString(sequence) + " has no"
                + " buffer: set AudioChunk.buffer (an AudioBuffer); the chunk was dropped";
        return error(ErrorType.ERROR_TYPE_VALIDATION, message, StreamErrorType.STREAM_ERROR_EXECUTION, sequence,
                sessionId, "\"action\":\"dropped\"");
    }

    /**
     * An audio_chunk whose sequence is not {@code expected}: a repeat or late chunk (below it) is
     * dropped, a gap (above it) processed; with {@code strict} either ends the session.
     */
    static ErrorMessage badSequence(long sequence, long expected, boolean strict, String sessionId) {
        boolean old = Long.compareUnsigned(sequence, expected) < 0;
        String exp = Long.toUnsignedString(expected);
        String got = Long.toUnsignedString(sequence);
        String what = old
                ? "audio_chunk sequence " + got + " was already used (expected " + exp + "): a repeated or late chunk"
                : "audio_chunk sequence " + got + " skips " + (expected + 1 == sequence ? "chunk " + exp
                        : "chunks " + exp + ".." + Long.toUnsignedString(sequence - 1)) + " (expected " + exp + ")";
        String action = strict ? "the session ended (streaming.strict_sequence is on)"
                : old ? "the chunk was dropped and the session goes on" : "the chunk was processed and the session goes"
                        + " on from " + Long.toUnsignedString(sequence + 1);
        String message = what + "; sequences must run 0, 1, 2, ... without gaps or repeats: " + action;
        String actionJson = strict ? "session_ended" : old ? "dropped" : "processed";
        return error(ErrorType.ERROR_TYPE_VALIDATION, message, StreamErrorType.STREAM_ERROR_INVALID_SEQUENCE,
                sequence, sessionId, "\"expected_sequence\":" + exp + ",\"action\":\"" + actionJson + "\"");
    }

    /** More messages arrived than the input queue holds ({@code capacity}). Ends the session. */
    static ErrorMessage bufferOverflow(int capacity, long sequence, String sessionId) {
        String message = "input buffer overflow: more than " + capacity + " messages arrived unanswered"
                + " (streaming.input_queue_chunks = " + capacity + "), which only a peer that ignores HTTP/2 flow"
                + " control can do; the session ended. Let the HTTP/2 window pace the sender";
        return error(ErrorType.ERROR_TYPE_RESOURCE_LIMIT, message, StreamErrorType.STREAM_ERROR_BUFFER_OVERFLOW,
                sequence, sessionId, "\"limit\":\"streaming.input_queue_chunks\",\"limit_value\":" + capacity);
    }

    /** No message for {@code idleMs}. Ends the session. */
    static ErrorMessage idleTimeout(long idleMs, long expectedSequence, String sessionId) {
        String message = "idle timeout: no message for " + idleMs + " ms (streaming.idle_timeout_ms = " + idleMs
                + "); the session ended. Send chunks more often, or end streams with COMMAND_CLOSE when done";
        return error(ErrorType.ERROR_TYPE_RESOURCE_LIMIT, message, StreamErrorType.STREAM_ERROR_TIMEOUT,
                expectedSequence, sessionId, "\"limit\":\"streaming.idle_timeout_ms\",\"limit_value\":" + idleMs);
    }

    // ---- errors from the service's conversions (version, engine, bugs)

    /** The init failed ({@code base}: version mismatch or the engine's error). Ends the session. */
    static ErrorMessage initFailed(ErrorResponse base, String sessionId) {
        return error(base, StreamErrorType.STREAM_ERROR_UNSPECIFIED, 0, sessionId, "");
    }

    /**
     * A chunk (or the close's flush) failed in the engine; {@code dropped}: the session goes on
     * without it, else the session ended.
     */
    static ErrorMessage chunkFailed(ErrorResponse base, long sequence, boolean dropped, String sessionId) {
        return error(base, StreamErrorType.STREAM_ERROR_EXECUTION, sequence, sessionId,
                dropped ? "\"action\":\"dropped\"" : "\"action\":\"session_ended\"");
    }

    /** A bug in the server ({@code base}: the internal error). Ends the session. */
    static ErrorMessage internal(ErrorResponse base, long sequence, String sessionId) {
        return error(base, StreamErrorType.STREAM_ERROR_EXECUTION, sequence, sessionId, "");
    }

    /**
     * An error response: {@code base} (from the service's conversions) with the stream fields put
     * first in its context object, plus {@code extraJson} (members without braces, may be empty).
     */
    private static ErrorMessage error(ErrorResponse base, StreamErrorType type, long failingSequence,
                                      String sessionId, String extraJson) {
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
        return new ErrorMessage(type,
                StreamResponse.newBuilder().setError(base.toBuilder().setContext(ctx.toString())).build());
    }

    /** An error of the stream protocol itself (no engine error behind it). */
    private static ErrorMessage error(ErrorType errorType, String message, StreamErrorType type, long failingSequence,
                                      String sessionId, String extraJson) {
        ErrorResponse base = ErrorResponse.newBuilder().setErrorType(errorType).setMessage(message).setContext("{}")
                .build();
        return error(base, type, failingSequence, sessionId, extraJson);
    }
}
