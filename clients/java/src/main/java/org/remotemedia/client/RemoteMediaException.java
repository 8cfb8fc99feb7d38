package org.remotemedia.client;

/**
 * Every failure the client reports. {@link PipelineException}: the server ran the request and
 * answered with an in-band ErrorResponse (bad manifest, a node failed, a limit). {@link RpcException}:
 * the call itself failed with a gRPC status (server down, wrong token, overloaded, deadline).
 * {@link StreamInterruptedException}: a stream ended before its StreamClosed.
 * {@link InvalidAudioException}: audio refused before anything was sent.
 */
public class RemoteMediaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RemoteMediaException(String message, Throwable cause) {
        super(message, cause);
    }
}
