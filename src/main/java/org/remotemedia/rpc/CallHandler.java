package org.remotemedia.rpc;

/**
 * What a registered method runs: a {@link UnaryHandler} (unary and server-streaming methods:
 * one request) or a {@link StreamingHandler} (client-streaming and bidi methods).
 */
public sealed interface CallHandler permits UnaryHandler, StreamingHandler {
}
