package org.remotemedia.grpc;

import java.util.Arrays;

/**
 * One request's headers as the gRPC rules read them: the pseudo-headers and the headers the
 * rules use are picked out by name, everything else is kept in order as custom metadata. The
 * transport feeds it name by name ({@link #add}) straight from its header decoder, which saves
 * about ten hash lookups per request. For a name that repeats, the first value counts. Names
 * arrive lower case (HTTP/2 forbids upper-case names; the decoder refuses them).
 *
 * <p>Names must not change once added (String and netty's AsciiString do not): a name that
 * matched is remembered by identity.
 *
 * <p>Threads: one per connection, reused for every request on its event loop; the values are
 * the decoder's and valid until the next {@link #clear}.
 */
public final class RequestHeaders {
    // the names the rules read, by index into KNOWN and learned
    private static final int PATH = 0;
    private static final int METHOD = 1;
    private static final int SCHEME = 2;
    private static final int AUTHORITY = 3;
    private static final int TE = 4;
    private static final int CONTENT_TYPE = 5;
    private static final int GRPC_TIMEOUT = 6;
    private static final int X_REQUEST_ID = 7;
    private static final int GRPC_ENCODING = 8;
    private static final int GRPC_ACCEPT_ENCODING = 9;
    private static final String[] KNOWN = {":path", ":method", ":scheme", ":authority", "te", "content-type", "grpc-timeout", "x-request-id", "grpc-encoding", "grpc-accept-encoding"};

    /**
     * Per known name, the instance it last matched by content. HPACK hands out one instance per
     * table entry, so on a connection's later requests the match is usually one comparison.
     */
    private final CharSequence[] learned = new CharSequence[KNOWN.length];

    private CharSequence method;
    private CharSequence path;
    private CharSequence scheme;
    private CharSequence authority;
    private CharSequence contentType;
    private CharSequence te;
    private CharSequence grpcEncoding;
    private CharSequence grpcTimeout;
    private CharSequence grpcAcceptEncoding;
    private CharSequence xRequestId;

    private CharSequence[] customNames = new CharSequence[8];
    private CharSequence[] customValues = new CharSequence[8];
    private int customCount;

    /** Forgets the previous request's values. */
    public void clear() {
        method = path = scheme = authority = null;
        contentType = te = grpcEncoding = grpcTimeout = grpcAcceptEncoding = xRequestId = null;
        Arrays.fill(customNames, 0, customCount, null);
        Arrays.fill(customValues, 0, customCount, null);
        customCount = 0;
    }

    /** One header (or pseudo-header) in the order the client sent them. */
    public void add(CharSequence name, CharSequence value) {
        int n = name.length();
        if (n == 0) {
            return;
        }
        if (name.charAt(0) == ':') {
            addPseudo(name, n, value);
            return;
        }
        switch (n) {
            case 2 -> {
                if (is(TE, name)) {
                    te = first(te, value);
                    return;
                }
            }
            case 12 -> {
                if (is(CONTENT_TYPE, name)) {
                    contentType = first(contentType, value);
                    return;
                }
                if (is(GRPC_TIMEOUT, name)) {
                    grpcTimeout = first(grpcTimeout, value);
                    return;
                }
                if (is(X_REQUEST_ID, name)) {
                    xRequestId = first(xRequestId, value); // also custom metadata
                }
            }
            case 13 -> {
                if (is(GRPC_ENCODING, name)) {
                    grpcEncoding = first(grpcEncoding, value);
                    return;
                }
            }
            case 20 -> {
                if (is(GRPC_ACCEPT_ENCODING, name)) {
                    grpcAcceptEncoding = first(grpcAcceptEncoding, value);
                    return;
                }
            }
            default -> {
            }
        }
        addCustom(name, value);
    }

    private void addPseudo(CharSequence name, int n, CharSequence value) {
        switch (n) {
            case 5 -> {
                if (is(PATH, name)) {
                    path = first(path, value);
                }
            }
            case 7 -> {
                if (is(METHOD, name)) {
                    method = first(method, value);
                } else if (is(SCHEME, name)) {
                    scheme = first(scheme, value);
                }
            }
            case 10 -> {
                if (is(AUTHORITY, name)) {
                    authority = first(authority, value);
                }
            }
            default -> {
            }
        }
    }

    /** Same length is known from the switch; identity with what matched before, else by content (then learned). */
    private boolean is(int known, CharSequence name) {
        if (name == learned[known]) {
            return true;
        }
        String k = KNOWN[known];
        for (int i = k.length() - 1; i >= 0; i--) {
            if (name.charAt(i) != k.charAt(i)) {
                return false;
            }
        }
        learned[known] = name;
        return true;
    }

    private static CharSequence first(CharSequence seen, CharSequence v) {
        return seen != null ? seen : v;
    }

    private void addCustom(CharSequence name, CharSequence value) {
        if (customCount == customNames.length) {
            customNames = Arrays.copyOf(customNames, customCount * 2);
            customValues = Arrays.copyOf(customValues, customCount * 2);
        }
        customNames[customCount] = name;
        customValues[customCount] = value;
        customCount++;
    }

    public CharSequence method() {
        return method;
    }

    public CharSequence path() {
        return path;
    }

    public CharSequence scheme() {
        return scheme;
    }

    public CharSequence authority() {
        return authority;
    }

    public CharSequence contentType() {
        return contentType;
    }

    public CharSequence te() {
        return te;
    }

    public CharSequence grpcEncoding() {
        return grpcEncoding;
    }

    public CharSequence grpcTimeout() {
        return grpcTimeout;
    }

    public CharSequence grpcAcceptEncoding() {
        return grpcAcceptEncoding;
    }

    public CharSequence xRequestId() {
        return xRequestId;
    }

    public int customCount() {
        return customCount;
    }

    public CharSequence customName(int i) {
        return customNames[i];
    }

    public CharSequence customValue(int i) {
        return customValues[i];
    }
}
