package org.remotemedia.dsp;

/** A node cannot go on (bad data mid-stream, an internal limit); reported as NODE_EXECUTION. */
public final class NodeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NodeException(String message) {
        super(message);
    }
}
