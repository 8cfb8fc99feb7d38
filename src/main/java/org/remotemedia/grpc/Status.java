package org.remotemedia.grpc;

import java.util.Objects;

/**
 * A gRPC status: a code and an optional human-readable description (sent percent-encoded as
 * {@code grpc-message}). Immutable; the constants for each bare code are shared.
 */
public final class Status {
    private static final Status[] BARE = new Status[StatusCode.values().length];

    static {
        for (StatusCode c : StatusCode.values()) {
            BARE[c.ordinal()] = new Status(c, null);
        }
    }

    public static final Status OK = of(StatusCode.OK);
    public static final Status CANCELLED = of(StatusCode.CANCELLED);
    public static final Status DEADLINE_EXCEEDED = of(StatusCode.DEADLINE_EXCEEDED);
    public static final Status INTERNAL = of(StatusCode.INTERNAL);
    public static final Status UNAVAILABLE = of(StatusCode.UNAVAILABLE);
    public static final Status UNIMPLEMENTED = of(StatusCode.UNIMPLEMENTED);
    public static final Status RESOURCE_EXHAUSTED = of(StatusCode.RESOURCE_EXHAUSTED);

    private final StatusCode code;
    private final String description;
    private final byte[] details;

    private Status(StatusCode code, String description) {
        this(code, description, null);
    }

    private Status(StatusCode code, String description, byte[] details) {
        this.code = code;
        this.description = description;
        this.details = details;
    }

    /** The shared status with no description. */
    public static Status of(StatusCode code) {
        return BARE[code.ordinal()];
    }

    public static Status of(StatusCode code, String description) {
        return description == null ? of(code) : new Status(Objects.requireNonNull(code), description);
    }

    public Status withDescription(String newDescription) {
        return of(code, newDescription);
    }

    /**
     * The same status with rich details: a serialized {@code google.rpc.Status} (build it with
     * {@link ErrorDetails}), sent in the {@code grpc-status-details-bin} trailer. The array is
     * kept, not copied: do not modify it.
     */
    public Status withDetails(byte[] googleRpcStatus) {
        return new Status(code, description, googleRpcStatus);
    }

    /** The serialized {@code google.rpc.Status} for {@code grpc-status-details-bin}, or null. Shared: do not modify. */
    public byte[] details() {
        return details;
    }

    public StatusCode code() {
        return code;
    }

    /** The description, or null. */
    public String description() {
        return description;
    }

    public boolean isOk() {
        return code == StatusCode.OK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Status s && s.code == code && Objects.equals(s.description, description);
    }

    @Override
    public int hashCode() {
        return code.hashCode() * 31 + Objects.hashCode(description);
    }

    @Override
    public String toString() {
        return description == null ? code.name() : code.name() + ": " + description;
    }
}
