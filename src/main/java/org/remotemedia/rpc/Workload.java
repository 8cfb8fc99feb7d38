package org.remotemedia.rpc;

/**
 * What a call costs the server, declared by each method when it registers, so that
 * authentication and limits treat calls by their cost instead of by method paths.
 */
public enum Workload {
    /** Health checks: no token, no limit, answered while draining (load balancers must see the truth). */
    PROBE,
    /** Cheap calls (version, metrics, reflection): token and per-identity call rate, refused while draining. */
    LIGHT,
    /** An ExecutePipeline call: also the execution cap and its queue, pressure shedding, the audio rate. */
    EXECUTION,
    /** A StreamPipeline session: also the session cap and its queue, the audio rate. */
    SESSION
}
