package org.remotemedia.pipeline;

/**
 * Carries a {@link PipelineError} out of compile / execute / push. Errors are the exception,
 * not control flow: a request that fails stops there.
 */
public final class PipelineException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient PipelineError error;

    public PipelineException(PipelineError error) {
        super(error.message(), error.cause(), false, error.cause() != null);
        this.error = error;
    }

    public PipelineError error() {
        return error;
    }

    public ErrorType type() {
        return error.type();
    }
}
