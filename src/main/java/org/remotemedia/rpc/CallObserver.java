package org.remotemedia.rpc;

import org.remotemedia.grpc.StatusCode;

/**
 * Told of every call that reached a registered method when it ends (status sent, or cancelled),
 * and of every request the transport answered itself before any method ran: metrics by method
 * and code, the access log. Runs on the connection's event loop as the last step of the call:
 * keep it short and never block (hand slow work to another thread).
 */
@FunctionalInterface
public interface CallObserver {
    /**
     * @param call          the finished call: its method, id, peer, identity and notes stay readable
     * @param code          the status the call ended with (CANCELLED when the client went away)
     * @param durationNanos from the request headers to the end
     * @param bytesIn       request bytes received (gRPC messages with their 5-byte prefixes)
     * @param bytesOut      response bytes sent (likewise)
     */
    void callEnded(ServerCall call, StatusCode code, long durationNanos, long bytesIn, long bytesOut);

    /**
     * A request refused by the transport before any method ran: an unknown service or method, an
     * unsupported content-type or encoding, a bad header, or an HTTP-level refusal (not POST, not
     * gRPC). No identity is known yet and no message was read.
     *
     * @param requestId     the client's {@code x-request-id}, else the stream's id in the logs
     * @param path          the request's {@code :path} as sent (at most 256 characters)
     * @param peer          the remote address
     * @param httpStatus    200 for a gRPC answer (Trailers-Only), else 400, 405 or 415
     * @param code          the grpc-status sent
     * @param durationNanos from the request headers to the answer
     */
    default void requestRefused(String requestId, String path, String peer, int httpStatus, StatusCode code,
            long durationNanos) {
    }
}
