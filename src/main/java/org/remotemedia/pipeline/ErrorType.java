package org.remotemedia.pipeline;

/**
 * What kind of failure a {@link PipelineError} is. The first four are the contract's
 * ErrorType values (sent in-band); CANCELLED and DEADLINE_EXCEEDED are the caller's own
 * cancellation and deadline, which the service maps to gRPC statuses (CANCELLED,
 * DEADLINE_EXCEEDED) rather than to an in-band error.
 */
public enum ErrorType {
    VALIDATION,
    NODE_EXECUTION,
    RESOURCE_LIMIT,
    INTERNAL,
    CANCELLED,
    DEADLINE_EXCEEDED
}
