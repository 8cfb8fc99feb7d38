package org.remotemedia.transport;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * One pass over a request's headers: the pseudo-headers and the headers the transport reads
 * are picked out by name, everything else is kept in order as custom metadata. Replaces about
 * ten hash lookups per request in netty's header map. For a name that repeats, the first value
 * counts (as {@code Http2Headers.get} answers). Names are lower case here: netty's decoder
 * rejects upper-case names before the listener sees them.
 *
 * <p>Threads: one per connection, reused for every request on its event loop; the values are
 * valid until the next {@link #scan}.
 */
final class RequestHeaderScan {
    CharSequence method;
    CharSequence path;
    CharSequence scheme;
    CharSequence authority;
    CharSequence contentType;
    CharSequence te;
    CharSequence grpcEncoding;
    CharSequence grpcTimeout;
    CharSequence grpcAcceptEncoding;
    CharSequence xRequestId;

    private CharSequence[] customNames = new CharSequence[8];
    private CharSequence[] customValues = new CharSequence[8];
    private int customCount;

    void scan(Http2Headers headers) {
        method = path = scheme = authority = null;
        contentType = te = grpcEncoding = grpcTimeout = grpcAcceptEncoding = xRequestId = null;
        Arrays.fill(customNames, 0, customCount, null);
        Arrays.fill(customValues, 0, customCount, null);
        customCount = 0;
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iterator();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            CharSequence k = e.getKey();
            CharSequence v = e.getValue();
            int n = k.length();
            if (n == 0) {
                continue;
            }
            if (k.charAt(0) == ':') {
                pseudo(k, n, v);
                continue;
            }
            switch (n) {
                case 2 -> {
                    if (is(GrpcHeaderNames.TE, k)) {
                        te = first(te, v);
                        continue;
                    }
                }
                case 12 -> {
                    if (is(GrpcHeaderNames.CONTENT_TYPE, k)) {
                        contentType = first(contentType, v);
                        continue;
                    }
                    if (is(GrpcHeaderNames.GRPC_TIMEOUT, k)) {
                        grpcTimeout = first(grpcTimeout, v);
                        continue;
                    }
                    if (is(GrpcHeaderNames.X_REQUEST_ID, k)) {
                        xRequestId = first(xRequestId, v); // also custom metadata
                    }
                }
                case 13 -> {
                    if (is(GrpcHeaderNames.GRPC_ENCODING, k)) {
                        grpcEncoding = first(grpcEncoding, v);
                        continue;
                    }
                }
                case 20 -> {
                    if (is(GrpcHeaderNames.GRPC_ACCEPT_ENCODING, k)) {
                        grpcAcceptEncoding = first(grpcAcceptEncoding, v);
                        continue;
                    }
                }
                default -> {
                }
            }
            addCustom(k, v);
        }
    }

    private void pseudo(CharSequence k, int n, CharSequence v) {
        switch (n) {
            case 5 -> {
                if (is(Http2Headers.PseudoHeaderName.PATH.value(), k)) {
                    path = first(path, v);
                }
            }
            case 7 -> {
                if (is(Http2Headers.PseudoHeaderName.METHOD.value(), k)) {
                    method = first(method, v);
                } else if (is(Http2Headers.PseudoHeaderName.SCHEME.value(), k)) {
                    scheme = first(scheme, v);
                }
            }
            case 10 -> {
                if (is(Http2Headers.PseudoHeaderName.AUTHORITY.value(), k)) {
                    authority = first(authority, v);
                }
            }
            default -> {
            }
        }
    }

    private static boolean is(AsciiString known, CharSequence k) {
        return k == known || AsciiString.contentEquals(known, k);
    }

    private static CharSequence first(CharSequence seen, CharSequence v) {
        return seen != null ? seen : v;
    }

    private void addCustom(CharSequence k, CharSequence v) {
        if (customCount == customNames.length) {
            customNames = Arrays.copyOf(customNames, customCount * 2);
            customValues = Arrays.copyOf(customValues, customCount * 2);
        }
        customNames[customCount] = k;
        customValues[customCount] = v;
        customCount++;
    }

    int customCount() {
        return customCount;
    }

    CharSequence customName(int i) {
        return customNames[i];
    }

    CharSequence customValue(int i) {
        return customValues[i];
    }
}
