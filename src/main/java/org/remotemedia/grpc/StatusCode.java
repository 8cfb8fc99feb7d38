package org.remotemedia.grpc;

/**
 * The gRPC status codes (grpc/doc/statuscodes.md), with their wire form precomputed so that
 * writing {@code grpc-status} allocates nothing. Immutable.
 */
public enum StatusCode {
    OK(0), CANCELLED(1), UNKNOWN(2), INVALID_ARGUMENT(3), DEADLINE_EXCEEDED(4), NOT_FOUND(5),
    ALREADY_EXISTS(6), PERMISSION_DENIED(7), RESOURCE_EXHAUSTED(8), FAILED_PRECONDITION(9),
    ABORTED(10), OUT_OF_RANGE(11), UNIMPLEMENTED(12), INTERNAL(13), UNAVAILABLE(14),
    DATA_LOSS(15), UNAUTHENTICATED(16);

    private static final StatusCode[] BY_VALUE = values();

    private final int value;
    private final String wire;

    StatusCode(int value) {
        this.value = value;
        this.wire = Integer.toString(value);
    }

    /** The numeric code. */
    public int value() {
        return value;
    }

    /** The decimal ASCII form sent as {@code grpc-status}. */
    public String wire() {
        return wire;
    }

    /** The code for a numeric value; UNKNOWN for values outside 0..16, as the spec asks. */
    public static StatusCode of(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : UNKNOWN;
    }
}
