package org.remotemedia.auth;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import java.util.Map;
import java.util.function.Consumer;
import org.remotemedia.grpc.ErrorDetails;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.CallInterceptor;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.Workload;

/**
 * Token authentication of every call but health probes: the token comes in
 * {@code authorization: Bearer <token>} or {@code x-api-key: <token>}; its name in the
 * {@link TokenSet} becomes the call's identity. Without a token set every caller is
 * {@link #ANONYMOUS}. A refused call gets UNAUTHENTICATED with a message that says which
 * problem and how to fix it, and a {@code google.rpc.ErrorInfo} (reason MISSING_TOKEN /
 * MALFORMED_TOKEN / INVALID_TOKEN); each failure is counted by reason and reported to
 * {@code onFailure} (per-peer throttling).
 *
 * <p>Runs on event loops; the token set is swapped atomically by {@link #reload} (SIGHUP),
 * so calls in flight and open connections are not touched.
 */
public final class AuthInterceptor implements CallInterceptor {
    public static final String ANONYMOUS = "anonymous";

    /** Why a call was refused (the {@code reason} label of the failure counter). */
    public enum Failure { MISSING, MALFORMED, INVALID }

    private static final String HOW = "send the header 'authorization: Bearer <token>' (or 'x-api-key: <token>') with a"
            + " token the server accepts; the server's tokens are configured with auth.tokens_file: ask its operator";
    private static final Status MISSING = reject("MISSING_TOKEN",
            "missing token: this server requires authentication; " + HOW);
    private static final Status MALFORMED = reject("MALFORMED_TOKEN",
            "malformed authorization header: expected 'Bearer <token>'; " + HOW);
    private static final Status INVALID = reject("INVALID_TOKEN",
            "invalid token: the token was not accepted (wrong, revoked or mistyped); " + HOW);

    private final CounterDataPoint[] failures = new CounterDataPoint[Failure.values().length];
    private final Counter callsByIdentity;
    private final java.util.concurrent.ConcurrentHashMap<String, CounterDataPoint> byIdentity =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final Consumer<String> onFailure;
    private volatile TokenSet tokens;

    /** @param onFailure told the peer address of every failed call (may be a no-op) */
    public AuthInterceptor(TokenSet tokens, Metrics metrics, Consumer<String> onFailure) {
        this.tokens = tokens;
        this.onFailure = onFailure;
        Counter c = metrics.counter("auth_failures", "calls refused by authentication, by reason", "reason");
        for (Failure f : Failure.values()) {
            failures[f.ordinal()] = c.labelValues(f.name().toLowerCase(java.util.Locale.ROOT));
        }
        callsByIdentity = metrics.counter("auth_calls", "calls authenticated, by identity (the token's name;"
                + " anonymous with authentication off)", "identity");
    }

    private void counted(String identity) {
        CounterDataPoint d = byIdentity.get(identity); // token names: a bounded set chosen by the operator
        if (d == null) {
            d = byIdentity.computeIfAbsent(identity, callsByIdentity::labelValues);
        }
        d.inc();
    }

    private static Status reject(String reason, String message) {
        return ErrorDetails.of(StatusCode.UNAUTHENTICATED, message)
                .errorInfo(reason, "remotemedia.v1", Map.of("header", "authorization", "scheme", "Bearer",
                        "alternative_header", "x-api-key"))
                .build();
    }

    /** Takes a new token set; calls from now on are checked against it. */
    public void reload(TokenSet next) {
        tokens = next;
    }

    public TokenSet tokens() {
        return tokens;
    }

    @Override
    public Status check(ServerCall call) {
        if (call.workload() == Workload.PROBE) {
            return null;
        }
        TokenSet t = tokens;
        if (!t.enabled()) {
            call.setIdentity(ANONYMOUS);
            counted(ANONYMOUS);
            return null;
        }
        Metadata h = call.requestHeaders();
        String token;
        String authorization = h.get("authorization");
        if (authorization != null) {
            String v = authorization.strip();
            if (v.length() > 7 && v.regionMatches(true, 0, "Bearer ", 0, 7)) {
                token = v.substring(7).strip();
            } else if (v.isEmpty() || v.equalsIgnoreCase("Bearer")) {
                token = "";
            } else {
                return fail(call, Failure.MALFORMED, MALFORMED);
            }
        } else {
            String key = h.get("x-api-key");
            token = key == null ? "" : key.strip();
        }
        if (token.isEmpty()) {
            return fail(call, Failure.MISSING, MISSING);
        }
        String name = t.identify(token);
        if (name == null) {
            return fail(call, Failure.INVALID, INVALID);
        }
        call.setIdentity(name);
        counted(name);
        return null;
    }

    private Status fail(ServerCall call, Failure f, Status s) {
        failures[f.ordinal()].inc();
        onFailure.accept(call.peerAddress());
        return s;
    }
}
