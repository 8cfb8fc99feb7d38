package org.remotemedia.rpc;

/**
 * What a service says about its call for the access log, beyond the transport's own figures:
 * the pipeline's name and node count (ExecutePipeline, a stream's init) and the chunks a stream
 * took in and sent out. Unset fields stay null / -1.
 *
 * <p>Threads: written by the thread that runs the call's work before it closes the call, read on
 * the event loop when the call ends (the close hands over through the event loop's queue).
 */
public final class CallNotes {
    private String pipeline;
    private int nodes = -1;
    private long chunksIn = -1;
    private long chunksOut = -1;

    public void pipeline(String name, int nodeCount) {
        this.pipeline = name;
        this.nodes = nodeCount;
    }

    public void chunks(long in, long out) {
        this.chunksIn = in;
        this.chunksOut = out;
    }

    public String pipeline() {
        return pipeline;
    }

    public int nodes() {
        return nodes;
    }

    public long chunksIn() {
        return chunksIn;
    }

    public long chunksOut() {
        return chunksOut;
    }
}
