package org.remotemedia.service;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.QuotaFailure;
import com.google.rpc.RetryInfo;
import java.util.Map;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.ServerCall;

/**
 * gRPC statuses with rich details: a {@code google.rpc.Status} (same code and message, plus
 * ErrorInfo / BadRequest / RetryInfo / QuotaFailure) in the {@code grpc-status-details-bin}
 * trailer, as grpc-java's {@code StatusProto.fromThrowable} and the other standard clients read
 * it. Used for protocol, auth and limit failures (docs/contract.md "Where errors go"); pipeline
 * failures go in-band instead.
 *
 * <p>Immutable values; the builders are safe from any thread.
 */
public final class StatusDetails {
    /** The trailer that carries the serialized google.rpc.Status. */
    public static final String TRAILER = "grpc-status-details-bin";
    /** ErrorInfo.domain of every error this server raises. */
    public static final String DOMAIN = "remotemedia.v1";

    /** A status and the trailers that carry its details. */
    public record Rejection(Status status, Metadata trailers) {
        /** Closes the call with this status and its details (first close wins). */
        public void close(ServerCall call) {
            call.close(status, trailers);
        }
    }

    private StatusDetails() {
    }

    /** A rejection whose details are {@code details} (each packed in an Any). */
    public static Rejection of(StatusCode code, String message, com.google.protobuf.Message... details) {
        com.google.rpc.Status.Builder s = com.google.rpc.Status.newBuilder().setCode(code.value()).setMessage(message);
        for (com.google.protobuf.Message d : details) {
            s.addDetails(Any.pack(d));
        }
        Metadata trailers = new Metadata(1).putBinary(TRAILER, s.build().toByteArray());
        return new Rejection(Status.of(code, message), trailers);
    }

    public static ErrorInfo errorInfo(String reason, Map<String, String> metadata) {
        return ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build();
    }

    public static RetryInfo retryAfter(long millis) {
        return RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder()
                .setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000)).build();
    }

    public static QuotaFailure quota(String subject, String description) {
        return QuotaFailure.newBuilder().addViolations(QuotaFailure.Violation.newBuilder()
                .setSubject(subject).setDescription(description)).build();
    }

    public static BadRequest badRequest(String field, String description) {
        return BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
                .setField(field).setDescription(description)).build();
    }

    /** UNAVAILABLE because too many executions are in flight: RetryInfo + QuotaFailure + ErrorInfo. */
    public static Rejection overloaded(int limit, long retryAfterMs) {
        String msg = "server overloaded: " + limit + " executions already in flight"
                + " (execution.max_concurrent_executions = " + limit + "); retry after " + retryAfterMs
                + " ms, or spread the load over more servers";
        return of(StatusCode.UNAVAILABLE, msg,
                errorInfo("OVERLOADED", Map.of("limit", Integer.toString(limit),
                        "setting", "execution.max_concurrent_executions")),
                retryAfter(retryAfterMs),
                quota("execution.max_concurrent_executions", "at most " + limit + " executions in flight"));
    }

    /**
     * UNAVAILABLE because DSP work found {@code queue} full (workers mode, extreme overload):
     * ErrorInfo {@code DSP_QUEUE_FULL} naming execution.worker_threads + RetryInfo (100 ms).
     */
    public static Rejection dspQueueFull(String queue) {
        return of(StatusCode.UNAVAILABLE, "server overloaded: " + queue + " is full; retry after 100 ms",
                errorInfo("DSP_QUEUE_FULL", Map.of("setting", "execution.worker_threads")), retryAfter(100));
    }

    /** UNAVAILABLE because the server is shutting down: RetryInfo + ErrorInfo. */
    public static Rejection draining(long retryAfterMs) {
        String msg = "server is draining (shutting down) and takes no new calls: retry after " + retryAfterMs
                + " ms, on another instance or once it has restarted";
        return of(StatusCode.UNAVAILABLE, msg, errorInfo("DRAINING", Map.of()), retryAfter(retryAfterMs));
    }

    /** INVALID_ARGUMENT for a request that is not a valid protobuf message: BadRequest + ErrorInfo. */
    public static Rejection undecodable(String messageType, String detail) {
        String msg = "the request is not a valid " + messageType + " protobuf message (" + detail + "): check that"
                + " the client was generated from the remotemedia.v1 protos";
        return of(StatusCode.INVALID_ARGUMENT, msg, errorInfo("MALFORMED_REQUEST", Map.of("message", messageType)),
                badRequest("", detail));
    }
}
