package org.remotemedia.rpc;

import org.remotemedia.grpc.Status;

/**
 * A check run before a call reaches its handler (authentication, admission, rate limits), on
 * the event loop with the request headers. One method, applied in registration order.
 */
@FunctionalInterface
public interface CallInterceptor {
    /** Null lets the call through; a status rejects it (sent as Trailers-Only). */
    Status check(ServerCall call);
}
