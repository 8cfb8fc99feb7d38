package org.remotemedia.service;

import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.exec.DspExecutor;
import org.remotemedia.pipeline.exec.InlineDsp;
import org.remotemedia.rpc.WorkGate;

/**
 * What the remotemedia.v1 handlers need, given by the daemon (the service constructs nothing
 * global itself): the engine, where DSP runs, metrics, the log, admission, build information
 * and settings; and one {@link PlanCache} over the engine, for unary calls and stream sessions
 * alike. Build with {@link #builder()}; {@link Builder#conclude()} checks it once.
 * Immutable; shared by every handler and thread.
 */
public record ServiceContext(
        PipelineEngine engine,
        DspExecutor dsp,
        ServiceMetrics metrics,
        JsonLog log,
        WorkGate gate,
        boolean debugErrors,
        String runtimeVersion,
        String buildTimestamp,
        List<String> supportedProtocols,
        List<String> nodeTypes,
        LongSupplier activeStreams,
        PlanCache plans) {

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A call that sent no client_version, accepted as v1 (docs/compatibility.md): counted; the
     * server's first is logged at info, every later one at debug. Any thread.
     */
    public void emptyClientVersion(String requestId, String method) {
        if (metrics.emptyClientVersion()) {
            log.info("empty_client_version", requestId, "method", method, "accepted_as", Compatibility.PROTOCOL_VERSION,
                    "note", "first occurrence; later ones are counted in remotemedia_service_empty_client_version_total"
                            + " and logged at debug");
        } else if (log.enabled(JsonLog.Level.DEBUG)) {
            log.debug("empty_client_version", requestId, "method", method);
        }
    }

    /** Collects the parts; not thread-safe. */
    public static final class Builder {
        private PipelineEngine engine;
        private DspExecutor dsp = InlineDsp.INSTANCE;
        private ServiceMetrics metrics;
        private JsonLog log;
        private WorkGate gate = WorkGate.OPEN;
        private boolean debugErrors;
        private String runtimeVersion = "unknown";
        private String buildTimestamp = "unknown";
        private List<String> supportedProtocols = List.of(Compatibility.PROTOCOL_VERSION);
        private LongSupplier activeStreams = () -> 0;
        private List<String> nodeTypes = List.of();

        public Builder engine(PipelineEngine v) {
            engine = v;
            return this;
        }

        public Builder dsp(DspExecutor v) {
            dsp = v;
            return this;
        }

        public Builder metrics(ServiceMetrics v) {
            metrics = v;
            return this;
        }

        public Builder log(JsonLog v) {
            log = v;
            return this;
        }

        public Builder gate(WorkGate v) {
            gate = v;
            return this;
        }

        public Builder debugErrors(boolean v) {
            debugErrors = v;
            return this;
        }

        /** Version and build time from the build (daemon.BuildInfo), never written by hand (GetVersion). */
        public Builder buildInfo(String runtimeVersion, String buildTimestamp) {
            this.runtimeVersion = runtimeVersion;
            this.buildTimestamp = buildTimestamp;
            return this;
        }

        public Builder supportedProtocols(List<String> v) {
            supportedProtocols = List.copyOf(v);
            return this;
        }

        /** The engine registry's node type names (GetVersion; the service does not see dsp). */
        public Builder nodeTypes(List<String> v) {
            nodeTypes = List.copyOf(v);
            return this;
        }

        /** Open StreamPipeline sessions (the streaming service wires its gauge here). */
        public Builder activeStreams(LongSupplier v) {
            activeStreams = v;
            return this;
        }

        public ServiceContext conclude() {
            Objects.requireNonNull(engine, "engine");
            Objects.requireNonNull(metrics, "metrics");
            Objects.requireNonNull(log, "log");
            return new ServiceContext(engine, Objects.requireNonNull(dsp, "dsp"), metrics, log,
                    Objects.requireNonNull(gate, "gate"), debugErrors, runtimeVersion, buildTimestamp,
                    supportedProtocols, nodeTypes, activeStreams, new PlanCache(engine));
        }
    }
}
