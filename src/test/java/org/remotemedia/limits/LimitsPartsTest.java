package org.remotemedia.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.rpc.MethodKind;
import org.remotemedia.rpc.WorkGate;
import org.remotemedia.testkit.StubServerCall;

/** The parts of {@link Limits}, driven with handed time and no threads. */
class LimitsPartsTest {
    private static final long S = 1_000_000_000L;

    @Test
    void tokenBucketLetsTheBurstThroughThenTheRate() {
        TokenBucket b = new TokenBucket(10, 5, 0);
        for (int i = 0; i < 5; i++) {
            assertTrue(b.tryTake(1, 0), "burst " + i);
        }
        assertFalse(b.tryTake(1, 0));
        assertEquals(100, b.millisUntil(1, 0), "one token every 100 ms");
        assertTrue(b.tryTake(1, S / 10));
        assertFalse(b.tryTake(1, S / 10));
        assertTrue(b.tryTake(5, 10 * S), "refills up to the burst, not beyond");
        assertFalse(b.tryTake(1, 10 * S));
    }

    @Test
    void audioBucketGoesIntoDebtAndRefusesUntilPaid() {
        TokenBucket b = new TokenBucket(1, 2, 0); // 1 s of audio per second, burst 2 s
        assertTrue(b.solvent(0));
        b.charge(6, 0); // a 6 s request: debt of 4 s
        assertFalse(b.solvent(S));
        assertEquals(3000, b.millisUntil(0, S));
        assertTrue(b.solvent(4 * S));
    }

    @Test
    void authFailuresFromOnePeerStartABackOffThatEnds() {
        AuthFailureThrottle t = new AuthFailureThrottle(3, 10_000, 30_000);
        assertFalse(t.failed("10.0.0.1", 0));
        assertFalse(t.failed("10.0.0.1", S));
        assertEquals(0, t.blockedForMs("10.0.0.1", S));
        assertTrue(t.failed("10.0.0.1", 2 * S), "the third failure within the window");
        assertEquals(30_000, t.blockedForMs("10.0.0.1", 2 * S));
        assertEquals(0, t.blockedForMs("10.0.0.2", 2 * S), "other peers are not affected");
        assertEquals(0, t.blockedForMs("10.0.0.1", 33 * S), "the back-off ends");
        // failures spread wider than the window never add up
        AuthFailureThrottle slow = new AuthFailureThrottle(3, 10_000, 30_000);
        for (int i = 0; i < 10; i++) {
            assertFalse(slow.failed("p", i * 11 * S));
        }
    }

    /** A call whose event loop is the calling thread. */
    private static final class Call extends StubServerCall {
        boolean cancelled;

        Call() {
            super("/x.Y/Z", MethodKind.UNARY);
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public Executor eventLoop() {
            return Runnable::run;
        }

        @Override
        public <T> void sendMessage(T message, org.remotemedia.grpc.MessageEncoder<? super T> encoder) {
        }
    }

    private static final class Waiter implements WorkGate.Waiter {
        boolean admitted;
        Status refused;

        @Override
        public void admitted() {
            admitted = true;
        }

        @Override
        public void refused(Status status) {
            refused = status;
        }
    }

    private static final SlotPool.Refusals REFUSALS = new SlotPool.Refusals() {
        @Override
        public Status queueTimeout(SlotPool pool, long waitedMs) {
            return Status.of(StatusCode.UNAVAILABLE, "waited " + waitedMs);
        }

        @Override
        public Status cancelled() {
            return Status.CANCELLED;
        }
    };

    @Test
    void slotPoolQueuesInOrderHandsFreedSlotsOnAndTimesWaitsOut() {
        SlotPool p = new SlotPool("execution", "x", 2, 2, 1000);
        assertTrue(p.tryAcquire());
        assertTrue(p.tryAcquire());
        assertFalse(p.tryAcquire());
        List<Waiter> w = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            w.add(new Waiter());
        }
        assertTrue(p.enqueue(new SlotPool.Waiting(new Call(), w.get(0), 0)));
        Call cancelledCall = new Call();
        assertTrue(p.enqueue(new SlotPool.Waiting(cancelledCall, w.get(1), 0)));
        assertFalse(p.enqueue(new SlotPool.Waiting(new Call(), w.get(2), 0)), "the queue holds 2");
        assertTrue(p.full() && p.queueFull());
        p.release();
        assertTrue(w.get(0).admitted, "the head gets the freed slot");
        assertEquals(2, p.inFlight());
        cancelledCall.cancelled = true;
        p.release();
        assertFalse(w.get(1).admitted, "a cancelled waiter is skipped");
        assertEquals(1, p.inFlight());
        assertTrue(p.tryAcquire(), "nobody waits: the slot is free for a new call");
        assertTrue(p.tryAcquire() == false);
        Waiter late = new Waiter();
        assertTrue(p.enqueue(new SlotPool.Waiting(new Call(), late, 0)));
        p.tick(999_000_000L, REFUSALS);
        assertTrue(late.refused == null);
        p.tick(1_000_000_000L, REFUSALS);
        assertEquals(StatusCode.UNAVAILABLE, late.refused.code(), "waited limits.max_queue_wait_ms");
        assertEquals(0, p.queued());
    }

    @Test
    void retryDelayFollowsTheMeasuredDrainRate() {
        SlotPool p = new SlotPool("execution", "x", 1, 100, 60_000);
        assertEquals(1000, p.retryAfterMs(), "nothing measured yet");
        long t = 0;
        p.tick(t, REFUSALS);
        for (int i = 0; i < 40; i++) { // 100 completions per second for 2 s
            for (int k = 0; k < 5; k++) {
                assertTrue(p.tryAcquire());
                p.release();
            }
            t += 50_000_000L;
            p.tick(t, REFUSALS);
        }
        assertEquals(100, p.completionsPerSecond(), 5);
        assertEquals(10, p.retryAfterMs(), 1, "nobody waits: about one completion's time");
        assertTrue(p.tryAcquire());
        for (int i = 0; i < 9; i++) {
            p.enqueue(new SlotPool.Waiting(new Call(), new Waiter(), t));
        }
        assertEquals(100, p.retryAfterMs(), 10, "ten ahead at 100 per second: 100 ms");
    }

    /** A call of a given workload from a given identity. */
    private static final class WorkCall extends StubServerCall {
        private final org.remotemedia.rpc.Workload workload;

        WorkCall(org.remotemedia.rpc.Workload workload) {
            super("/x.Y/Z", MethodKind.UNARY);
            this.workload = workload;
        }

        @Override
        public org.remotemedia.rpc.Workload workload() {
            return workload;
        }

        @Override
        public String identity() {
            return "alice";
        }

        @Override
        public <T> void sendMessage(T message, org.remotemedia.grpc.MessageEncoder<? super T> encoder) {
        }
    }

    @Test
    void newWorkIsShedUnderMemoryAndDspPressureButLightCallsAndProbesPass() throws Exception {
        long[] poolBytes = {0};
        org.remotemedia.config.ServerConfig cfg = org.remotemedia.config.ServerConfig.from(java.util.Map.of(
                "limits.shed_pool_bytes", "1m", "limits.shed_dsp_queue_delay_ms", "100"));
        try (Limits l = new Limits(cfg, new org.remotemedia.observe.Metrics(), () -> poolBytes[0], 1L << 30,
                org.remotemedia.observe.JsonLog.silent())) {
            WorkCall exec = new WorkCall(org.remotemedia.rpc.Workload.EXECUTION);
            WorkCall session = new WorkCall(org.remotemedia.rpc.Workload.SESSION);
            WorkCall light = new WorkCall(org.remotemedia.rpc.Workload.LIGHT);
            WorkCall probe = new WorkCall(org.remotemedia.rpc.Workload.PROBE);
            assertEquals(null, l.quota().check(exec));
            poolBytes[0] = 2L << 20;
            Status s = l.quota().check(exec);
            assertEquals(StatusCode.UNAVAILABLE, s.code());
            assertTrue(s.description().contains("limits.shed_pool_bytes"), s.description());
            assertEquals("BUFFER_POOL_MEMORY", com.google.rpc.Status.parseFrom(s.details()).getDetails(0)
                    .unpack(com.google.rpc.ErrorInfo.class).getReason());
            assertEquals(StatusCode.UNAVAILABLE, l.quota().check(session).code());
            assertEquals(null, l.quota().check(light), "cheap calls are not shed");
            assertTrue(l.notReadyReason().startsWith("memory pressure"), l.notReadyReason());
            poolBytes[0] = 0;
            l.dspQueueDelay(2_000_000_000L); // a task waited 2 s for a worker
            s = l.quota().check(exec);
            assertEquals(StatusCode.UNAVAILABLE, s.code());
            assertTrue(s.description().contains("limits.shed_dsp_queue_delay_ms"), s.description());
            assertTrue(l.notReadyReason().startsWith("DSP pressure"), l.notReadyReason());
            l.beginDrain(5000);
            assertEquals(null, l.admission().check(probe), "health probes pass even while draining");
            // calls the transport accepted before its final GOAWAY are served: a client loses none
            assertEquals(null, l.admission().check(light), "a light call is served while draining");
            assertEquals(null, l.admission().check(exec), "an execution is served while draining");
            assertEquals("DRAINING", com.google.rpc.Status.parseFrom(l.admission().check(session).details())
                    .getDetails(0).unpack(com.google.rpc.ErrorInfo.class).getReason(),
                    "a new session would be closed at once: refused with a retry hint instead");
        }
    }

    @Test
    void networkBufferMemoryShedsNewWorkByTheTimersSampleWithItsOwnReason() throws Exception {
        long[] net = {0};
        int[] reads = {0};
        org.remotemedia.config.ServerConfig cfg = org.remotemedia.config.ServerConfig.from(java.util.Map.of(
                "limits.shed_network_bytes", "1m", "limits.shed_dsp_queue_delay_ms", "0"));
        try (Limits l = new Limits(cfg, new org.remotemedia.observe.Metrics(), () -> 0, () -> {
            reads[0]++;
            return net[0];
        }, 1L << 30, org.remotemedia.observe.JsonLog.silent())) {
            WorkCall exec = new WorkCall(org.remotemedia.rpc.Workload.EXECUTION);
            assertEquals(null, l.quota().check(exec));
            net[0] = 2L << 20;
            int before = reads[0];
            assertEquals(null, l.quota().check(exec), "a call reads the last sample, not the allocator");
            assertEquals(before, reads[0], "no read of the allocator on a call's path");
            l.tick(System.nanoTime());
            Status s = l.quota().check(exec);
            assertEquals(StatusCode.UNAVAILABLE, s.code());
            assertTrue(s.description().contains("limits.shed_network_bytes"), s.description());
            assertEquals("NETWORK_BUFFER_MEMORY", com.google.rpc.Status.parseFrom(s.details()).getDetails(0)
                    .unpack(com.google.rpc.ErrorInfo.class).getReason());
            assertEquals(null, l.quota().check(new WorkCall(org.remotemedia.rpc.Workload.LIGHT)));
            assertTrue(l.notReadyReason().contains("limits.shed_network_bytes"), l.notReadyReason());
            net[0] = 0;
            l.tick(System.nanoTime());
            assertEquals(null, l.quota().check(exec), "served again once the buffers are given back");
            assertEquals(null, l.notReadyReason());
        }
        org.remotemedia.config.ServerConfig auto = org.remotemedia.config.ServerConfig.from(java.util.Map.of());
        try (Limits l = new Limits(auto, new org.remotemedia.observe.Metrics(), () -> 0, () -> 0, 1L << 30,
                org.remotemedia.observe.JsonLog.silent())) {
            assertEquals((1L << 30) / 4, l.shedNetworkBytes(), "auto: 1/4 of direct memory");
        }
    }
}
