package org.remotemedia.rpc;

/** The four gRPC call kinds. */
public enum MethodKind {
    UNARY(false, false),
    CLIENT_STREAMING(true, false),
    SERVER_STREAMING(false, true),
    BIDI_STREAMING(true, true);

    private final boolean clientStreams;
    private final boolean serverStreams;

    MethodKind(boolean clientStreams, boolean serverStreams) {
        this.clientStreams = clientStreams;
        this.serverStreams = serverStreams;
    }

    /** True if the client may send any number of messages. */
    public boolean clientStreams() {
        return clientStreams;
    }

    /** True if the server may send any number of messages. */
    public boolean serverStreams() {
        return serverStreams;
    }
}
