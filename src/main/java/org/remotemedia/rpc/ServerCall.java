package org.remotemedia.rpc;

import java.util.concurrent.Executor;
import org.remotemedia.grpc.MessageEncoder;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.Status;

/**
 * The server side of one call, as a handler sees it. Nothing here knows Netty or protobuf.
 *
 * <p>Threads: every method may be called from any thread. Called on the connection's event
 * loop ({@link #inEventLoop()}), sends go straight to the channel (no hop) and are flushed
 * once at the end of the loop's turn; from another thread they are queued to the event loop,
 * woken once per batch and flushed once per batch. Order is kept per calling thread.
 * Listener events ({@link CallListener}) always arrive on the event loop.
 */
public interface ServerCall {
    /** The full method path, e.g. {@code /remotemedia.v1.PipelineExecutionService/ExecutePipeline}. */
    String methodPath();

    MethodKind kind();

    /** Request metadata (custom headers, including {@code authorization} and {@code -bin} keys). */
    Metadata requestHeaders();

    /** The {@code :authority} of the request, or null. */
    String authority();

    /** The client's address (for logs), e.g. {@code /127.0.0.1:53412}. */
    String peer();

    /** The client's IP address without the port (auth-failure throttling is per address), or {@link #peer()}. */
    default String peerAddress() {
        return peer();
    }

    /** What the method's calls cost ({@link RegisteredMethod#workload()}). */
    default Workload workload() {
        return Workload.LIGHT;
    }

    /** Who is calling, as authentication established it (a token's name), or null before / without it. */
    default String identity() {
        return null;
    }

    /** Set by the authentication interceptor on the event loop, before the handler starts. */
    default void setIdentity(String identity) {
    }

    /** Where the service notes what the access log says of this call (pipeline, chunks). */
    default CallNotes notes() {
        return new CallNotes();
    }

    /** An id unique in this process (or the client's {@code x-request-id}), for logs. */
    String requestId();

    /** True if the client set {@code grpc-timeout}. */
    boolean hasDeadline();

    /** The deadline as a {@link System#nanoTime()} value; Long.MAX_VALUE without one. */
    long deadlineNanoTime();

    /** Nanoseconds left until the deadline (negative once passed); Long.MAX_VALUE without one. */
    default long remainingNanos() {
        return hasDeadline() ? deadlineNanoTime() - System.nanoTime() : Long.MAX_VALUE;
    }

    /** Cheap poll for long computations: true once cancelled, timed out, or reset by the client. */
    boolean isCancelled();

    /** Sets the listener for a {@link UnaryHandler}'s call (cancel / ready events); a {@link StreamingHandler} returns it instead. */
    void setListener(CallListener listener);

    /** Asks for {@code n} more inbound messages (streaming handlers). */
    void request(int n);

    /**
     * True while the peer's flow-control window and the socket accept more without queueing;
     * a server-streaming handler sends while ready and resumes on {@link CallListener#onReady()}.
     */
    boolean isReady();

    /**
     * Compresses the following messages with {@code encoding} ("gzip" or "identity") if the
     * client accepts it; returns false (and keeps identity) otherwise. Call before the headers go out.
     */
    boolean setCompression(String encoding);

    /**
     * Per-message switch under {@link #setCompression}: false sends the following messages
     * uncompressed (compressed-flag 0) although the call negotiated gzip; true (the default)
     * compresses them again. For services that must mix, e.g. grpc interop's
     * {@code server_compressed_streaming}.
     */
    void setMessageCompression(boolean enabled);

    /** Sends the response headers with custom metadata (optional: the first message or close sends them). */
    void sendHeaders(Metadata headers);

    /** Serializes {@code message} straight into a pooled direct buffer and sends it. */
    <T> void sendMessage(T message, MessageEncoder<? super T> encoder);

    /**
     * Ends the call with a status and trailers (may carry binary trailers such as
     * {@code grpc-status-details-bin}). Only the first close counts; later ones are ignored.
     */
    void close(Status status, Metadata trailers);

    default void close(Status status) {
        close(status, null);
    }

    /** True on the connection's event loop. */
    boolean inEventLoop();

    /**
     * Calls open on this call's event loop, over all the connections it serves, this one
     * included (1 = alone). Read it on the event loop: a unary handler uses it to run work
     * inline only while nothing else waits for the loop.
     */
    int callsOnEventLoop();

    /** The connection's event loop: tasks run in order with this call's events and writes. */
    Executor eventLoop();
}
