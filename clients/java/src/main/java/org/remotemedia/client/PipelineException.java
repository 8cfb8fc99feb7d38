package org.remotemedia.client;

import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ErrorType;

/**
 * The server answered with an ErrorResponse (ExecuteResponse.error or StreamResponse.error): what
 * was wrong ({@link #errorType()}), where ({@link #failingNodeId()}, the JSON {@link #context()}
 * with problem paths, limits, stream fields), and the server's message.
 */
public class PipelineException extends RemoteMediaException {
    private static final long serialVersionUID = 1L;
    private final transient ErrorResponse error;

    public PipelineException(ErrorResponse error) {
        super(error.getErrorType().name() + (error.getFailingNodeId().isEmpty() ? "" : " at node \""
                + error.getFailingNodeId() + "\"") + ": " + error.getMessage(), null);
        this.error = error;
    }

    public ErrorResponse errorResponse() {
        return error;
    }

    public ErrorType errorType() {
        return error.getErrorType();
    }

    /** The failing node's id; empty for manifest-level errors. */
    public String failingNodeId() {
        return error.getFailingNodeId();
    }

    /** JSON text: problem paths, limits, and for streams stream_error_type / failing_sequence / session_id. */
    public String context() {
        return error.getContext();
    }
}
