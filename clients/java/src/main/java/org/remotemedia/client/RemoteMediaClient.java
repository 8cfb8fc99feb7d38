package org.remotemedia.client;

import io.grpc.CallCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;
import org.remotemedia.proto.v1.VersionRequest;
import org.remotemedia.proto.v1.VersionResponse;

/**
 * A client of one remotemedia server: {@link #version()}, {@link #execute} (ExecutePipeline) and
 * {@link #stream} (StreamPipeline), over one HTTP/2 connection. Thread-safe; close it when done.
 *
 * <pre>{@code
 * try (RemoteMediaClient c = RemoteMediaClient.builder("localhost:50051").token("s3cret").build()) {
 *     ExecuteResult r = c.execute(Files.readString(Path.of("resample-16k.json")),
 *             Map.of("resample", Audio.ofFloats(samples, 44100, 1)), Map.of());
 *     Audio out = r.audio().get("resample");
 * }
 * }</pre>
 *
 * Errors are typed: {@link PipelineException} (the server's in-band ErrorResponse), {@link RpcException}
 * and its subclasses (a gRPC status with its details), {@link StreamInterruptedException}.
 */
public final class RemoteMediaClient implements AutoCloseable {
    static final String CLIENT_VERSION = "v1";

    private final String target;
    private final ManagedChannel channel;
    private final CallCredentials credentials;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration maxRetryDelay;

    private RemoteMediaClient(Builder b) throws IOException {
        this.target = b.target;
        ChannelCredentials creds;
        if (b.tls) {
            TlsChannelCredentials.Builder t = TlsChannelCredentials.newBuilder();
            if (b.caCert != null) {
                t.trustManager(b.caCert.toFile());
            }
            creds = t.build();
        } else {
            creds = InsecureChannelCredentials.create();
        }
        var cb = Grpc.newChannelBuilder(b.target, creds).maxInboundMessageSize(b.maxMessageBytes);
        if (b.authority != null) {
            cb.overrideAuthority(b.authority);
        }
        this.channel = cb.build();
        this.credentials = b.token == null || b.token.isEmpty() ? null : new Bearer(b.token);
        this.timeout = b.timeout;
        this.maxAttempts = b.maxAttempts;
        this.maxRetryDelay = b.maxRetryDelay;
    }

    /** A client of {@code target}: "host:port" (or any gRPC target such as "dns:///host:port"). */
    public static Builder builder(String target) {
        return new Builder(target);
    }

    /** The server's protocol and runtime versions and node types (GetVersion). */
    public VersionResponse version() {
        return retrying(() -> {
            try {
                return unary().getVersion(VersionRequest.newBuilder().setClientVersion(CLIENT_VERSION).build());
            } catch (RuntimeException e) {
                throw failure(e);
            }
        });
    }

    /**
     * Runs a pipeline once (ExecutePipeline). {@code manifestJson} is the manifest's JSON form
     * (docs/rpc-api.md); {@code audio} and {@code data} are keyed by source node id (data as JSON text).
     */
    public ExecuteResult execute(String manifestJson, Map<String, Audio> audio, Map<String, String> data) {
        ExecuteRequest.Builder req = ExecuteRequest.newBuilder().setManifestJson(manifestJson)
                .setClientVersion(CLIENT_VERSION).putAllDataInputs(data);
        audio.forEach((k, v) -> req.putAudioInputs(k, v.toProto()));
        ExecuteRequest r = req.build();
        ExecuteResponse resp = retrying(() -> {
            try {
                return unary().executePipeline(r);
            } catch (RuntimeException e) {
                throw failure(e);
            }
        });
        if (resp.hasError()) {
            throw new PipelineException(resp.getError());
        }
        return new ExecuteResult(resp.getResult());
    }

    /**
     * Opens a StreamPipeline session: init is sent and StreamReady awaited before this returns.
     * {@code onResult} receives every ChunkResult in order, on a gRPC thread (keep it short, or hand
     * the result on). See {@link PipelineStream}. With {@link Builder#retry}, a call refused with a
     * retryable status before StreamReady is opened again after the RetryInfo delay, all within the
     * client's timeout; no chunk has been sent by then. An admitted session is never retried.
     */
    public PipelineStream stream(String manifestJson, Map<String, String> data,
                                 Consumer<org.remotemedia.proto.v1.ChunkResult> onResult) {
        var stub = StreamingPipelineServiceGrpc.newStub(channel);
        if (credentials != null) {
            stub = stub.withCallCredentials(credentials);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int attempt = 1; ; attempt++) {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            PipelineStream s = PipelineStream.open(stub, target, manifestJson, data, onResult, left);
            RpcException refused = s.refusal();
            if (refused != null && attempt < maxAttempts && refused.isRetryable()) {
                Duration d = cappedDelay(refused);
                if (System.nanoTime() + d.toNanos() < deadline) { // else the wait would overrun the timeout
                    sleep(d);
                    continue;
                }
            }
            s.throwIfFailed();
            return s;
        }
    }

    private PipelineExecutionServiceGrpc.PipelineExecutionServiceBlockingStub unary() {
        var stub = PipelineExecutionServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return credentials == null ? stub : stub.withCallCredentials(credentials);
    }

    private RemoteMediaException failure(RuntimeException e) {
        return RpcException.isStatus(e) ? RpcException.of(e, target) : new RemoteMediaException(e.toString(), e);
    }

    /** Runs a call, again after RetryInfo's delay while it is retryable and attempts remain (opt-in). */
    private <T> T retrying(Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (RpcException e) {
                if (attempt >= maxAttempts || !e.isRetryable()) {
                    throw e;
                }
                sleep(cappedDelay(e));
            }
        }
    }

    private Duration cappedDelay(RpcException e) {
        Duration d = e.retryDelay().orElse(Duration.ZERO);
        return d.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : d;
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteMediaException("interrupted while waiting to retry", e);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code authorization: Bearer <token>} on every call. */
    private static final class Bearer extends CallCredentials {
        private static final Metadata.Key<String> AUTHORIZATION =
                Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
        private final String token;

        Bearer(String token) {
            this.token = token;
        }

        @Override
        public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
            Metadata m = new Metadata();
            m.put(AUTHORIZATION, "Bearer " + token);
            applier.apply(m);
        }
    }

    /** Settings of a client; {@link #build()} connects lazily (the first call dials). */
    public static final class Builder {
        private final String target;
        private String token;
        private boolean tls;
        private Path caCert;
        private String authority;
        private Duration timeout = Duration.ofSeconds(60);
        private int maxAttempts = 1;
        private Duration maxRetryDelay = Duration.ofSeconds(30);
        private int maxMessageBytes = 256 << 20;

        private Builder(String target) {
            this.target = Objects.requireNonNull(target, "target");
        }

        /** A bearer token (auth.tokens on the server); null or empty: none. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /** TLS, trusting the system's CAs. */
        public Builder tls() {
            this.tls = true;
            return this;
        }

        /** TLS, trusting the CA certificate(s) in this PEM file (a private CA, a self-signed server). */
        public Builder tls(Path caCertPem) {
            this.tls = true;
            this.caCert = caCertPem;
            return this;
        }

        /** The host name the server's certificate must name, when it differs from the target's. */
        public Builder authority(String authority) {
            this.authority = authority;
            return this;
        }

        /** Deadline of each unary call, and of a stream's wait for StreamReady, its retries included (default 60 s). */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /**
         * Opt-in retry of calls the server marks retryable (UNAVAILABLE or RESOURCE_EXHAUSTED with
         * RetryInfo): up to {@code maxAttempts} attempts in all, each after the delay RetryInfo asks for
         * (at most {@code maxDelay}). Unary calls, and a stream refused before StreamReady; an admitted
         * session is never retried. Default 1: no retry.
         */
        public Builder retry(int maxAttempts, Duration maxDelay) {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1, got " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            this.maxRetryDelay = maxDelay;
            return this;
        }

        /** The largest answer accepted (default 256 MiB). */
        public Builder maxMessageBytes(int bytes) {
            this.maxMessageBytes = bytes;
            return this;
        }

        public RemoteMediaClient build() {
            try {
                return new RemoteMediaClient(this);
            } catch (IOException e) {
                throw new RemoteMediaException("cannot read the CA certificate " + caCert + ": " + e.getMessage(), e);
            }
        }
    }
}
