package org.remotemedia.transport;

import io.netty.util.AsciiString;

/** Header names and fixed values, interned once as netty AsciiStrings. Immutable. */
final class GrpcHeaderNames {
    static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");
    static final AsciiString TE = AsciiString.cached("te");
    static final AsciiString TRAILERS = AsciiString.cached("trailers");
    static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
    static final AsciiString GRPC_ENCODING = AsciiString.cached("grpc-encoding");
    static final AsciiString GRPC_ACCEPT_ENCODING = AsciiString.cached("grpc-accept-encoding");
    static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");
    static final AsciiString STATUS_200 = AsciiString.cached("200");
    static final AsciiString POST = AsciiString.cached("POST");
    static final AsciiString GZIP = AsciiString.cached("gzip");
    static final AsciiString IDENTITY = AsciiString.cached("identity");
    static final AsciiString ACCEPTED_ENCODINGS = AsciiString.cached("gzip,identity");
    static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    static final String STATUS_DETAILS = "grpc-status-details-bin";
    static final AsciiString USER_AGENT = AsciiString.cached("user-agent");

    /** grpc-status values 0..16, so writing a status allocates nothing. */
    static final AsciiString[] STATUS_VALUES = new AsciiString[17];

    static {
        for (int i = 0; i < STATUS_VALUES.length; i++) {
            STATUS_VALUES[i] = AsciiString.cached(Integer.toString(i));
        }
    }

    private GrpcHeaderNames() {
    }
}
