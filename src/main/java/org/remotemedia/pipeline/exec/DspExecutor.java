package org.remotemedia.pipeline.exec;

import java.util.concurrent.Executor;
import org.remotemedia.config.ServerConfig;

/**
 * Where DSP runs (DESIGN.md "Threads"): {@code inline} on the calling event loop, no hop, or on
 * pooled {@code workers}. The service asks {@link #inline()} once per call and, when false,
 * hands the work over with {@link #submit}; a streaming session takes {@link #pinned} so that
 * all its chunks run on one worker, in order.
 *
 * <p>Thread-safe: any thread may submit.
 */
public interface DspExecutor extends AutoCloseable {
    /** True: run the work on the calling thread. */
    boolean inline();

    /** Runs {@code task} on a worker; false (nothing queued) when every queue is full. */
    boolean submit(Runnable task);

    /** An executor that runs every task on the same thread in submission order ({@code key} picks which). */
    Executor pinned(long key);

    /** "inline" or "workers". */
    String mode();

    /** Stops the workers (queued tasks are still run first). */
    @Override
    void close();

    /** From {@code execution.dsp_mode / worker_threads / pin_workers / idle_strategy}. */
    static DspExecutor from(ServerConfig.Execution e) {
        if (e.inline()) {
            return InlineDsp.INSTANCE;
        }
        return new DspWorkerPool(e.workerThreads(), e.pinWorkers(), IdleMode.of(e.idleStrategy()),
                DspWorkerPool.DEFAULT_QUEUE_CAPACITY);
    }
}
