package org.remotemedia.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        Limits limits,
        Metrics metrics,
        Models models) {

    /** Listening addresses. */
    public record Server(String host, int port, String metricsHost, int metricsPort, long drainNoticeMs,
            long drainGraceMs) {
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
            long maxConnectionAgeMs,
            long maxConnectionAgeGraceMs,
            String leakDetection,
            int spinBeforeSleepMicros,
            int maxContinuationFrames,
            long resetStreamGraceMs,
            int resetStreamMemory,
            long maxHeaderBlockMs,
            int controlFramesWindowSeconds,
            int maxSettingsFramesPerWindow,
            int maxPingFramesPerWindow,
            int maxWindowUpdateFramesPerWindow,
            int maxPendingControlFrames,
            int maxResetStreamsPerWindow,
            long stalledStreamTimeoutMs,
            long maxStreamUnreadBytes,
            long maxConnectionUnreadBytes,
            long maxUnreadBytes) {

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

    /**
     * Accepted tokens as {@code name:sha256hex} entries (inline, and one per line in the file);
     * both empty means authentication is off.
     */
    public record Auth(List<String> tokens, Path tokensFile) {
        public boolean enabled() {
            return !tokens.isEmpty() || tokensFile != null;
        }
    }

    /** JSON lines on stdout: events at {@code level} and above, and one access line per call. */
    public record Logging(String level, boolean access, int accessQueueLines) {
    }

    /**
     * Limits beyond the two caps ({@code execution.max_concurrent_executions},
     * {@code streaming.max_sessions}): wait queues, pressure shedding, per-identity rates,
     * authentication-failure throttling. {@code shedPoolBytes} -1 = auto (3/4 of direct memory),
     * {@code shedNetworkBytes} -1 = auto (1/4 of direct memory).
     */
    public record Limits(
            int maxQueuedExecutions,
            int maxQueuedSessions,
            long maxQueueWaitMs,
            long shedDspQueueDelayMs,
            long shedPoolBytes,
            long shedNetworkBytes,
            double rateCallsPerSecond,
            double rateCallsBurst,
            double rateAudioSecondsPerSecond,
            double rateAudioSecondsBurst,
            int authFailureLimit,
            long authFailureWindowMs,
            long authFailureBackoffMs) {
    }

    /**
     * The metrics port's latency summaries; {@code perCallLatency} false stops recording each call's
     * latency (histograms, summaries, {@code /latency} stay registered but empty).
     */
    public record Metrics(int latencyWindowSeconds, boolean perCallLatency) {
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
        return new ServerConfig(server, transport, e, streaming, auth, logging, limits, metrics, models);
    }

    /** The same settings with another auth section ({@code new Auth(List.of(), null)}: off). */
    public ServerConfig with(Auth a) {
        return new ServerConfig(server, transport, execution, streaming, a, logging, limits, metrics, models);
    }

    /** The same settings with another logging section. */
    public ServerConfig with(Logging l) {
        return new ServerConfig(server, transport, execution, streaming, auth, l, limits, metrics, models);
    }

    /** Settings whose value is a secret: {@link #toYaml} prints how many, never what. */
    public static final Set<String> SECRETS = Set.of("auth.tokens");

    /** The defaults: gRPC on 0.0.0.0:50051, metrics on 9090. */
    public static ServerConfig defaults() {
        return from(Map.of());
    }

    /** Reads and validates every section from a flat key map; throws with every problem at once. */
    public static ServerConfig from(Map<String, String> flat) {
        return from(flat, Map.of());
    }

    /** As {@link #from(Map)}; {@code origins} say where each value came from, for the messages. */
    public static ServerConfig from(Map<String, String> flat, Map<String, String> origins) {
        ConfigReader r = new ConfigReader(flat, origins);
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

    /** The sections ({@code server}, {@code transport}, ...). */
    public static Set<String> sections() {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (String k : keys()) {
            out.add(k.substring(0, k.indexOf('.')));
        }
        return out;
    }

    /** Every setting's value in force for valid {@code flat} settings (defaults included), by key, in section order. */
    public static Map<String, String> effective(Map<String, String> flat) {
        ConfigReader r = new ConfigReader(flat);
        read(r);
        return r.effective();
    }

    /**
     * The configuration in force for valid {@code flat} settings, as YAML (every setting, by
     * section, defaults included), secrets redacted: what {@code serve --print-config} prints.
     */
    public static String toYaml(Map<String, String> flat) {
        ConfigReader r = new ConfigReader(flat);
        read(r);
        StringBuilder sb = new StringBuilder();
        String section = null;
        for (Map.Entry<String, String> e : r.effective().entrySet()) {
            String key = e.getKey();
            int dot = key.indexOf('.');
            if (!key.substring(0, dot).equals(section)) {
                section = key.substring(0, dot);
                sb.append(sb.isEmpty() ? "" : "\n").append(section).append(":\n");
            }
            String v = e.getValue();
            if (SECRETS.contains(key) && !v.isEmpty()) {
                v = "<redacted: " + v.split(",").length + " entries>";
            }
            sb.append("  ").append(key.substring(dot + 1)).append(": ").append(yamlScalar(v)).append('\n');
        }
        return sb.toString();
    }

    /** A listen address must be an IP literal or a name this machine resolves. */
    private static void address(ConfigReader r, String key, String host) {
        boolean literal = host.matches("[0-9.]+") || host.contains(":");
        try {
            if (host.isEmpty() || (literal && !host.matches("(\\d{1,3}\\.){3}\\d{1,3}") && !host.contains(":"))) {
                throw new java.net.UnknownHostException(host);
            }
            java.net.InetAddress.getByName(host);
        } catch (java.io.IOException | RuntimeException e) {
            r.problem(key, key + " = '" + host + "': not an address of this machine; allowed an IP address (0.0.0.0 ="
                    + " every interface, 127.0.0.1 = this machine only, :: for IPv6) or a host name that resolves");
        }
    }

    /** A size setting that also takes {@code auto} (-1: resolved by its user) and 0 (off). */
    private static long autoSize(ConfigReader r, String key) {
        String v = r.string(key, "auto");
        if (v.equalsIgnoreCase("auto")) {
            return -1;
        }
        try {
            long n = ConfigReader.parseSize(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (RuntimeException e) {
            r.problem(key, key + " = '" + v + "': not a size; allowed auto, 0 (off) or a size in bytes (k, m, g suffixes)");
            return -1;
        }
    }

    private static String yamlScalar(String v) {
        if (v.isEmpty()) {
            return "\"\"";
        }
        boolean plain = v.chars().allMatch(c -> Character.isLetterOrDigit(c) || "._/-+".indexOf(c) >= 0)
                && !v.startsWith("-");
        return plain ? v : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static ServerConfig read(ConfigReader r) {
        int cores = Runtime.getRuntime().availableProcessors();

        Server server = new Server(
                r.string("server.host", "0.0.0.0"),
                r.intIn("server.port", 50051, 0, 65535),
                r.string("server.metrics_host", "0.0.0.0"),
                r.intIn("server.metrics_port", 9090, 0, 65535),
                r.longIn("server.drain_notice_ms", 0, 0, 600_000),
                r.longIn("server.drain_grace_ms", 30_000, 0, 3_600_000));

        address(r, "server.host", server.host());
        address(r, "server.metrics_host", server.metricsHost());

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
                r.longIn("transport.max_connection_age_ms", 0, 0, Long.MAX_VALUE / 2),
                r.longIn("transport.max_connection_age_grace_ms", 0, 0, Long.MAX_VALUE / 2),
                r.oneOf("transport.leak_detection", "disabled", "disabled", "simple", "advanced", "paranoid"),
                r.intIn("transport.spin_before_sleep_us", 50, 0, 10_000),
                r.intIn("transport.max_continuation_frames", 16, 0, 1_000_000),
                r.longIn("transport.reset_stream_grace_ms", 10_000, 0, 3_600_000),
                r.intIn("transport.reset_stream_memory", 1024, 1, 1_000_000),
                r.longIn("transport.max_header_block_ms", 5_000, 1, 3_600_000),
                r.intIn("transport.control_frames_window_seconds", 10, 1, 3600),
                r.intIn("transport.max_settings_frames_per_window", 100, 0, 1_000_000_000),
                r.intIn("transport.max_ping_frames_per_window", 10_000, 0, 1_000_000_000),
                r.intIn("transport.max_window_update_frames_per_window", 100_000, 0, 1_000_000_000),
                r.intIn("transport.max_pending_control_frames", 1_000, 1, 1_000_000),
                r.intIn("transport.max_reset_streams_per_window", 200, 0, 1_000_000),
                r.longIn("transport.stalled_stream_timeout_ms", 60_000, 1, 3_600_000),
                r.longIn("transport.max_stream_unread_bytes", 16L << 20, 64 * 1024, Long.MAX_VALUE / 4),
                r.longIn("transport.max_connection_unread_bytes", 64L << 20, 64 * 1024, Long.MAX_VALUE / 4),
                r.longIn("transport.max_unread_bytes", 512L << 20, 64 * 1024, Long.MAX_VALUE / 4));

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
                r.intIn("streaming.max_sessions", 10_000, 1, 10_000_000));

        String tokensFile = r.string("auth.tokens_file", "");
        Auth auth = new Auth(r.list("auth.tokens"), tokensFile.isEmpty() ? null : Path.of(tokensFile));

        Logging logging = new Logging(r.oneOf("logging.level", "info", "debug", "info", "warn", "error"),
                r.bool("logging.access", true),
                r.intIn("logging.access_queue_lines", 65_536, 16, 16 * 1024 * 1024));

        long shedPoolBytes = autoSize(r, "limits.shed_pool_bytes");
        long shedNetworkBytes = autoSize(r, "limits.shed_network_bytes");
        Limits limits = new Limits(
                r.intIn("limits.max_queued_executions", 256, 0, 1_000_000),
                r.intIn("limits.max_queued_sessions", 1000, 0, 1_000_000),
                r.longIn("limits.max_queue_wait_ms", 2000, 1, 3_600_000),
                r.longIn("limits.shed_dsp_queue_delay_ms", 250, 0, 3_600_000),
                shedPoolBytes,
                shedNetworkBytes,
                r.doubleIn("limits.rate_calls_per_second", 0, 0, 1e9),
                r.doubleIn("limits.rate_calls_burst", 0, 0, 1e9),
                r.doubleIn("limits.rate_audio_seconds_per_second", 0, 0, 1e9),
                r.doubleIn("limits.rate_audio_seconds_burst", 0, 0, 1e9),
                r.intIn("limits.auth_failure_limit", 10, 0, 1_000_000),
                r.longIn("limits.auth_failure_window_ms", 60_000, 1, 86_400_000),
                r.longIn("limits.auth_failure_backoff_ms", 60_000, 1, 86_400_000));

        Metrics metrics = new Metrics(r.intIn("metrics.latency_window_seconds", 60, 10, 3600),
                r.bool("metrics.per_call_latency", true));

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

        return new ServerConfig(server, transport, execution, streaming, auth, logging, limits, metrics, models);
    }
}
