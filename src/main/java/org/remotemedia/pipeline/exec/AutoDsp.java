package org.remotemedia.pipeline.exec;

import java.util.concurrent.Executor;

/**
 * {@code dsp_mode: auto}: a unary call runs inline while it is alone on its event loop (no hop:
 * the lowest latency) and on the worker pool as soon as other calls share the loop (the loop
 * stays free to read them, and the work spreads over the cores). Streaming sessions run inline:
 * their chunks are short, and a hop per chunk costs more than it saves. The decision is the
 * service's ({@link #inlineWhenAlone()}); this class only owns the pool.
 *
 * <p>Thread-safe, as the pool is.
 */
public final class AutoDsp implements DspExecutor {
    private final DspWorkerPool workers;

    public AutoDsp(DspWorkerPool workers) {
        this.workers = workers;
    }

    @Override
    public boolean inline() {
        return false;
    }

    @Override
    public boolean inlineWhenAlone() {
        return true;
    }

    @Override
    public boolean submit(Runnable task) {
        return workers.submit(task);
    }

    @Override
    public Executor pinned(long key) {
        return workers.pinned(key);
    }

    @Override
    public String mode() {
        return "auto";
    }

    @Override
    public int threads() {
        return workers.threads();
    }

    @Override
    public void close() {
        workers.close();
    }
}
