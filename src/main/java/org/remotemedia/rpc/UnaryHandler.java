package org.remotemedia.rpc;

import org.remotemedia.grpc.InboundMessage;

/**
 * Handles a method with exactly one request message: UNARY and SERVER_STREAMING. The
 * transport waits for the client's end of stream, checks that exactly one message came, and
 * calls {@link #onRequest} once, on the connection's event loop.
 *
 * <p>Answer right there (no thread hop: {@code call.sendMessage(...)} then
 * {@code call.close(Status.OK)} write straight to the channel, flushed once at the end of the
 * event-loop turn), or {@code request.retain()} and answer later from any thread.
 */
@FunctionalInterface
public non-sealed interface UnaryHandler extends CallHandler {
    /**
     * @param call    the call; its methods may be used from any thread
     * @param request valid during this callback only unless retained
     */
    void onRequest(ServerCall call, InboundMessage request) throws Exception;
}
