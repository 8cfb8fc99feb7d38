package org.remotemedia.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    @Test
    void admitsUpToTheLimitThenRefuses() {
        Admission a = new Admission(2, 100);
        assertTrue(a.tryAcquire());
        assertTrue(a.tryAcquire());
        assertTrue(a.full());
        assertFalse(a.tryAcquire());
        a.release();
        assertTrue(a.tryAcquire());
        assertEquals(2, a.inFlight());
    }

    @Test
    void drainingIsAFlagNotARefusal() {
        // the transport's GOAWAY decides which calls a draining server still serves: all it accepted
        Admission a = new Admission(10, 100);
        a.beginDrain(30_000);
        assertTrue(a.draining());
        assertTrue(a.tryAcquire());
        assertEquals(30_000, a.drainRetryAfterMs());
        a.release();
    }

    @Test
    void unmatchedReleaseIsABug() {
        Admission a = new Admission(1, 100);
        assertThrows(IllegalStateException.class, a::release);
        assertEquals(0, a.inFlight());
    }

    @Test
    void neverMoreThanTheLimitUnderContention() throws Exception {
        Admission a = new Admission(3, 100);
        AtomicInteger max = new AtomicInteger();
        AtomicInteger now = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        Thread[] ts = new Thread[8];
        for (int t = 0; t < ts.length; t++) {
            ts[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    if (a.tryAcquire()) {
                        max.accumulateAndGet(now.incrementAndGet(), Math::max);
                        now.decrementAndGet();
                        a.release();
                    }
                }
            });
            ts[t].start();
        }
        go.countDown();
        for (Thread t : ts) {
            t.join(30_000);
        }
        assertTrue(max.get() <= 3, "max in flight " + max.get());
        assertEquals(0, a.inFlight());
    }
}
