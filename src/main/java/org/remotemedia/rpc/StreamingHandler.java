package org.remotemedia.rpc;

/**
 * Handles a method whose client streams: CLIENT_STREAMING and BIDI_STREAMING. Called once per
 * call on the connection's event loop when the request headers arrive; returns the listener
 * that receives the call's events (on that event loop too).
 *
 * <p>Inbound flow control: no message is delivered until the handler asks with
 * {@link ServerCall#request(int)}; bytes the handler has not asked for hold back the client
 * through the HTTP/2 window.
 */
@FunctionalInterface
public non-sealed interface StreamingHandler extends CallHandler {
    CallListener startCall(ServerCall call) throws Exception;
}
