package org.remotemedia.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;
import java.util.Optional;

/**
 * The call failed with a gRPC status: {@link #code()}, the server's description, and the
 * {@code google.rpc.Status} details it sent (RetryInfo, ErrorInfo, QuotaFailure, BadRequest).
 * {@link #isRetryable()} is true for UNAVAILABLE and RESOURCE_EXHAUSTED with RetryInfo, and
 * {@link #retryDelay()} says how long the server asked to wait.
 */
public class RpcException extends RemoteMediaException {
    private static final long serialVersionUID = 1L;
    private final Status.Code code;
    private final transient com.google.rpc.Status details;

    RpcException(String message, Status status, com.google.rpc.Status details, Throwable cause) {
        super(message, cause);
        this.code = status.getCode();
        this.details = details;
    }

    /** The typed exception for a failed call. */
    static RpcException of(Throwable t, String target) {
        Status s = Status.fromThrowable(t);
        com.google.rpc.Status d = StatusProto.fromThrowable(t);
        String desc = s.getDescription() == null ? "" : s.getDescription();
        return switch (s.getCode()) {
            case UNAUTHENTICATED -> new AuthenticationException("UNAUTHENTICATED: " + desc
                    + " (give a token the server accepts: --token / REMOTEMEDIA_TOKEN)", s, d, t);
            case UNAVAILABLE -> new UnavailableException("UNAVAILABLE: " + target + ": " + desc
                    + (s.getCause() == null || s.getCause().getMessage() == null ? "" : " (" + s.getCause().getMessage() + ")")
                    + (d == null || d.getDetailsCount() == 0 ? ": is the server running, and is this its gRPC port (TLS or not)?" : ""), s, d, t);
            case DEADLINE_EXCEEDED -> new RpcException("DEADLINE_EXCEEDED: the call did not finish in time: " + desc,
                    s, d, t);
            case CANCELLED -> new CancelledException("CANCELLED: " + desc, s, d, t);
            default -> new RpcException(s.getCode() + ": " + target + ": " + desc, s, d, t);
        };
    }

    public Status.Code code() {
        return code;
    }

    /** The google.rpc.Status the server sent in grpc-status-details-bin, if any. */
    public Optional<com.google.rpc.Status> details() {
        return Optional.ofNullable(details);
    }

    /** RetryInfo's delay, when the server sent one. */
    public Optional<Duration> retryDelay() {
        return detail(RetryInfo.class).map(r -> Duration.ofSeconds(r.getRetryDelay().getSeconds(),
                r.getRetryDelay().getNanos()));
    }

    /** ErrorInfo's reason (e.g. TOO_MANY_SESSIONS), when the server sent one. */
    public Optional<String> reason() {
        return detail(ErrorInfo.class).map(ErrorInfo::getReason);
    }

    public boolean isRetryable() {
        return (code == Status.Code.UNAVAILABLE || code == Status.Code.RESOURCE_EXHAUSTED) && retryDelay().isPresent();
    }

    <T extends com.google.protobuf.Message> Optional<T> detail(Class<T> type) {
        if (details == null) {
            return Optional.empty();
        }
        for (Any a : details.getDetailsList()) {
            if (a.is(type)) {
                try {
                    return Optional.of(a.unpack(type));
                } catch (InvalidProtocolBufferException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    static boolean isStatus(Throwable t) {
        return t instanceof StatusRuntimeException || t instanceof io.grpc.StatusException;
    }

    /** UNAVAILABLE: the server is down, draining or overloaded (see {@link #retryDelay()}), or not a gRPC server. */
    public static final class UnavailableException extends RpcException {
        private static final long serialVersionUID = 1L;

        UnavailableException(String m, Status s, com.google.rpc.Status d, Throwable t) {
            super(m, s, d, t);
        }
    }

    /** UNAUTHENTICATED: a missing or wrong bearer token. */
    public static final class AuthenticationException extends RpcException {
        private static final long serialVersionUID = 1L;

        AuthenticationException(String m, Status s, com.google.rpc.Status d, Throwable t) {
            super(m, s, d, t);
        }
    }

    /** CANCELLED: the caller cancelled the call. */
    public static final class CancelledException extends RpcException {
        private static final long serialVersionUID = 1L;

        CancelledException(String m, Status s, com.google.rpc.Status d, Throwable t) {
            super(m, s, d, t);
        }
    }
}
