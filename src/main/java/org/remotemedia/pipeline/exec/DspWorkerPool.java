package org.remotemedia.pipeline.exec;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * {@code dsp_mode: workers}: a fixed set of DSP worker threads, each fed by its own Agrona
 * {@link ManyToOneConcurrentArrayQueue} (many event loops offer, one worker polls; no locks),
 * each optionally pinned to one CPU ({@link Affinity}), idling per {@link IdleMode}. Unary work
 * goes to the worker with the shortest queue; a streaming session is pinned to one worker by key
 * so its chunks run in order.
 *
 * <p>Thread-safe: any thread submits; each {@link Worker} is owned by its thread.
 */
public final class DspWorkerPool implements DspExecutor {
    public static final int DEFAULT_QUEUE_CAPACITY = 4096;

    private final Worker[] workers;
    private final AtomicInteger next = new AtomicInteger();
    private final IdleMode idle;

    public DspWorkerPool(int threads, boolean pin, IdleMode idle, int queueCapacity) {
        if (threads < 1) {
            throw new IllegalArgumentException("worker threads must be >= 1, got " + threads);
        }
        this.idle = idle;
        int[] cpus = Affinity.allowedCpus();
        this.workers = new Worker[threads];
        for (int i = 0; i < threads; i++) {
            workers[i] = new Worker(i, pin ? cpus[i % cpus.length] : -1, idle, queueCapacity);
        }
        for (Worker w : workers) {
            w.thread.start();
        }
    }

    @Override
    public boolean inline() {
        return false;
    }

    @Override
    public boolean submit(Runnable task) {
        // the shortest of two queues (power of two choices): balanced without scanning them all
        int n = workers.length;
        Worker a = workers[Math.floorMod(next.getAndIncrement(), n)];
        if (n > 1) {
            Worker b = workers[Math.floorMod(next.get(), n)];
            if (b.queue.size() < a.queue.size()) {
                a = b;
            }
        }
        if (a.offer(task)) {
            return true;
        }
        for (Worker w : workers) { // the chosen queue is full: any other
            if (w.offer(task)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Executor pinned(long key) {
        Worker w = workers[(int) Math.floorMod(key, (long) workers.length)];
        return task -> {
            if (!w.offer(task)) {
                throw new RejectedExecutionException("DSP worker " + w.index + " queue is full");
            }
        };
    }

    @Override
    public String mode() {
        return "workers";
    }

    @Override
    public int threads() {
        return workers.length;
    }

    public IdleMode idleMode() {
        return idle;
    }

    /** Whether worker {@code i} pinned itself (false if pinning is off or failed). */
    public boolean isPinned(int i) {
        return workers[i].pinnedOk;
    }

    /** The CPU worker {@code i} asked for, or -1. */
    public int cpuOf(int i) {
        return workers[i].cpu;
    }

    /** Tasks executed by all workers so far. */
    public long completedTasks() {
        long n = 0;
        for (Worker w : workers) {
            n += w.completed;
        }
        return n;
    }

    @Override
    public void close() {
        for (Worker w : workers) {
            w.running = false;
            LockSupport.unpark(w.thread);
        }
        for (Worker w : workers) {
            try {
                w.thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One worker thread and its queue. The loop runs on {@link #thread}; offers come from anywhere. */
    static final class Worker implements Runnable {
        final int index;
        final int cpu;
        final IdleMode idle;
        final ManyToOneConcurrentArrayQueue<Runnable> queue;
        final Thread thread;
        volatile boolean running = true;
        volatile boolean parked;
        volatile boolean pinnedOk;
        volatile long completed;
        volatile long failures;

        Worker(int index, int cpu, IdleMode idle, int capacity) {
            this.index = index;
            this.cpu = cpu;
            this.idle = idle;
            this.queue = new ManyToOneConcurrentArrayQueue<>(capacity);
            this.thread = new Thread(this, "rm-dsp-" + index);
            this.thread.setDaemon(true);
        }

        boolean offer(Runnable task) {
            if (!running || !queue.offer(task)) {
                return false;
            }
            if (parked) { // set before the worker's last look at the queue: no lost wake-up
                LockSupport.unpark(thread);
            }
            return true;
        }

        @Override
        public void run() {
            if (cpu >= 0) {
                pinnedOk = Affinity.pinCurrentThread(cpu);
            }
            int idleCount = 0;
            while (true) {
                Runnable task = queue.poll();
                if (task != null) {
                    idleCount = 0;
                    try {
                        task.run();
                    } catch (Throwable t) {
                        // a task handles its own failures (the service answers INTERNAL); this only keeps the worker alive
                        failures++;
                    }
                    completed++;
                    continue;
                }
                if (!running) {
                    return;
                }
                idleCount++;
                if (idleCount <= idle.spins) {
                    Thread.onSpinWait();
                } else if (idleCount - idle.spins <= idle.yields) {
                    Thread.yield();
                } else {
                    parked = true;
                    if (queue.isEmpty() && running) {
                        LockSupport.parkNanos(this, 100_000_000L);
                    }
                    parked = false;
                }
            }
        }
    }
}
