package org.remotemedia.grpc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Builds a {@link Status} with rich error details: a {@code google.rpc.Status} (same code and
 * message, plus ErrorInfo, RetryInfo, QuotaFailure in {@code Any}s) serialized by hand, so the
 * layers below the services (auth, limits) can answer with details without the protobuf
 * library, which stays in the services (docs/design.md). The bytes are what protobuf-java
 * writes for the same messages ({@code ErrorDetailsTest} parses them back with it); clients read
 * them as usual, e.g. grpc-java's {@code StatusProto.fromThrowable}.
 *
 * <pre>
 *   Status s = ErrorDetails.of(StatusCode.RESOURCE_EXHAUSTED, "rate limit ...")
 *       .errorInfo("RATE_LIMITED", "remotemedia.v1", Map.of("identity", "alice"))
 *       .retryAfterMillis(250)
 *       .quotaFailure("identity:alice", "at most 10 calls per second")
 *       .build();
 * </pre>
 *
 * <p>Not thread-safe while building; the built Status is immutable. Rejections are rare, so
 * building allocates freely.
 */
public final class ErrorDetails {
    private static final String TYPE_PREFIX = "type.googleapis.com/google.rpc.";

    private final StatusCode code;
    private final String message;
    private final ByteArrayOutputStream details = new ByteArrayOutputStream(128);

    private ErrorDetails(StatusCode code, String message) {
        this.code = code;
        this.message = message;
    }

    public static ErrorDetails of(StatusCode code, String message) {
        return new ErrorDetails(code, message);
    }

    /** google.rpc.ErrorInfo {reason = 1, domain = 2, metadata = 3 (map)}. */
    public ErrorDetails errorInfo(String reason, String domain, Map<String, String> metadata) {
        ByteArrayOutputStream m = new ByteArrayOutputStream(64);
        string(m, 1, reason);
        string(m, 2, domain);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            ByteArrayOutputStream entry = new ByteArrayOutputStream(32);
            string(entry, 1, e.getKey());
            string(entry, 2, e.getValue());
            bytes(m, 3, entry.toByteArray());
        }
        return any("ErrorInfo", m.toByteArray());
    }

    /** google.rpc.RetryInfo {retry_delay = 1 (google.protobuf.Duration {seconds = 1, nanos = 2})}. */
    public ErrorDetails retryAfterMillis(long millis) {
        long ms = Math.max(0, millis);
        ByteArrayOutputStream duration = new ByteArrayOutputStream(16);
        if (ms / 1000 != 0) {
            tag(duration, 1, 0);
            varint(duration, ms / 1000);
        }
        if (ms % 1000 != 0) {
            tag(duration, 2, 0);
            varint(duration, (ms % 1000) * 1_000_000);
        }
        ByteArrayOutputStream m = new ByteArrayOutputStream(16);
        bytes(m, 1, duration.toByteArray());
        return any("RetryInfo", m.toByteArray());
    }

    /** google.rpc.QuotaFailure {violations = 1 (Violation {subject = 1, description = 2})}, one violation. */
    public ErrorDetails quotaFailure(String subject, String description) {
        ByteArrayOutputStream v = new ByteArrayOutputStream(64);
        string(v, 1, subject);
        string(v, 2, description);
        ByteArrayOutputStream m = new ByteArrayOutputStream(80);
        bytes(m, 1, v.toByteArray());
        return any("QuotaFailure", m.toByteArray());
    }

    /** The status: code and message, with the details added so far in the {@code grpc-status-details-bin} form. */
    public Status build() {
        ByteArrayOutputStream s = new ByteArrayOutputStream(64 + details.size());
        if (code.value() != 0) {
            tag(s, 1, 0);
            varint(s, code.value());
        }
        string(s, 2, message);
        s.writeBytes(details.toByteArray());
        return Status.of(code, message).withDetails(s.toByteArray());
    }

    /** Adds google.protobuf.Any {type_url = 1, value = 2} as google.rpc.Status.details (field 3). */
    private ErrorDetails any(String type, byte[] value) {
        ByteArrayOutputStream a = new ByteArrayOutputStream(value.length + 48);
        string(a, 1, TYPE_PREFIX + type);
        bytes(a, 2, value);
        bytes(details, 3, a.toByteArray());
        return this;
    }

    private static void string(ByteArrayOutputStream out, int field, String value) {
        if (value != null && !value.isEmpty()) {
            bytes(out, field, value.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void bytes(ByteArrayOutputStream out, int field, byte[] value) {
        tag(out, field, 2);
        varint(out, value.length);
        out.writeBytes(value);
    }

    private static void tag(ByteArrayOutputStream out, int field, int wireType) {
        varint(out, ((long) field << 3) | wireType);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
