package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.rpc.ErrorInfo;
import com.google.rpc.QuotaFailure;
import com.google.rpc.RetryInfo;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The hand-written google.rpc.Status is what protobuf-java reads, field for field. */
class ErrorDetailsTest {
    @Test
    void protobufJavaReadsWhatItWouldHaveWritten() throws Exception {
        Map<String, String> md = new LinkedHashMap<>();
        md.put("identity", "alice");
        md.put("quota", "calls");
        for (long ms : new long[] {0, 1, 999, 1000, 1250, 86_400_123L}) {
            Status s = ErrorDetails.of(StatusCode.RESOURCE_EXHAUSTED, "rate limit: é ü")
                    .errorInfo("RATE_LIMITED", "remotemedia.v1", md)
                    .retryAfterMillis(ms)
                    .quotaFailure("identity:alice", "at most 1 call per second")
                    .build();
            assertEquals(StatusCode.RESOURCE_EXHAUSTED, s.code());
            com.google.rpc.Status expected = com.google.rpc.Status.newBuilder()
                    .setCode(StatusCode.RESOURCE_EXHAUSTED.value()).setMessage("rate limit: é ü")
                    .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("RATE_LIMITED").setDomain("remotemedia.v1")
                            .putAllMetadata(md).build()))
                    .addDetails(Any.pack(RetryInfo.newBuilder().setRetryDelay(Duration.newBuilder()
                            .setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000)).build()))
                    .addDetails(Any.pack(QuotaFailure.newBuilder().addViolations(QuotaFailure.Violation.newBuilder()
                            .setSubject("identity:alice").setDescription("at most 1 call per second")).build()))
                    .build();
            assertEquals(expected, com.google.rpc.Status.parseFrom(s.details()), "retry " + ms);
        }
        Status bare = ErrorDetails.of(StatusCode.UNAVAILABLE, "x").build();
        assertEquals(com.google.rpc.Status.newBuilder().setCode(14).setMessage("x").build(),
                com.google.rpc.Status.parseFrom(bare.details()));
    }
}
