package org.remotemedia.daemon;

import org.remotemedia.grpc.Status;
import org.remotemedia.limits.Admission;
import org.remotemedia.rpc.CallInterceptor;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.service.StatusDetails;

/**
 * Adapts {@link Admission} to the rpc API, before a request body is read: while the server
 * drains, a new StreamPipeline session gets UNAVAILABLE with RetryInfo (it would be closed at
 * once); every other call the transport accepted before its final GOAWAY is served, so a client
 * loses none (later ones are refused by the GOAWAY itself, which clients retry transparently);
 * when every execution
 * slot is taken, ExecutePipeline and StreamPipeline get UNAVAILABLE with RetryInfo and
 * QuotaFailure at once (the service takes the slot itself when the request has arrived, so this
 * is the cheap early answer, not the accounting).
 *
 * <p>Runs on the event loop; stateless.
 */
final class AdmissionInterceptor implements CallInterceptor {
    static final String EXECUTE = "/remotemedia.v1.PipelineExecutionService/ExecutePipeline";
    static final String STREAM = "/remotemedia.v1.StreamingPipelineService/StreamPipeline";

    private final Admission admission;

    AdmissionInterceptor(Admission admission) {
        this.admission = admission;
    }

    @Override
    public Status check(ServerCall call) {
        String path = call.methodPath();
        StatusDetails.Rejection r = null;
        if (admission.draining() && STREAM.equals(path)) {
            r = StatusDetails.draining(admission.drainRetryAfterMs());
        } else if (admission.full() && (EXECUTE.equals(path) || STREAM.equals(path))) {
            r = StatusDetails.overloaded(admission.maxInFlight(), admission.retryAfterMs());
        }
        if (r == null) {
            return null;
        }
        r.close(call);
        return r.status();
    }
}
