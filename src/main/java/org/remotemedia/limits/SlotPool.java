package org.remotemedia.limits;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.WorkGate;

/**
 * A cap on concurrent work of one kind (executions, or streaming sessions) with a bounded FIFO
 * wait queue and a measured drain rate. A free slot costs one CAS; waiting, handing a freed slot
 * to the next waiter and timing waits out take this object's lock, only while someone waits.
 *
 * <p>Threads: any thread acquires and releases; {@link #tick} runs on the limits timer thread and
 * is handed the time, so tests drive it without threads.
 */
final class SlotPool {
    /** A call waiting for a slot. */
    record Waiting(ServerCall call, WorkGate.Waiter waiter, long sinceNanos) {
    }

    /** What to tell a waiter that gets no slot. */
    interface Refusals {
        org.remotemedia.grpc.Status queueTimeout(SlotPool pool, long waitedMs);

        org.remotemedia.grpc.Status cancelled();
    }

    final String name;
    final String setting;
    final int max;
    final int maxQueue;
    final long maxWaitNanos;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong completed = new AtomicLong();
    private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
    private volatile int queued;
    // drain-rate estimate, written by tick() only
    private long lastCompleted;
    private long lastTickNanos;
    private volatile double completionsPerSecond;

    SlotPool(String name, String setting, int max, int maxQueue, long maxWaitMs) {
        this.name = name;
        this.setting = setting;
        this.max = max;
        this.maxQueue = maxQueue;
        this.maxWaitNanos = maxWaitMs * 1_000_000L;
    }

    /** A slot now, unless all are taken or someone waits already (first come, first served). */
    boolean tryAcquire() {
        if (queued > 0) {
            return false;
        }
        int n;
        do {
            n = inFlight.get();
            if (n >= max) {
                return false;
            }
        } while (!inFlight.compareAndSet(n, n + 1));
        return true;
    }

    /** Queues {@code w}; false when the queue is full. A slot freed meanwhile goes to the head at once. */
    boolean enqueue(Waiting w) {
        List<Waiting> admitted;
        synchronized (this) {
            if (queue.size() >= maxQueue) {
                return false;
            }
            queue.addLast(w);
            queued = queue.size();
            admitted = handOutLocked(null);
        }
        admit(admitted);
        return true;
    }

    void release() {
        int n = inFlight.decrementAndGet();
        completed.incrementAndGet();
        if (n < 0) {
            inFlight.incrementAndGet();
            throw new IllegalStateException(name + ": release without a matching acquire");
        }
        if (queued > 0) {
            List<Waiting> admitted;
            synchronized (this) {
                admitted = handOutLocked(null);
            }
            admit(admitted);
        }
    }

    /** Gives free slots to waiters in order; cancelled waiters are dropped (collected in {@code gone}). */
    private List<Waiting> handOutLocked(List<Waiting> gone) {
        List<Waiting> out = null;
        while (!queue.isEmpty()) {
            Waiting head = queue.peekFirst();
            if (head.call().isCancelled()) {
                queue.pollFirst();
                if (gone != null) {
                    gone.add(head);
                }
                continue;
            }
            int n = inFlight.get();
            if (n >= max) {
                break;
            }
            if (!inFlight.compareAndSet(n, n + 1)) {
                continue;
            }
            queue.pollFirst();
            if (out == null) {
                out = new ArrayList<>(2);
            }
            out.add(head);
        }
        queued = queue.size();
        return out;
    }

    private static void admit(List<Waiting> admitted) {
        if (admitted == null) {
            return;
        }
        for (Waiting w : admitted) {
            try {
                w.call().eventLoop().execute(w.waiter()::admitted);
            } catch (RuntimeException e) { // the event loop is gone with its connection
                w.waiter().refused(org.remotemedia.grpc.Status.CANCELLED);
            }
        }
    }

    /**
     * Times out waiters that waited longer than the limit, drops cancelled ones, and updates the
     * drain rate (an exponentially weighted rate of completions, time constant about 0.5 s).
     */
    void tick(long nowNanos, Refusals refusals) {
        long done = completed.get();
        if (lastTickNanos != 0 && nowNanos > lastTickNanos) {
            double instant = (done - lastCompleted) * 1e9 / (nowNanos - lastTickNanos);
            double alpha = Math.min(1.0, (nowNanos - lastTickNanos) / 500e6);
            completionsPerSecond = completionsPerSecond + alpha * (instant - completionsPerSecond);
        }
        lastCompleted = done;
        lastTickNanos = nowNanos;
        if (queued == 0) {
            return;
        }
        List<Waiting> expired = new ArrayList<>();
        List<Waiting> gone = new ArrayList<>();
        synchronized (this) {
            for (var it = queue.iterator(); it.hasNext(); ) {
                Waiting w = it.next();
                if (w.call().isCancelled()) {
                    it.remove();
                    gone.add(w);
                } else if (nowNanos - w.sinceNanos() >= maxWaitNanos) {
                    it.remove();
                    expired.add(w);
                }
            }
            queued = queue.size();
        }
        for (Waiting w : expired) {
            w.waiter().refused(refusals.queueTimeout(this, (nowNanos - w.sinceNanos()) / 1_000_000));
        }
        for (Waiting w : gone) {
            w.waiter().refused(refusals.cancelled());
        }
    }

    /** Refuses every waiter (the server drains). */
    void refuseAll(org.remotemedia.grpc.Status status) {
        List<Waiting> all;
        synchronized (this) {
            all = new ArrayList<>(queue);
            queue.clear();
            queued = 0;
        }
        for (Waiting w : all) {
            w.waiter().refused(status);
        }
    }

    /**
     * When a caller refused now should come back: the time the queue ahead of it takes to drain
     * at the measured completion rate, 10 ms to 10 s; 1 s while nothing has completed lately.
     */
    long retryAfterMs() {
        double rate = completionsPerSecond;
        if (rate < 1.0) {
            return 1000;
        }
        double ms = (queued + 1) * 1000.0 / rate;
        return Math.max(10, Math.min(10_000, Math.round(ms)));
    }

    boolean full() {
        return inFlight.get() >= max;
    }

    boolean queueFull() {
        return queued >= maxQueue;
    }

    int inFlight() {
        return inFlight.get();
    }

    int queued() {
        return queued;
    }

    double completionsPerSecond() {
        return completionsPerSecond;
    }
}
