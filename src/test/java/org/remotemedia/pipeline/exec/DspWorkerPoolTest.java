package org.remotemedia.pipeline.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.remotemedia.config.ServerConfig;

class DspWorkerPoolTest {

    @ParameterizedTest
    @EnumSource(IdleMode.class)
    void runsEveryTaskOnAWorkerInEveryIdleMode(IdleMode mode) throws Exception {
        try (DspWorkerPool p = new DspWorkerPool(2, false, mode, 64)) {
            int n = 2_000;
            CountDownLatch done = new CountDownLatch(n);
            AtomicLong onWorker = new AtomicLong();
            for (int i = 0; i < n; i++) {
                while (!p.submit(() -> {
                    if (Thread.currentThread().getName().startsWith("rm-dsp-")) {
                        onWorker.incrementAndGet();
                    }
                    done.countDown();
                })) {
                    Thread.onSpinWait(); // queues full: the caller would reject; here we retry
                }
                if (i % 100 == 0) {
                    Thread.sleep(1); // let idle workers park, so wake-ups are exercised
                }
            }
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(n, onWorker.get());
        }
    }

    @Test
    void pinnedExecutorKeepsOrderOnOneThread() throws Exception {
        try (DspWorkerPool p = new DspWorkerPool(2, false, IdleMode.BACKOFF, 1024)) {
            Executor e = p.pinned(7);
            List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
            ConcurrentHashMap<String, Boolean> threads = new ConcurrentHashMap<>();
            CountDownLatch done = new CountDownLatch(500);
            for (int i = 0; i < 500; i++) {
                int k = i;
                e.execute(() -> {
                    seen.add(k);
                    threads.put(Thread.currentThread().getName(), true);
                    done.countDown();
                });
            }
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertEquals(1, threads.size());
            for (int i = 0; i < 500; i++) {
                assertEquals(i, seen.get(i));
            }
        }
    }

    @Test
    void fullQueuesRefuseInsteadOfBlocking() throws Exception {
        try (DspWorkerPool p = new DspWorkerPool(1, false, IdleMode.SLEEP, 4)) {
            CountDownLatch hold = new CountDownLatch(1);
            CountDownLatch taken = new CountDownLatch(1);
            assertTrue(p.submit(() -> {
                taken.countDown();
                try {
                    hold.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            assertTrue(taken.await(10, TimeUnit.SECONDS), "the worker took the first task off its queue");
            int accepted = 0;
            for (int i = 0; i < 10; i++) {
                if (p.submit(() -> { })) {
                    accepted++;
                }
            }
            assertEquals(4, accepted, "capacity 4");
            hold.countDown();
        }
    }

    @Test
    void pinsWorkersToCpusThroughFfm() throws Exception {
        if (!Affinity.available()) {
            return; // not Linux: pinning is reported as unavailable, nothing to check
        }
        int[] cpus = Affinity.allowedCpus();
        try (DspWorkerPool p = new DspWorkerPool(2, true, IdleMode.BACKOFF, 16)) {
            CountDownLatch done = new CountDownLatch(1);
            long[] mask = new long[1];
            p.pinned(0).execute(() -> {
                mask[0] = Affinity.currentMask();
                done.countDown();
            });
            assertTrue(done.await(10, TimeUnit.SECONDS));
            assertTrue(p.isPinned(0), "worker 0 pinned itself");
            assertEquals(cpus[0], p.cpuOf(0));
            assertEquals(1L << cpus[0], mask[0], "the worker's affinity mask is its one CPU");
        }
        assertFalse(Affinity.pinCurrentThread(-1));
    }

    @Test
    void fromConfig() {
        try (DspExecutor auto = DspExecutor.from(ServerConfig.defaults().execution())) {
            assertFalse(auto.inline(), "the default is auto");
            assertTrue(auto.inlineWhenAlone());
            assertEquals("auto", auto.mode());
            assertEquals(Runtime.getRuntime().availableProcessors(), ((AutoDsp) auto).threads());
        }
        DspExecutor inline = DspExecutor.from(ServerConfig.from(java.util.Map.of("execution.dsp_mode", "inline")).execution());
        assertTrue(inline.inline());
        assertFalse(inline.inlineWhenAlone());
        try (DspExecutor w = DspExecutor.from(ServerConfig.from(java.util.Map.of("execution.dsp_mode", "workers",
                "execution.worker_threads", "3", "execution.idle_strategy", "yield")).execution())) {
            assertFalse(w.inline());
            assertEquals(3, ((DspWorkerPool) w).threads());
            assertEquals(IdleMode.YIELD, ((DspWorkerPool) w).idleMode());
        }
    }
}
