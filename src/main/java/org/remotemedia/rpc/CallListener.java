package org.remotemedia.rpc;

import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Status;

/**
 * Events of one call, always delivered on the connection's event loop, in order, never
 * concurrently. Keep them short: they run on the I/O thread. An exception thrown from any of
 * them closes the call with INTERNAL (the stack trace is logged once, never sent).
 */
public interface CallListener {
    /** A message the handler asked for with {@code request(n)}; valid during this callback unless retained. */
    default void onMessage(InboundMessage message) throws Exception {
    }

    /** The client will send no more messages. */
    default void onHalfClose() throws Exception {
    }

    /**
     * The call ended without the handler closing it: client RST_STREAM (CANCELLED), deadline
     * (DEADLINE_EXCEEDED), connection loss or server drain (UNAVAILABLE / CANCELLED). The
     * handler must stop work; further sends are ignored. Called at most once.
     */
    default void onCancel(Status reason) {
    }

    /** {@link ServerCall#isReady()} turned true: the handler may send more. */
    default void onReady() {
    }

    /** The call's status went out (after the handler's close). Called at most once. */
    default void onComplete() {
    }

    /** A listener that ignores everything. */
    CallListener NOOP = new CallListener() {
    };
}
