package org.remotemedia.daemon;

import java.util.Map;
import org.remotemedia.auth.TokenAuthenticator;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.CallInterceptor;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.service.StatusDetails;

/**
 * Adapts {@link TokenAuthenticator} to the rpc API: a call without a valid bearer token is
 * closed with UNAUTHENTICATED (the message says which problem and how to configure a token) and
 * a {@code google.rpc.ErrorInfo} detail (reason MISSING_TOKEN / MALFORMED_TOKEN /
 * INVALID_TOKEN). Health checks pass without a token so load balancers can probe.
 *
 * <p>Runs on the event loop; stateless apart from the immutable rejections.
 */
final class AuthInterceptor implements CallInterceptor {
    static final String HEALTH_PREFIX = "/grpc.health.v1.Health/";

    private final TokenAuthenticator auth;
    private final StatusDetails.Rejection missing;
    private final StatusDetails.Rejection malformed;
    private final StatusDetails.Rejection invalid;

    AuthInterceptor(TokenAuthenticator auth) {
        this.auth = auth;
        this.missing = rejection(auth.check(null), "MISSING_TOKEN");
        this.malformed = rejection(auth.check("x"), "MALFORMED_TOKEN");
        this.invalid = rejection(auth.check("Bearer \u0000"), "INVALID_TOKEN");
    }

    private static StatusDetails.Rejection rejection(TokenAuthenticator.Verdict v, String reason) {
        return v.ok() ? null : StatusDetails.of(StatusCode.UNAUTHENTICATED, v.message(),
                StatusDetails.errorInfo(reason, Map.of("header", "authorization", "scheme", "Bearer")));
    }

    @Override
    public Status check(ServerCall call) {
        if (!auth.enabled() || call.methodPath().startsWith(HEALTH_PREFIX)) {
            return null;
        }
        TokenAuthenticator.Verdict v = auth.check(call.requestHeaders().get("authorization"));
        StatusDetails.Rejection r = switch (v.outcome()) {
            case OK -> null;
            case MISSING -> missing;
            case MALFORMED -> malformed;
            case INVALID -> invalid;
        };
        if (r == null) {
            return null;
        }
        r.close(call); // closed here so that the details trailer goes out; the transport sees the call done
        return r.status();
    }
}
