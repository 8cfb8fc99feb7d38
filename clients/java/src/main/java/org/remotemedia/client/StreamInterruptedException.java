package org.remotemedia.client;

/** A stream ended (status OK, or the connection went) before the server's StreamClosed. */
public final class StreamInterruptedException extends RemoteMediaException {
    private static final long serialVersionUID = 1L;

    public StreamInterruptedException(String message, Throwable cause) {
        super(message, cause);
    }
}
