package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import org.junit.jupiter.api.Test;
import org.remotemedia.grpc.StatusCode;

class StatusDetailsTest {
    /** The words ExecutePipeline and StreamPipeline send when DSP work cannot be queued. */
    @Test
    void dspQueueFullNamesTheQueueTheSettingAndTheRetry() throws Exception {
        StatusDetails.Rejection r = StatusDetails.dspQueueFull("the session's DSP worker queue");
        assertEquals(StatusCode.UNAVAILABLE, r.status().code());
        assertEquals("server overloaded: the session's DSP worker queue is full; retry after 100 ms",
                r.status().description());
        com.google.rpc.Status s = com.google.rpc.Status.parseFrom(r.trailers().getBinary(StatusDetails.TRAILER));
        assertEquals(StatusCode.UNAVAILABLE.value(), s.getCode());
        assertEquals(r.status().description(), s.getMessage());
        ErrorInfo info = s.getDetails(0).unpack(ErrorInfo.class);
        assertEquals("DSP_QUEUE_FULL", info.getReason());
        assertEquals(StatusDetails.DOMAIN, info.getDomain());
        assertEquals("execution.worker_threads", info.getMetadataOrThrow("setting"));
        assertEquals(100_000_000, s.getDetails(1).unpack(RetryInfo.class).getRetryDelay().getNanos());
        assertEquals("server overloaded: every DSP worker queue is full; retry after 100 ms",
                StatusDetails.dspQueueFull("every DSP worker queue").status().description());
    }
}
