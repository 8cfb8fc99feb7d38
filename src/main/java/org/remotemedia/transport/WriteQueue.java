package org.remotemedia.transport;

import io.netty.util.internal.PlatformDependent;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Work handed to a connection's event loop by other threads (DSP workers answering calls):
 * a lock-free queue, one wake-up of the loop per batch, and one flush per batch, as
 * grpc-java's WriteQueue does. Once the connection is closed, what is queued or offered later
 * is discarded, so buffers it holds go back.
 *
 * <p>Threads: {@link #enqueue} from any thread; the rest on the connection's event loop.
 */
final class WriteQueue {
    /** Work handed over from another thread; {@link #discard} frees what it holds if never run. */
    interface Command extends Runnable {
        default void discard() {
        }
    }

    private final Queue<Command> queue = PlatformDependent.newMpscQueue();
    private final AtomicBoolean wakeUpQueued = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private final Executor loop;
    private final FlushBatcher flushes;
    private final Runnable flush;
    private final Consumer<Throwable> failed;
    private volatile boolean closed;

    /**
     * @param flush  writes out what the batch queued
     * @param failed told of a command that threw (the others still run)
     */
    WriteQueue(Executor loop, FlushBatcher flushes, Runnable flush, Consumer<Throwable> failed) {
        this.loop = loop;
        this.flushes = flushes;
        this.flush = flush;
        this.failed = failed;
    }

    /** Any thread. */
    void enqueue(Command command) {
        if (closed) {
            command.discard();
            return;
        }
        queue.offer(command);
        if (wakeUpQueued.compareAndSet(false, true)) {
            loop.execute(drainTask);
        }
        if (closed) {
            discardAll(); // the close raced this offer
        }
    }

    /** The connection is gone: discards what is queued, and everything offered from now on. */
    void close() {
        closed = true;
        discardAll();
    }

    private void drain() {
        wakeUpQueued.set(false);
        boolean wasHeld = flushes.hold(); // the commands' writes: one flush below
        try {
            Command c;
            while ((c = queue.poll()) != null) {
                if (closed) {
                    c.discard();
                    continue;
                }
                try {
                    c.run();
                } catch (Throwable t) {
                    failed.accept(t);
                }
            }
        } finally {
            flushes.restore(wasHeld);
        }
        if (!closed) {
            flush.run();
        }
    }

    private void discardAll() {
        Command c;
        while ((c = queue.poll()) != null) {
            c.discard();
        }
    }
}
