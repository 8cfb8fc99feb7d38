package org.remotemedia.service;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.json.Json;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.Manifest;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.PipelineError;
import org.remotemedia.pipeline.PipelineException;
import org.remotemedia.pipeline.ResourceLimits;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.CapabilityRequirements;
import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ErrorType;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineManifest;

/**
 * Conversions between the remotemedia.v1 messages and the engine's model, shared by
 * ExecutePipeline and StreamPipeline:
 * <ul>
 *   <li>{@link #manifest}: PipelineManifest to {@link Manifest}, params kept as the JSON text the
 *       wire carries, so validation reports the same paths and messages as the JSON form;</li>
 *   <li>{@link #audioInput}: AudioBuffer to a zero-copy {@link AudioInput} view of its
 *       {@code samples} (aliased to the network buffer when parsed with {@link ProtoCodec});</li>
 *   <li>{@link #audioBuffer}: an engine {@link AudioOutput} to an AudioBuffer whose samples are a
 *       view of the off-heap output (copied once, when the response is serialized);</li>
 *   <li>{@link #error}: a {@link PipelineError} to the contract's ErrorResponse.</li>
 * </ul>
 *
 * <p>Stateless; safe from any thread.
 */
public final class ProtoConvert {
    private ProtoConvert() {
    }

    /**
     * The protobuf manifest as the engine's model. proto3 cannot tell an empty string from an
     * absent one, so empty version / name / ids / types are passed as absent: validation then
     * says "missing" exactly as it does for the JSON form.
     */
    public static Manifest manifest(PipelineManifest pm) {
        Manifest.Metadata meta = pm.hasMetadata()
                ? new Manifest.Metadata(emptyToNull(pm.getMetadata().getName()), pm.getMetadata().getDescription(),
                        pm.getMetadata().getCreatedAt())
                : null;
        List<Manifest.Node> nodes = new ArrayList<>(pm.getNodesCount());
        for (NodeManifest n : pm.getNodesList()) {
            Manifest.Capabilities caps = Manifest.Capabilities.NONE;
            if (n.hasCapabilities()) {
                CapabilityRequirements c = n.getCapabilities();
                caps = new Manifest.Capabilities(c.getGpu().getType(), c.getGpu().getMinMemoryGb(),
                        c.getGpu().getRequired(), c.getCpu().getCores(), c.getCpu().getArch(), c.getMemoryGb());
            }
            nodes.add(new Manifest.Node(emptyToNull(n.getId()), emptyToNull(n.getNodeType()),
                    n.getParams(), null, n.getIsStreaming(), caps, n.getHost(),
                    n.getRuntimeHintValue() == 0 ? "" : n.getRuntimeHint().name()));
        }
        List<Manifest.Connection> conns = new ArrayList<>(pm.getConnectionsCount());
        for (org.remotemedia.proto.v1.Connection c : pm.getConnectionsList()) {
            conns.add(new Manifest.Connection(emptyToNull(c.getFrom()), emptyToNull(c.getTo())));
        }
        return new Manifest(emptyToNull(pm.getVersion()), meta, nodes, conns);
    }

    /**
     * Validates and compiles the manifest of a request (ExecuteRequest or StreamInit): exactly one
     * of {@code manifest} (null when absent) and {@code manifestJson} (empty when absent) must be set.
     */
    public static CompiledPlan compile(PipelineEngine engine, PipelineManifest manifest, String manifestJson)
            throws PipelineException {
        boolean proto = manifest != null;
        boolean json = manifestJson != null && !manifestJson.isEmpty();
        if (proto && json) {
            throw PipelineError.validation("/manifest_json", "both manifest and manifest_json are set: send exactly"
                    + " one (manifest_json is the JSON form of the same PipelineManifest)").toException();
        }
        if (!proto && !json) {
            throw PipelineError.validation("/manifest", "no manifest: set manifest (PipelineManifest) or"
                    + " manifest_json (the manifest as JSON text)").toException();
        }
        return json ? engine.compileJson(manifestJson) : engine.compile(manifest(manifest));
    }

    /** The request's ResourceLimits (uint64 values past 2^63 mean "as much as the server allows"). */
    public static ResourceLimits limits(org.remotemedia.proto.v1.ResourceLimits r) {
        if (r == null) {
            return ResourceLimits.DEFAULTS;
        }
        return limits(r.getMaxMemoryBytes(), r.getMaxTimeoutMs(), r.getMaxAudioSamples());
    }

    /** A given ResourceLimits's three fields, as protobuf reads them (signed longs). */
    public static ResourceLimits limits(long maxMemoryBytes, long maxTimeoutMs, long maxAudioSamples) {
        return new ResourceLimits(unsigned(maxMemoryBytes), unsigned(maxTimeoutMs), unsigned(maxAudioSamples));
    }

    private static long unsigned(long v) {
        return v < 0 ? Long.MAX_VALUE : v;
    }

    /**
     * A view of the buffer's samples: no copy when {@code samples} is a direct (aliased) view.
     * The engine validates the fields (format, rate, channels, length, finite values).
     */
    public static AudioInput audioInput(AudioBuffer b) {
        ByteString samples = b.getSamples();
        return AudioInput.of(samples.asReadOnlyByteBuffer(), b.getNumSamples(), b.getChannels(),
                b.getSampleRate() & 0xFFFF_FFFFL, format(b.getFormatValue()));
    }

    /** AUDIO_FORMAT_* to the engine's format; null for UNSPECIFIED or an unknown value. */
    public static SampleFormat format(int protoValue) {
        return switch (protoValue) {
            case AudioFormat.AUDIO_FORMAT_F32_VALUE -> SampleFormat.F32;
            case AudioFormat.AUDIO_FORMAT_I16_VALUE -> SampleFormat.I16;
            case AudioFormat.AUDIO_FORMAT_I32_VALUE -> SampleFormat.I32;
            default -> null;
        };
    }

    public static AudioFormat format(SampleFormat f) {
        return switch (f) {
            case F32 -> AudioFormat.AUDIO_FORMAT_F32;
            case I16 -> AudioFormat.AUDIO_FORMAT_I16;
            case I32 -> AudioFormat.AUDIO_FORMAT_I32;
        };
    }

    /**
     * An AudioBuffer whose samples are a view of the output's off-heap bytes. The output must
     * stay unreleased until the message holding this buffer has been serialized.
     */
    public static AudioBuffer audioBuffer(AudioOutput out) {
        return AudioBuffer.newBuilder()
                .setSamples(ProtoCodec.wrap(out.byteBuffer()))
                .setSampleRate(out.sampleRate())
                .setChannels(out.channels())
                .setFormat(format(out.format()))
                .setNumSamples(out.numSamples())
                .build();
    }

    /** The contract's ErrorType for an engine error type (CANCELLED / DEADLINE_EXCEEDED are gRPC statuses, not in-band). */
    public static ErrorType errorType(org.remotemedia.pipeline.ErrorType t) {
        return switch (t) {
            case VALIDATION -> ErrorType.ERROR_TYPE_VALIDATION;
            case NODE_EXECUTION -> ErrorType.ERROR_TYPE_NODE_EXECUTION;
            case RESOURCE_LIMIT -> ErrorType.ERROR_TYPE_RESOURCE_LIMIT;
            case INTERNAL, CANCELLED, DEADLINE_EXCEEDED -> ErrorType.ERROR_TYPE_INTERNAL;
        };
    }

    /**
     * The in-band ErrorResponse for an engine error: type, message, failing node, JSON context;
     * the cause's stack trace only when {@code debugErrors} is on.
     */
    public static ErrorResponse error(PipelineError e, boolean debugErrors) {
        ErrorResponse.Builder b = ErrorResponse.newBuilder()
                .setErrorType(errorType(e.type()))
                .setMessage(nullToEmpty(e.message()))
                .setFailingNodeId(nullToEmpty(e.failingNodeId()))
                .setContext(e.contextJson() == null || e.contextJson().isEmpty() ? "{}" : e.contextJson());
        if (debugErrors && e.cause() != null) {
            b.setStackTrace(JsonLog.stackTrace(e.cause()));
        }
        return b.build();
    }

    /** ERROR_TYPE_VERSION_MISMATCH for an unsupported client_version. */
    public static ErrorResponse versionMismatch(Compatibility.Verdict v) {
        StringBuilder ctx = new StringBuilder("{\"client_version\":");
        Json.string(ctx, v.clientVersion());
        ctx.append(",\"supported_versions\":[");
        List<String> supported = Compatibility.supportedVersions();
        for (int i = 0; i < supported.size(); i++) {
            if (i > 0) {
                ctx.append(',');
            }
            Json.string(ctx, supported.get(i));
        }
        ctx.append("],\"rule\":");
        Json.string(ctx, v.rule());
        ctx.append('}');
        return ErrorResponse.newBuilder()
                .setErrorType(ErrorType.ERROR_TYPE_VERSION_MISMATCH)
                .setMessage(v.message())
                .setContext(ctx.toString())
                .build();
    }

    /**
     * ERROR_TYPE_INTERNAL for a bug: a stable message naming the request id (the log line with
     * the stack trace carries the same id); the trace itself only with debug errors on.
     */
    public static ErrorResponse internal(Throwable t, String requestId, boolean debugErrors) {
        StringBuilder ctx = new StringBuilder("{\"request_id\":");
        Json.string(ctx, requestId);
        ctx.append(",\"exception\":");
        Json.string(ctx, t.getClass().getName());
        ctx.append('}');
        ErrorResponse.Builder b = ErrorResponse.newBuilder()
                .setErrorType(ErrorType.ERROR_TYPE_INTERNAL)
                .setMessage("internal error in the server (request id " + requestId + "): this is a bug, not a"
                        + " problem with the request; the server log has the details under this request id")
                .setContext(ctx.toString());
        if (debugErrors) {
            b.setStackTrace(JsonLog.stackTrace(t));
        }
        return b.build();
    }

    /** data_inputs as a plain map (the generated map is already unmodifiable). */
    public static Map<String, String> data(Map<String, String> m) {
        return m.isEmpty() ? Map.of() : m;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
