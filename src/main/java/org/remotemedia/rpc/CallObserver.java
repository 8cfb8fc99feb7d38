package org.remotemedia.rpc;

import org.remotemedia.grpc.StatusCode;

/**
 * Told of every call that reached a registered method when it ends (status sent, or cancelled):
 * metrics by method and code, the access log. Runs on the connection's event loop as the last
 * step of the call: keep it short and never block (hand slow work to another thread).
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
}
