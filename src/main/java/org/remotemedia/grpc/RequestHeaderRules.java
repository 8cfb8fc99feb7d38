package org.remotemedia.grpc;

/**
 * The gRPC request-header rules (PROTOCOL-HTTP2.md, "Requests") as a function over header
 * values: {@link #check} answers whether a request is malformed HTTP/2, refused at the HTTP
 * level (405, 415, 400: not a gRPC request), refused with a gRPC status before any method runs,
 * or accepted, and then with what it asked for (method, inbound encoding, deadline, metadata).
 * The transport only turns the answer into frames.
 *
 * <p>The order of the checks is part of the contract: HTTP-level problems first, then
 * grpc-encoding, grpc-timeout, binary metadata, the method, and last a gRPC content subtype
 * other than protobuf.
 *
 * <p>Threads: one per connection, used on its event loop; the answer's values are valid until
 * the next {@link #check}. Allocates only what an accepted call keeps (its metadata) or a
 * refusal's message.
 *
 * @param <M> the transport's handle of a registered method
 */
public final class RequestHeaderRules<M> {
    /** The methods a server offers. */
    public interface MethodTable<M> {
        /** The method at {@code path} ({@code /package.Service/Method}), or null. */
        M lookup(String path);

        /** Whether any method of the service with this full name is registered. */
        boolean hasService(String service);
    }

    /** No :method, :scheme or :path: the caller resets the stream (PROTOCOL_ERROR). */
    public static final int MALFORMED = 0;
    /** Not a gRPC request: {@link #httpStatus()} with {@link #message()} as a text body. */
    public static final int HTTP_ERROR = 1;
    /** A gRPC request refused before any method runs: {@link #status()} as Trailers-Only. */
    public static final int REFUSED = 2;
    /** A call to start: {@link #method()} and the values below it. */
    public static final int ACCEPTED = 3;

    public static final String MALFORMED_MESSAGE = "malformed request: :method, :scheme and :path are required";
    /** Longest client-supplied x-request-id taken as the call's request id. */
    public static final int MAX_CLIENT_REQUEST_ID = 128;

    private static final String APPLICATION_GRPC = "application/grpc";
    private static final int CT_INVALID = 0;
    private static final int CT_PROTO = 1;
    private static final int CT_OTHER = 2;

    private final MethodTable<M> methods;
    // the answer
    private int httpStatus;
    private String message;
    private Status status;
    private boolean advertiseEncodings;
    private M method;
    private String inboundEncoding;
    private long timeoutNanos;
    private Metadata metadata;
    private boolean clientAcceptsGzip;

    public RequestHeaderRules(MethodTable<M> methods) {
        this.methods = methods;
    }

    /** Applies the rules to {@code h}; returns {@link #MALFORMED}, {@link #HTTP_ERROR}, {@link #REFUSED} or {@link #ACCEPTED}. */
    public int check(RequestHeaders h) {
        httpStatus = 0;
        message = null;
        status = null;
        advertiseEncodings = false;
        method = null;
        inboundEncoding = null;
        timeoutNanos = -1;
        metadata = null;
        clientAcceptsGzip = false;

        CharSequence verb = h.method();
        CharSequence path = h.path();
        if (verb == null || path == null || h.scheme() == null) {
            message = MALFORMED_MESSAGE;
            return MALFORMED;
        }
        if (!"POST".contentEquals(verb)) {
            return httpError(405, "method " + verb + " is not allowed: gRPC requests use POST");
        }
        CharSequence contentType = h.contentType();
        int subtype = contentTypeKind(contentType);
        if (subtype == CT_INVALID) {
            return httpError(415, "content-type '" + contentType
                    + "' is not gRPC: expected application/grpc or application/grpc+proto");
        }
        CharSequence te = h.te();
        if (te == null || te.length() != 8 || !regionMatchesIgnoreCase(te, 0, "trailers")) {
            return httpError(400, "header 'te: trailers' is required for gRPC (got "
                    + (te == null ? "none" : "'" + te + "'") + "); a proxy on the way may not support trailers");
        }
        String pathString = path.toString();
        method = methods.lookup(pathString);

        CharSequence encoding = h.grpcEncoding();
        if (encoding != null && !"identity".contentEquals(encoding)) {
            if (!"gzip".contentEquals(encoding)) {
                advertiseEncodings = true;
                return refuse(Status.of(StatusCode.UNIMPLEMENTED, "grpc-encoding '" + encoding
                        + "' is not supported; this server accepts gzip, identity"));
            }
            inboundEncoding = "gzip";
        }
        CharSequence timeoutText = h.grpcTimeout();
        if (timeoutText != null) {
            timeoutNanos = GrpcTimeout.parseNanos(timeoutText);
            if (timeoutNanos == GrpcTimeout.INVALID) {
                return refuse(Status.of(StatusCode.INTERNAL, "invalid grpc-timeout '" + timeoutText + "': expected "
                        + GrpcTimeout.FORM));
            }
        }
        Metadata md = new Metadata(Math.max(4, h.customCount()));
        String badKey = copyMetadata(h, md);
        if (badKey != null) {
            return refuse(Status.of(StatusCode.INTERNAL, "invalid base64 in binary header '" + badKey
                    + "': -bin values must be base64 (RFC 4648, padded or not)"));
        }
        if (method == null) {
            return refuse(unimplemented(pathString));
        }
        if (subtype == CT_OTHER) {
            return refuse(Status.of(StatusCode.UNIMPLEMENTED, "content-type '" + contentType
                    + "': this server speaks protobuf only (application/grpc or application/grpc+proto)"));
        }
        CharSequence accept = h.grpcAcceptEncoding();
        clientAcceptsGzip = accept != null && containsToken(accept, "gzip");
        metadata = md;
        return ACCEPTED;
    }

    private int httpError(int code, String text) {
        httpStatus = code;
        message = text;
        return HTTP_ERROR;
    }

    private int refuse(Status s) {
        status = s;
        message = s.description();
        return REFUSED;
    }

    private Status unimplemented(String path) {
        int slash = path.indexOf('/', 1);
        if (!path.startsWith("/") || slash < 0) {
            return Status.of(StatusCode.UNIMPLEMENTED, "malformed method path '" + path
                    + "': expected /package.Service/Method");
        }
        String service = path.substring(1, slash);
        if (!methods.hasService(service)) {
            return Status.of(StatusCode.UNIMPLEMENTED, "unknown service " + service + " (path " + path + ")");
        }
        return Status.of(StatusCode.UNIMPLEMENTED, "unknown method " + path.substring(slash + 1) + " of service "
                + service);
    }

    /** application/grpc[+proto][;params] is ours; application/grpc+other is gRPC but not protobuf. */
    private static int contentTypeKind(CharSequence ct) {
        if (ct == null) {
            return CT_INVALID;
        }
        int n = APPLICATION_GRPC.length();
        if (ct.length() < n || !regionMatchesIgnoreCase(ct, 0, APPLICATION_GRPC)) {
            return CT_INVALID;
        }
        if (ct.length() == n || ct.charAt(n) == ';') {
            return CT_PROTO;
        }
        if (ct.charAt(n) != '+') {
            return CT_INVALID;
        }
        int end = n + 1;
        while (end < ct.length() && ct.charAt(end) != ';') {
            end++;
        }
        return end - (n + 1) == 5 && regionMatchesIgnoreCase(ct, n + 1, "proto") ? CT_PROTO : CT_OTHER;
    }

    /** Whether a comma-separated list holds {@code token} (ASCII case-insensitive, spaces trimmed). */
    static boolean containsToken(CharSequence list, String token) {
        int i = 0;
        int n = list.length();
        while (i < n) {
            int j = i;
            while (j < n && list.charAt(j) != ',') {
                j++;
            }
            int a = i;
            int b = j;
            while (a < b && list.charAt(a) == ' ') {
                a++;
            }
            while (b > a && list.charAt(b - 1) == ' ') {
                b--;
            }
            if (b - a == token.length() && regionMatchesIgnoreCase(list, a, token)) {
                return true;
            }
            i = j + 1;
        }
        return false;
    }

    /** Copies custom metadata; returns the key of a -bin header with invalid base64, else null. */
    private static String copyMetadata(RequestHeaders h, Metadata md) {
        for (int c = 0; c < h.customCount(); c++) {
            String key = h.customName(c).toString();
            CharSequence v = h.customValue(c);
            if (!Metadata.isBinaryKey(key)) {
                md.addTrusted(key, v.toString());
                continue;
            }
            // several values may arrive joined by ','
            int from = 0;
            for (int i = 0; i <= v.length(); i++) {
                if (i == v.length() || v.charAt(i) == ',') {
                    int a = from;
                    int b = i;
                    while (a < b && v.charAt(a) == ' ') {
                        a++;
                    }
                    while (b > a && v.charAt(b - 1) == ' ') {
                        b--;
                    }
                    byte[] bytes = Base64Bin.decode(v, a, b);
                    if (bytes == null) {
                        return key;
                    }
                    md.addTrusted(key, bytes);
                    from = i + 1;
                }
            }
        }
        return null;
    }

    /** The client's {@code x-request-id} when it is short printable ASCII, else null (the server makes one). */
    public static String clientRequestId(CharSequence xRequestId) {
        return xRequestId != null && xRequestId.length() <= MAX_CLIENT_REQUEST_ID
                && Metadata.isValidAsciiValue(xRequestId) ? xRequestId.toString() : null;
    }

    private static boolean regionMatchesIgnoreCase(CharSequence s, int from, String expected) {
        int n = expected.length();
        if (s.length() - from < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (toLowerAscii(s.charAt(from + i)) != toLowerAscii(expected.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static char toLowerAscii(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
    }

    // ------------------------------------------------------------------ the answer

    /** For {@link #HTTP_ERROR}: 405, 415 or 400. */
    public int httpStatus() {
        return httpStatus;
    }

    /** For every outcome but {@link #ACCEPTED}: what to tell the client and the log. */
    public String message() {
        return message;
    }

    /** For {@link #REFUSED}. */
    public Status status() {
        return status;
    }

    /** For {@link #REFUSED}: the refusal should carry grpc-accept-encoding (an unsupported grpc-encoding). */
    public boolean advertiseEncodings() {
        return advertiseEncodings;
    }

    /** The method the path names, once the HTTP-level checks passed; null when unknown. */
    public M method() {
        return method;
    }

    /** For {@link #ACCEPTED}: null (identity) or "gzip". */
    public String inboundEncoding() {
        return inboundEncoding;
    }

    /** For {@link #ACCEPTED}: grpc-timeout in nanoseconds, or -1 for none. */
    public long timeoutNanos() {
        return timeoutNanos;
    }

    /** For {@link #ACCEPTED}: the custom headers, -bin values decoded. */
    public Metadata metadata() {
        return metadata;
    }

    /** For {@link #ACCEPTED}: grpc-accept-encoding lists gzip. */
    public boolean clientAcceptsGzip() {
        return clientAcceptsGzip;
    }
}
