package org.remotemedia.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Every setting of the daemon, validated once by {@link #from(Map)} (the {@code conclude()}
 * step): the parts take the section they need in their constructors and never re-check it.
 * Keys are dotted ({@code transport.max_inbound_message_bytes}); docs/configuration.md
 * lists them all. Immutable; safe to share between threads.
 */
public record ServerConfig(
        Server server,
        Transport transport,
        Execution execution,
        Streaming streaming,
        Auth auth,
        Logging logging,
        Models models) {

    /** Listening addresses. */
    public record Server(String host, int port, String metricsHost, int metricsPort, long drainGraceMs) {
    }

    /** HTTP/2 and gRPC wire limits. Sizes in bytes, times in milliseconds. */
    public record Transport(
            int eventLoopThreads,
            boolean preferEpoll,
            Path tlsCertChain,
            Path tlsPrivateKey,
            int maxInboundMessageBytes,
            int maxConcurrentStreams,
            int maxHeaderListBytes,
            int initialWindowBytes,
            long keepaliveTimeMs,
            long keepaliveTimeoutMs,
            long permitKeepaliveTimeMs,
            boolean permitKeepaliveWithoutCalls,
            int maxPingStrikes,
            int maxRstFramesPerWindow,
            int rstFramesWindowSeconds,
            long maxConnectionIdleMs,
            String leakDetection,
            int spinBeforeSleepMicros) {

        public boolean tlsEnabled() {
            return tlsCertChain != null;
        }
    }

    /** Where DSP runs and how big a request may be. */
    public record Execution(
            String dspMode,
            int workerThreads,
            boolean pinWorkers,
            String idleStrategy,
            long maxAudioSamples,
            long maxMemoryBytes,
            long maxTimeoutMs,
            int maxConcurrentExecutions,
            boolean debugErrors,
            long warmupMs) {

        public boolean inline() {
            return "inline".equals(dspMode);
        }

        /** The same settings with another {@code dsp_mode}. */
        public Execution withDspMode(String mode) {
            return new Execution(mode, workerThreads, pinWorkers, idleStrategy, maxAudioSamples, maxMemoryBytes,
                    maxTimeoutMs, maxConcurrentExecutions, debugErrors, warmupMs);
        }
    }

    /** StreamPipeline sessions. */
    public record Streaming(
            long idleTimeoutMs,
            int metricsEveryChunks,
            int inputQueueChunks,
            boolean strictSequence,
            int recommendedChunkFrames,
            long maxBufferLatencyMs,
            int maxSessions) {
    }

    /** Bearer tokens; empty means authentication is off. */
    public record Auth(List<String> tokens, Path tokensFile) {
        public boolean enabled() {
            return !tokens.isEmpty() || tokensFile != null;
        }
    }

    /** JSON lines on stdout. */
    public record Logging(String level) {
    }

    /**
     * Model files that model-backed nodes run, read once at start-up (never downloaded at run time;
     * scripts/fetch-models puts them in models/). A relative path is taken from the installation
     * directory (system property {@code remotemedia.home}, which the scripts set), else from the
     * working directory. An empty sha256 accepts any file.
     */
    public record Models(Path sileroVadPath, String sileroVadSha256) {
    }

    /** The sha256 of models/silero_vad.onnx as models/silero_vad.properties records it. */
    public static final String SILERO_VAD_SHA256 = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3";

    /** The same settings with another execution section. */
    public ServerConfig with(Execution e) {
        return new ServerConfig(server, transport, e, streaming, auth, logging, models);
    }

    /** The same settings with another auth section ({@code new Auth(List.of(), null)}: off). */
    public ServerConfig with(Auth a) {
        return new ServerConfig(server, transport, execution, streaming, a, logging, models);
    }

    /** The defaults: gRPC on 0.0.0.0:50051, metrics on 9090. */
    public static ServerConfig defaults() {
        return from(Map.of());
    }

    /** Reads and validates every section from a flat key map; throws with every problem at once. */
    public static ServerConfig from(Map<String, String> flat) {
        ConfigReader r = new ConfigReader(flat);
        ServerConfig config = read(r);
        r.finish();
        return config;
    }

    /** Every key the daemon understands (docs/configuration.md must list each). */
    public static java.util.Set<String> keys() {
        ConfigReader r = new ConfigReader(Map.of());
        read(r);
        return r.knownKeys();
    }

    private static ServerConfig read(ConfigReader r) {
        int cores = Runtime.getRuntime().availableProcessors();

        Server server = new Server(
                r.string("server.host", "0.0.0.0"),
                r.intIn("server.port", 50051, 0, 65535),
                r.string("server.metrics_host", "0.0.0.0"),
                r.intIn("server.metrics_port", 9090, 0, 65535),
                r.longIn("server.drain_grace_ms", 30_000, 0, 3_600_000));

        String cert = r.string("transport.tls_cert_chain", "");
        String key = r.string("transport.tls_private_key", "");
        if (cert.isEmpty() != key.isEmpty()) {
            r.problem("transport.tls_cert_chain / transport.tls_private_key: set both for TLS, or neither for h2c");
        }
        Transport transport = new Transport(
                r.intIn("transport.event_loop_threads", 0, 0, 1024),
                r.bool("transport.prefer_epoll", true),
                cert.isEmpty() ? null : Path.of(cert),
                key.isEmpty() ? null : Path.of(key),
                r.intIn("transport.max_inbound_message_bytes", 64 * 1024 * 1024, 1024, Integer.MAX_VALUE - 8),
                r.intIn("transport.max_concurrent_streams", 1000, 1, Integer.MAX_VALUE),
                r.intIn("transport.max_header_list_bytes", 16 * 1024, 1024, 16 * 1024 * 1024),
                r.intIn("transport.initial_window_bytes", 1024 * 1024, 65_535, Integer.MAX_VALUE),
                r.longIn("transport.keepalive_time_ms", 2 * 3_600_000L, 1_000, Long.MAX_VALUE / 2),
                r.longIn("transport.keepalive_timeout_ms", 20_000, 100, Long.MAX_VALUE / 2),
                r.longIn("transport.permit_keepalive_time_ms", 5 * 60_000, 0, Long.MAX_VALUE / 2),
                r.bool("transport.permit_keepalive_without_calls", false),
                r.intIn("transport.max_ping_strikes", 2, 0, 1000),
                r.intIn("transport.max_rst_frames_per_window", 200, 0, 1_000_000),
                r.intIn("transport.rst_frames_window_seconds", 30, 1, 3600),
                r.longIn("transport.max_connection_idle_ms", 0, 0, Long.MAX_VALUE / 2),
                r.oneOf("transport.leak_detection", "disabled", "disabled", "simple", "advanced", "paranoid"),
                r.intIn("transport.spin_before_sleep_us", 50, 0, 10_000));

        Execution execution = new Execution(
                r.oneOf("execution.dsp_mode", "auto", "inline", "workers", "auto"),
                r.intIn("execution.worker_threads", cores, 1, 1024),
                r.bool("execution.pin_workers", false),
                r.oneOf("execution.idle_strategy", "backoff", "backoff", "yield", "busy", "sleep"),
                r.longIn("execution.max_audio_samples", 768_000L * 64 * 60, 1, Long.MAX_VALUE / 2),
                r.longIn("execution.max_memory_bytes", 2L * 1024 * 1024 * 1024, 1024 * 1024, Long.MAX_VALUE / 2),
                r.longIn("execution.max_timeout_ms", 300_000, 1, Long.MAX_VALUE / 2),
                r.intIn("execution.max_concurrent_executions", 256, 1, 1_000_000),
                r.bool("execution.debug_errors", false),
                r.longIn("execution.warmup_ms", 2000, 0, 600_000));

        Streaming streaming = new Streaming(
                r.longIn("streaming.idle_timeout_ms", 300_000, 100, Long.MAX_VALUE / 2),
                r.intIn("streaming.metrics_every_chunks", 10, 1, 1_000_000),
                r.intIn("streaming.input_queue_chunks", 16, 1, 65_536),
                r.bool("streaming.strict_sequence", false),
                r.intIn("streaming.recommended_chunk_frames", 1600, 1, 1 << 24),
                r.longIn("streaming.max_buffer_latency_ms", 100, 1, 3_600_000),
                r.intIn("streaming.max_sessions", 1024, 1, 1_000_000));

        String tokensFile = r.string("auth.tokens_file", "");
        Auth auth = new Auth(r.list("auth.tokens"), tokensFile.isEmpty() ? null : Path.of(tokensFile));

        Logging logging = new Logging(r.oneOf("logging.level", "info", "debug", "info", "warn", "error"));

        String silero = r.string("models.silero_vad_path", "models/silero_vad.onnx");
        String sileroSha = r.string("models.silero_vad_sha256", SILERO_VAD_SHA256).toLowerCase(java.util.Locale.ROOT);
        if (silero.isEmpty()) {
            r.problem("models.silero_vad_path: empty; give the path of silero_vad.onnx (default models/silero_vad.onnx)");
        }
        if (!sileroSha.isEmpty() && !sileroSha.matches("[0-9a-f]{64}")) {
            r.problem("models.silero_vad_sha256: '" + sileroSha + "' is not a sha256 (64 hex digits); empty accepts any"
                    + " file");
        }
        Models models = new Models(Path.of(silero.isEmpty() ? "models/silero_vad.onnx" : silero), sileroSha);

        return new ServerConfig(server, transport, execution, streaming, auth, logging, models);
    }
}
