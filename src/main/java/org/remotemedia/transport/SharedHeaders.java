package org.remotemedia.transport;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.remotemedia.grpc.StatusCode;

/**
 * Response headers and trailers of the common cases (no custom metadata, no status message),
 * built once and shared by every call on every event loop: netty's encoder only reads headers
 * it writes (HPACK iterates them), so one immutable copy replaces a header map per call.
 *
 * <p>Threads: built in the class initializer and never modified afterwards (safe publication
 * through the final static fields); read concurrently by all event loops. Nothing may call a
 * mutator on these objects.
 */
final class SharedHeaders {
    /** {@code :status 200}, content-type, grpc-accept-encoding. */
    static final Http2Headers RESPONSE = response(false);
    /** As {@link #RESPONSE} plus {@code grpc-encoding: gzip}. */
    static final Http2Headers RESPONSE_GZIP = response(true);

    private static final Http2Headers[] TRAILERS = new Http2Headers[GrpcHeaderNames.STATUS_VALUES.length];
    private static final Http2Headers[] TRAILERS_ONLY = new Http2Headers[GrpcHeaderNames.STATUS_VALUES.length];

    static {
        for (int code = 0; code < TRAILERS.length; code++) {
            Http2Headers t = new DefaultHttp2Headers(false, 1);
            t.set(GrpcHeaderNames.GRPC_STATUS, GrpcHeaderNames.STATUS_VALUES[code]);
            TRAILERS[code] = t;
            Http2Headers o = new DefaultHttp2Headers(false, 3);
            o.status(GrpcHeaderNames.STATUS_200);
            o.set(GrpcHeaderNames.CONTENT_TYPE, GrpcHeaderNames.APPLICATION_GRPC);
            o.set(GrpcHeaderNames.GRPC_STATUS, GrpcHeaderNames.STATUS_VALUES[code]);
            TRAILERS_ONLY[code] = o;
        }
    }

    private SharedHeaders() {
    }

    private static Http2Headers response(boolean gzip) {
        Http2Headers h = new DefaultHttp2Headers(false, 4);
        h.status(GrpcHeaderNames.STATUS_200);
        h.set(GrpcHeaderNames.CONTENT_TYPE, GrpcHeaderNames.APPLICATION_GRPC);
        if (gzip) {
            h.set(GrpcHeaderNames.GRPC_ENCODING, GrpcHeaderNames.GZIP);
        }
        h.set(GrpcHeaderNames.GRPC_ACCEPT_ENCODING, GrpcHeaderNames.ACCEPTED_ENCODINGS);
        return h;
    }

    /** Trailers after response headers: {@code grpc-status} only. */
    static Http2Headers trailers(StatusCode code) {
        return TRAILERS[code.value()];
    }

    /** A Trailers-Only response: {@code :status 200}, content-type and {@code grpc-status}. */
    static Http2Headers trailersOnly(StatusCode code) {
        return TRAILERS_ONLY[code.value()];
    }
}
