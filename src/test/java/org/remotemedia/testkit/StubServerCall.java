package org.remotemedia.testkit;

import java.util.concurrent.Executor;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.Status;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodKind;
import org.remotemedia.rpc.ServerCall;

/**
 * A {@link ServerCall} without a transport, for driving a handler directly (unit tests, JMH):
 * an uncancelled call without deadline on the given method, always ready, whose event loop is
 * the calling thread. Subclasses record what they need (messages, demand, close).
 *
 * <p>Threads: single-threaded; the test or benchmark thread plays the event loop.
 */
public abstract class StubServerCall implements ServerCall {
    private final String path;
    private final MethodKind kind;

    protected StubServerCall(String path, MethodKind kind) {
        this.path = path;
        this.kind = kind;
    }

    @Override
    public String methodPath() {
        return path;
    }

    @Override
    public MethodKind kind() {
        return kind;
    }

    @Override
    public Metadata requestHeaders() {
        return new Metadata();
    }

    @Override
    public String authority() {
        return null;
    }

    @Override
    public String peer() {
        return "stub";
    }

    @Override
    public String requestId() {
        return "stub";
    }

    @Override
    public boolean hasDeadline() {
        return false;
    }

    @Override
    public long deadlineNanoTime() {
        return Long.MAX_VALUE;
    }

    @Override
    public boolean isCancelled() {
        return false;
    }

    @Override
    public void setListener(CallListener listener) {
    }

    @Override
    public void request(int n) {
    }

    @Override
    public boolean isReady() {
        return true;
    }

    @Override
    public boolean setCompression(String encoding) {
        return false;
    }

    @Override
    public void setMessageCompression(boolean enabled) {
    }

    @Override
    public void sendHeaders(Metadata headers) {
    }

    @Override
    public void close(Status status, Metadata trailers) {
    }

    @Override
    public boolean inEventLoop() {
        return true;
    }

    /** Alone on its loop. */
    @Override
    public int callsOnEventLoop() {
        return 1;
    }

    @Override
    public Executor eventLoop() {
        return Runnable::run;
    }
}
