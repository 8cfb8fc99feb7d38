package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;

/** Keepalive, idle and drain decisions on hand-driven time: what LifecycleTest shows over sockets in minutes. */
class ConnectionTimersTest {
    private static final long MS = 1_000_000L;
    private final FakeTimers timers = new FakeTimers();
    private final List<String> events = new ArrayList<>();

    @Nested
    class KeepAlive implements KeepAlivePinger.Connection {
        private final KeepAlivePinger pinger = new KeepAlivePinger(timers, 1000 * MS, 300 * MS, this);

        @Override
        public void sendKeepAlivePing() {
            events.add("ping@" + timers.nanoTime() / MS);
        }

        @Override
        public void keepAliveTimedOut() {
            events.add("timeout@" + timers.nanoTime() / MS);
        }

        @Test
        void pingsAfterTheKeepaliveTimeWithoutReadsAndClosesWithoutAck() {
            long t0 = timers.nanoTime() / MS;
            pinger.start();
            timers.advanceMs(999);
            assertEquals(List.of(), events);
            timers.advanceMs(1);
            assertEquals(List.of("ping@" + (t0 + 1000)), events);
            timers.advanceMs(299);
            assertEquals(1, events.size());
            timers.advanceMs(1);
            assertEquals(List.of("ping@" + (t0 + 1000), "timeout@" + (t0 + 1300)), events);
            timers.advanceMs(10_000);
            assertEquals(2, events.size(), "stopped after the timeout");
            assertEquals(0, timers.pending());
        }

        @Test
        void anAckKeepsTheConnectionAndTheNextPingWaitsAFullPeriod() {
            pinger.start();
            timers.advanceMs(1000);
            assertTrue(pinger.awaitingAck());
            pinger.onRead(timers.nanoTime()); // the ack is a read
            pinger.onPingAck();
            assertFalse(pinger.awaitingAck());
            timers.advanceMs(999);
            assertEquals(1, events.size(), "no ping while the period since the last one runs");
            timers.advanceMs(5);
            assertEquals(2, events.size());
            assertTrue(events.stream().noneMatch(e -> e.startsWith("timeout")));
        }

        @Test
        void readsPushThePingBack() {
            pinger.start();
            for (int i = 0; i < 10; i++) {
                timers.advanceMs(600);
                pinger.onRead(timers.nanoTime());
            }
            assertEquals(List.of(), events, "a peer that keeps sending is never pinged");
            timers.advanceMs(1002);
            assertEquals(1, events.size());
        }

        @Test
        void stopCancelsEverything() {
            pinger.start();
            timers.advanceMs(1000);
            pinger.stop();
            timers.advanceMs(10_000);
            assertEquals(1, events.size());
            assertEquals(0, timers.pending());
        }
    }

    @Nested
    class Idle implements IdleMonitor.Connection {
        boolean active;
        boolean draining;
        private final IdleMonitor monitor = new IdleMonitor(timers, 400 * MS, this);

        @Override
        public boolean hasActiveStreams() {
            return active;
        }

        @Override
        public boolean isDraining() {
            return draining;
        }

        @Override
        public void idleTooLong() {
            events.add("idle@" + timers.nanoTime() / MS);
            draining = true;
        }

        @Test
        void drainsAConnectionIdleForTheLimitOnlyOnce() {
            long t0 = timers.nanoTime() / MS;
            monitor.start();
            timers.advanceMs(399);
            assertEquals(List.of(), events);
            timers.advanceMs(1);
            assertEquals(List.of("idle@" + (t0 + 400)), events, "checked every quarter of the limit");
            timers.advanceMs(5000);
            assertEquals(1, events.size(), "a draining connection is not drained again");
        }

        @Test
        void callsKeepItOpenAndTheIdleTimeCountsFromTheLastCall() {
            monitor.start();
            active = true;
            timers.advanceMs(2000);
            assertEquals(List.of(), events);
            active = false;
            monitor.lastStreamClosed();
            long closedAt = timers.nanoTime() / MS;
            timers.advanceMs(399);
            assertEquals(List.of(), events);
            timers.advanceMs(100);
            assertEquals(1, events.size());
            long at = Long.parseLong(events.get(0).substring(5));
            assertTrue(at >= closedAt + 400 && at <= closedAt + 500, "drained at " + at + ", last call " + closedAt);
        }

        @Test
        void offWhenTheLimitIsZero() {
            IdleMonitor off = new IdleMonitor(timers, 0, this);
            off.start();
            off.lastStreamClosed();
            timers.advanceMs(100_000);
            assertEquals(List.of(), events);
            assertEquals(0, timers.pending());
        }
    }

    @Nested
    class Age implements ConnectionAgeLimit.Connection {
        boolean draining;

        @Override
        public boolean isDraining() {
            return draining;
        }

        @Override
        public void tooOld() {
            events.add("old@" + timers.nanoTime() / MS);
            draining = true;
        }

        @Override
        public void graceOver() {
            events.add("grace@" + timers.nanoTime() / MS);
        }

        @Test
        void drainsAtTheAgeThenEndsTheCallsAfterTheGrace() {
            long t0 = timers.nanoTime() / MS;
            ConnectionAgeLimit age = new ConnectionAgeLimit(timers, 1000 * MS, 300 * MS, 0, this);
            age.start();
            timers.advanceMs(999);
            assertEquals(List.of(), events);
            timers.advanceMs(1);
            assertEquals(List.of("old@" + (t0 + 1000)), events);
            timers.advanceMs(300);
            assertEquals(List.of("old@" + (t0 + 1000), "grace@" + (t0 + 1300)), events);
            assertEquals(0, timers.pending());
        }

        @Test
        void withoutAGraceLimitTheCallsFinishInTheirOwnTime() {
            ConnectionAgeLimit age = new ConnectionAgeLimit(timers, 1000 * MS, 0, 0, this);
            age.start();
            timers.advanceMs(100_000);
            assertEquals(1, events.size(), events.toString());
            assertTrue(events.get(0).startsWith("old@"));
            assertEquals(0, timers.pending());
        }

        @Test
        void theJitterMovesTheAgeByAtMostATenthEitherWay() {
            assertEquals(900 * MS, new ConnectionAgeLimit(timers, 1000 * MS, 0, -1, this).maxAgeNanos());
            assertEquals(1100 * MS, new ConnectionAgeLimit(timers, 1000 * MS, 0, 1, this).maxAgeNanos());
            assertEquals(1050 * MS, new ConnectionAgeLimit(timers, 1000 * MS, 0, 0.5, this).maxAgeNanos());
            assertThrows(IllegalArgumentException.class, () -> new ConnectionAgeLimit(timers, 1000 * MS, 0, 1.5, this));
        }

        @Test
        void aConnectionAlreadyDrainingIsNotDrainedAgainButItsGraceStillEnds() {
            draining = true; // a shutdown or the idle limit came first
            ConnectionAgeLimit age = new ConnectionAgeLimit(timers, 1000 * MS, 300 * MS, 0, this);
            age.start();
            timers.advanceMs(1300);
            assertEquals(1, events.size(), events.toString());
            assertTrue(events.get(0).startsWith("grace@"));
        }

        @Test
        void offWhenTheAgeIsZeroAndSilentOnceStopped() {
            ConnectionAgeLimit off = new ConnectionAgeLimit(timers, 0, 300 * MS, 0, this);
            off.start();
            assertEquals(0, timers.pending());
            ConnectionAgeLimit stopped = new ConnectionAgeLimit(timers, 1000 * MS, 300 * MS, 0, this);
            stopped.start();
            stopped.stop();
            timers.advanceMs(100_000);
            assertEquals(List.of(), events);
        }
    }

    @Nested
    class Drain implements GracefulDrain.Connection {
        private static final Status GRACE_OVER = Status.of(StatusCode.UNAVAILABLE, "grace over");

        int lastStream = 7;
        boolean active = true;
        private final GracefulDrain drain = new GracefulDrain(timers, 10_000 * MS, this);

        @Override
        public void goAway(int lastStreamId) {
            events.add("goaway " + lastStreamId);
        }

        @Override
        public void sendDrainPing() {
            events.add("ping");
        }

        @Override
        public int lastStreamCreated() {
            return lastStream;
        }

        @Override
        public boolean hasActiveStreams() {
            return active;
        }

        @Override
        public void cancelCalls(Status why) {
            events.add("cancel");
        }

        @Override
        public void close() {
            events.add("close");
        }

        @Test
        void twoPhasesThenCloseWhenTheLastCallEnds() {
            drain.start();
            drain.start();
            assertEquals(List.of("goaway 2147483647", "ping"), events, "a second start does nothing");
            lastStream = 9; // a request that crossed the first GOAWAY
            drain.onDrainPingAck();
            assertEquals(List.of("goaway 2147483647", "ping", "goaway 9"), events);
            drain.streamClosed();
            assertEquals(3, events.size(), "calls still running");
            active = false;
            drain.streamClosed();
            assertEquals("close", events.get(3));
            timers.advanceMs(20_000);
            assertEquals(4, events.size(), "the ping timeout was cancelled");
        }

        @Test
        void theSecondGoAwayFollowsWithoutAnAckAfterTheTimeout() {
            active = false;
            drain.start();
            timers.advanceMs(9_999);
            assertEquals(2, events.size());
            timers.advanceMs(1);
            assertEquals(List.of("goaway 2147483647", "ping", "goaway 7", "close"), events);
            drain.onDrainPingAck();
            assertEquals(4, events.size(), "a late ack changes nothing");
        }

        @Test
        void forceCloseCancelsCallsAndSaysTheRealLastStreamOnce() {
            drain.start();
            drain.forceClose(GRACE_OVER);
            assertEquals(List.of("goaway 2147483647", "ping", "cancel", "goaway 7", "close"), events);
            drain.forceClose(GRACE_OVER);
            drain.onDrainPingAck();
            timers.advanceMs(20_000);
            assertEquals(5, events.size());
        }

        @Test
        void nothingAfterTheConnectionClosed() {
            drain.connectionClosed();
            drain.start();
            drain.forceClose(GRACE_OVER);
            assertEquals(List.of(), events);
        }
    }
}
