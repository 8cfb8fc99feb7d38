package org.remotemedia.pipeline.exec;

import java.util.concurrent.Executor;
import org.remotemedia.config.ServerConfig;

/**
 * Where DSP runs (docs/design.md "Threads"): {@code inline} on the calling event loop, no hop; on
 * pooled {@code workers}; or {@code auto}: inline while a unary call is alone on its event loop,
 * on the workers when others share it ({@link AutoDsp}). The service asks {@link #inline()} and
 * {@link #inlineWhenAlone()} once per call and, when it does not run the work itself, hands it
 * over with {@link #submit}; a streaming session on workers takes {@link #pinned} so that all
 * its chunks run on one worker, in order.
 *
 * <p>Thread-safe: any thread may submit.
 */
public interface DspExecutor extends AutoCloseable {
    /** True: run the work on the calling thread. */
    boolean inline();

    /** True ({@code auto}): run a unary call on the calling event loop when it is the loop's only call. */
    default boolean inlineWhenAlone() {
        return false;
    }

    /** True: a streaming session's chunks run on the event loop ({@code inline}, and {@code auto}: short chunks). */
    default boolean sessionsInline() {
        return inline() || inlineWhenAlone();
    }

    /** DSP worker threads (0 when everything runs inline). */
    default int threads() {
        return 0;
    }

    /** Runs {@code task} on a worker; false (nothing queued) when every queue is full. */
    boolean submit(Runnable task);

    /** An executor that runs every task on the same thread in submission order ({@code key} picks which). */
    Executor pinned(long key);

    /** "inline", "workers" or "auto". */
    String mode();

    /** Stops the workers (queued tasks are still run first). */
    @Override
    void close();

    /** From {@code execution.dsp_mode / worker_threads / pin_workers / idle_strategy}. */
    static DspExecutor from(ServerConfig.Execution e) {
        if (e.inline()) {
            return InlineDsp.INSTANCE;
        }
        DspWorkerPool pool = new DspWorkerPool(e.workerThreads(), e.pinWorkers(), IdleMode.of(e.idleStrategy()),
                DspWorkerPool.DEFAULT_QUEUE_CAPACITY);
        return "auto".equals(e.dspMode()) ? new AutoDsp(pool) : pool;
    }
}
