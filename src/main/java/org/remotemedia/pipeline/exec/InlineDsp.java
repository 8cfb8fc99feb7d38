package org.remotemedia.pipeline.exec;

import java.util.concurrent.Executor;

/** {@code dsp_mode: inline}: everything runs on the caller (the connection's event loop). Stateless. */
public final class InlineDsp implements DspExecutor {
    public static final InlineDsp INSTANCE = new InlineDsp();

    private InlineDsp() {
    }

    @Override
    public boolean inline() {
        return true;
    }

    @Override
    public boolean submit(Runnable task) {
        task.run();
        return true;
    }

    @Override
    public Executor pinned(long key) {
        return Runnable::run;
    }

    @Override
    public String mode() {
        return "inline";
    }

    @Override
    public void close() {
    }
}
