package org.remotemedia.pipeline;

/**
 * Cancellation and deadline of one call, checked by the runner between nodes and between
 * slices of long inputs. {@link #cancel()} may be called from any thread (the transport on a
 * client's RST_STREAM); the running thread sees it at its next check.
 */
public final class ExecutionControl {
    private static final ExecutionControl NONE = new ExecutionControl(Long.MAX_VALUE);

    private final long deadlineNanos;
    private volatile boolean cancelled;

    private ExecutionControl(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** No deadline, not cancellable (shared instance: do not cancel it). */
    public static ExecutionControl none() {
        return NONE;
    }

    /** Cancellable, no deadline. */
    public static ExecutionControl create() {
        return new ExecutionControl(Long.MAX_VALUE);
    }

    /** Deadline at {@code System.nanoTime()} value {@code deadlineNanos} (e.g. from grpc-timeout). */
    public static ExecutionControl withDeadline(long deadlineNanos) {
        return new ExecutionControl(deadlineNanos);
    }

    public void cancel() {
        if (this == NONE) {
            throw new IllegalStateException("the shared no-op control cannot be cancelled; use create()");
        }
        cancelled = true;
    }

    public boolean cancelled() {
        return cancelled;
    }

    public long deadlineNanos() {
        return deadlineNanos;
    }
}
