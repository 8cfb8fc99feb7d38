package org.remotemedia.grpc;

import java.util.Arrays;

/**
 * One request's headers as the gRPC rules read them: the pseudo-headers and the headers the
 * rules use are picked out by name, everything else is kept in order as custom metadata. The
 * transport feeds it name by name ({@link #add}) straight from its header decoder, which saves
 * about ten hash lookups per request. For a name that repeats, the first value counts. Names
 * arrive lower case (HTTP/2 forbids upper-case names; the decoder refuses them).
 *
 * <p>Threads: one per connection, reused for every request on its event loop; the values are
 * the decoder's and valid until the next {@link #clear}.
 */
public final class RequestHeaders {
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
                if (is("te", name)) {
                    te = first(te, value);
                    return;
                }
            }
            case 12 -> {
                if (is("content-type", name)) {
                    contentType = first(contentType, value);
                    return;
                }
                if (is("grpc-timeout", name)) {
                    grpcTimeout = first(grpcTimeout, value);
                    return;
                }
                if (is("x-request-id", name)) {
                    xRequestId = first(xRequestId, value); // also custom metadata
                }
            }
            case 13 -> {
                if (is("grpc-encoding", name)) {
                    grpcEncoding = first(grpcEncoding, value);
                    return;
                }
            }
            case 20 -> {
                if (is("grpc-accept-encoding", name)) {
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
                if (is(":path", name)) {
                    path = first(path, value);
                }
            }
            case 7 -> {
                if (is(":method", name)) {
                    method = first(method, value);
                } else if (is(":scheme", name)) {
                    scheme = first(scheme, value);
                }
            }
            case 10 -> {
                if (is(":authority", name)) {
                    authority = first(authority, value);
                }
            }
            default -> {
            }
        }
    }

    /** Same length is known from the switch; HPACK hands out the same instance for a repeated name. */
    private static boolean is(String known, CharSequence name) {
        if (name == known) {
            return true;
        }
        for (int i = known.length() - 1; i >= 0; i--) {
            if (name.charAt(i) != known.charAt(i)) {
                return false;
            }
        }
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
