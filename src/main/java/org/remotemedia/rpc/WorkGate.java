package org.remotemedia.rpc;

import org.remotemedia.grpc.Status;

/**
 * Admission of the work a service starts for a call: a slot of the call's {@link Workload}
 * (an execution, a streaming session), or a place in that workload's bounded wait queue. The
 * services take and give back slots through this; {@code limits.Limits} implements it (the
 * services cannot see {@code limits}).
 *
 * <pre>
 *   if (gate.tryEnter(call)) { run(); }             // a slot now
 *   else gate.enqueue(call, waiter);                // admitted() later, or refused(status)
 *   ... when the work is over, on any thread:  gate.exit(call.workload());
 * </pre>
 *
 * <p>Implementations are thread-safe.
 */
public interface WorkGate {
    /** Told how a queued call's wait ended: exactly one of the two, once. */
    interface Waiter {
        /** A slot is the call's now (pair with one exit); runs on the call's event loop. */
        void admitted();

        /** The call gets no slot: close it with {@code status} (queue full, wait too long, draining). */
        void refused(Status status);
    }

    /** Takes a slot for the call's workload: true; false when none is free (then {@link #enqueue}). */
    boolean tryEnter(ServerCall call);

    /** Waits for a slot in the workload's bounded queue (FIFO); the waiter hears how it ended. */
    void enqueue(ServerCall call, Waiter waiter);

    /** Gives a slot of {@code workload} back. Any thread. */
    void exit(Workload workload);

    /** Charges {@code seconds} of audio to the call's identity (its audio rate limit). Any thread. */
    void chargeAudio(ServerCall call, double seconds);

    /** A measured wait of a task for a DSP worker, feeding pressure shedding. Any thread. */
    void dspQueueDelay(long nanos);

    /** The answer to a session that has not started when the server drains (UNAVAILABLE with a retry hint). */
    Status drainRefusal();

    /** No limit (tests, embedded use). */
    WorkGate OPEN = new WorkGate() {
        @Override
        public boolean tryEnter(ServerCall call) {
            return true;
        }

        @Override
        public void enqueue(ServerCall call, Waiter waiter) {
            waiter.admitted();
        }

        @Override
        public void exit(Workload workload) {
        }

        @Override
        public void chargeAudio(ServerCall call, double seconds) {
        }

        @Override
        public void dspQueueDelay(long nanos) {
        }

        @Override
        public Status drainRefusal() {
            return Status.of(org.remotemedia.grpc.StatusCode.UNAVAILABLE, "the server is shutting down: retry elsewhere");
        }
    };
}
