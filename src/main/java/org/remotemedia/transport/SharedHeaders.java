package org.remotemedia.transport;

import io.netty.handler.codec.http2.Http2Headers;
import org.remotemedia.grpc.StatusCode;

/**
 * Response headers and trailers of the common cases (no custom metadata, no status message),
 * built and HPACK-encoded once ({@link PreEncodedHeaders}) and shared by every call on every
 * event loop: one immutable copy replaces a header map and an HPACK encoding per call.
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

    private static final HpackLiterals.Name X_REQUEST_ID = HpackLiterals.name(GrpcHeaderNames.X_REQUEST_ID);
    private static final Http2Headers[] TRAILERS = new Http2Headers[GrpcHeaderNames.STATUS_VALUES.length];
    private static final Http2Headers[] TRAILERS_ONLY = new Http2Headers[GrpcHeaderNames.STATUS_VALUES.length];

    static {
        for (int code = 0; code < TRAILERS.length; code++) {
            PreEncodedHeaders t = new PreEncodedHeaders(1);
            t.set(GrpcHeaderNames.GRPC_STATUS, GrpcHeaderNames.STATUS_VALUES[code]);
            TRAILERS[code] = t.seal();
            PreEncodedHeaders o = new PreEncodedHeaders(3);
            o.status(GrpcHeaderNames.STATUS_200);
            o.set(GrpcHeaderNames.CONTENT_TYPE, GrpcHeaderNames.APPLICATION_GRPC);
            o.set(GrpcHeaderNames.GRPC_STATUS, GrpcHeaderNames.STATUS_VALUES[code]);
            TRAILERS_ONLY[code] = o.seal();
        }
    }

    private SharedHeaders() {
    }

    private static Http2Headers response(boolean gzip) {
        PreEncodedHeaders h = new PreEncodedHeaders(4);
        h.status(GrpcHeaderNames.STATUS_200);
        h.set(GrpcHeaderNames.CONTENT_TYPE, GrpcHeaderNames.APPLICATION_GRPC);
        if (gzip) {
            h.set(GrpcHeaderNames.GRPC_ENCODING, GrpcHeaderNames.GZIP);
        }
        h.set(GrpcHeaderNames.GRPC_ACCEPT_ENCODING, GrpcHeaderNames.ACCEPTED_ENCODINGS);
        return h.seal();
    }

    /** {@code headers} (one of these) with the call's echoed {@code x-request-id} last. */
    static PreEncodedHeaders withRequestId(Http2Headers headers, CharSequence requestId) {
        return ((PreEncodedHeaders) headers).plus(X_REQUEST_ID, requestId);
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
