package org.remotemedia.transport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Hand-driven time for the connection's timers: {@link #advance} runs what fell due, in order. */
final class FakeTimers implements ConnectionTimers {
    private record Task(long dueNanos, long seq, Runnable run, boolean[] cancelled) {
    }

    private final List<Task> tasks = new ArrayList<>();
    private long now = 1_000_000_000L;
    private long seq;

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Timer schedule(Runnable task, long delayNanos) {
        boolean[] cancelled = {false};
        tasks.add(new Task(now + delayNanos, seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    /** Moves time forward, running each task as its time comes (tasks may schedule more). */
    void advance(long nanos) {
        long end = now + nanos;
        while (true) {
            Task next = tasks.stream().filter(t -> !t.cancelled()[0] && t.dueNanos() <= end)
                    .min(Comparator.comparingLong(Task::dueNanos).thenComparingLong(Task::seq)).orElse(null);
            if (next == null) {
                break;
            }
            tasks.remove(next);
            now = Math.max(now, next.dueNanos());
            next.run().run();
        }
        now = end;
    }

    void advanceMs(long ms) {
        advance(ms * 1_000_000L);
    }

    /** Tasks scheduled and neither run nor cancelled. */
    int pending() {
        return (int) tasks.stream().filter(t -> !t.cancelled()[0]).count();
    }
}
