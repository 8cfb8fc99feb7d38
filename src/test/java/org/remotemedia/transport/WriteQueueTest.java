package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The cross-thread write queue and flush batching, on a hand-run "event loop". */
class WriteQueueTest {
    private final ArrayDeque<Runnable> loop = new ArrayDeque<>();
    private final List<String> log = new ArrayList<>();
    private final FlushBatcher flushes = new FlushBatcher(loop::add, () -> log.add("flush"));
    private final List<Throwable> failures = new ArrayList<>();
    private final WriteQueue queue = new WriteQueue(loop::add, flushes, () -> log.add("flush"), failures::add);

    private void runLoop() {
        Runnable r;
        while ((r = loop.poll()) != null) {
            r.run();
        }
    }

    private WriteQueue.Command write(String name) {
        return new WriteQueue.Command() {
            @Override
            public void run() {
                log.add(name);
                flushes.flushSoon(); // as a write on the loop does
            }

            @Override
            public void discard() {
                log.add("discard " + name);
            }
        };
    }

    @Test
    void aBatchCostsOneWakeUpAndOneFlush() {
        queue.enqueue(write("a"));
        queue.enqueue(write("b"));
        queue.enqueue(write("c"));
        assertEquals(1, loop.size(), "one wake-up for the batch");
        runLoop();
        assertEquals(List.of("a", "b", "c", "flush"), log);
    }

    @Test
    void aFailingCommandIsReportedAndTheRestRun() {
        RuntimeException boom = new RuntimeException("boom");
        queue.enqueue(write("a"));
        queue.enqueue(() -> {
            throw boom;
        });
        queue.enqueue(write("b"));
        runLoop();
        assertEquals(List.of("a", "b", "flush"), log);
        assertEquals(List.of(boom), failures);
    }

    @Test
    void afterCloseQueuedAndLaterCommandsAreDiscarded() {
        queue.enqueue(write("a"));
        queue.close();
        queue.enqueue(write("b"));
        runLoop();
        assertEquals(List.of("discard a", "discard b"), log);
    }

    @Test
    void writesOnTheLoopAreFlushedOncePerTurnOrByTheHolder() {
        flushes.flushSoon();
        flushes.flushSoon();
        runLoop();
        assertEquals(List.of("flush"), log, "two writes, one flush task");
        log.clear();
        boolean was = flushes.hold(); // a read in progress
        flushes.flushSoon();
        flushes.restore(was);
        assertEquals(0, loop.size(), "the holder flushes: no task");
    }

    @Test
    void manyProducersLoseNothing() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        int producers = 4;
        int each = 10_000;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        java.util.concurrent.ConcurrentLinkedQueue<Runnable> sharedLoop = new java.util.concurrent.ConcurrentLinkedQueue<>();
        FlushBatcher f = new FlushBatcher(sharedLoop::add, () -> { });
        WriteQueue q = new WriteQueue(sharedLoop::add, f, () -> { }, failures::add);
        for (int p = 0; p < producers; p++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    q.enqueue(ran::incrementAndGet);
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (ran.get() < producers * each && System.nanoTime() < deadline) {
            Runnable r = sharedLoop.poll();
            if (r != null) {
                r.run();
            } else {
                Thread.onSpinWait();
            }
        }
        for (Thread t : threads) {
            t.join(10_000);
        }
        Runnable r;
        while ((r = sharedLoop.poll()) != null) {
            r.run();
        }
        assertEquals(producers * each, ran.get());
    }
}
