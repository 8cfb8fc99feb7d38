package org.remotemedia.service;

/**
 * Admission of executions, as the service needs it: the daemon adapts
 * {@code org.remotemedia.limits.Admission} to this (the service cannot see {@code limits}).
 * {@link #tryEnter} is called once an ExecutePipeline request (or a stream's init) has arrived;
 * every true is paired with one {@link #exit()} when the work is over, on whatever thread
 * finished it.
 *
 * <p>Implementations are thread-safe.
 */
public interface ExecutionGate {
    /** Takes a slot; false to refuse the call with {@link #rejection()}. */
    boolean tryEnter();

    /** Gives the slot back. */
    void exit();

    /** Why {@link #tryEnter} refused (overloaded or draining), with RetryInfo. */
    StatusDetails.Rejection rejection();

    /** No limit (tests, embedded use). */
    ExecutionGate OPEN = new ExecutionGate() {
        @Override
        public boolean tryEnter() {
            return true;
        }

        @Override
        public void exit() {
        }

        @Override
        public StatusDetails.Rejection rejection() {
            throw new IllegalStateException("the open gate never refuses");
        }
    };
}
