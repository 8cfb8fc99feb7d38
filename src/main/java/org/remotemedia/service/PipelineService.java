package org.remotemedia.service;

import org.remotemedia.rpc.MethodKind;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.Workload;

/**
 * The unary side of {@code remotemedia.v1.PipelineExecutionService}: registers
 * ExecutePipeline, GetVersion and GetMetrics on a method registry. The daemon builds the
 * {@link ServiceContext} and calls {@link #register}; StreamPipeline registers separately with
 * the same context.
 *
 * <p>Immutable; its handlers are shared by every event loop.
 */
public final class PipelineService {
    public static final String SERVICE = "remotemedia.v1.PipelineExecutionService";

    private final ExecuteHandler execute;
    private final VersionHandler version;
    private final MetricsHandler metrics;

    public PipelineService(ServiceContext ctx) {
        this.execute = new ExecuteHandler(ctx);
        this.version = new VersionHandler(ctx);
        this.metrics = new MetricsHandler(ctx);
    }

    public MethodRegistry.Builder register(MethodRegistry.Builder b) {
        return b.add(ExecuteHandler.PATH, MethodKind.UNARY, Workload.EXECUTION, execute)
                .unary(VersionHandler.PATH, version)
                .unary(MetricsHandler.PATH, metrics);
    }

    public MetricsHandler metricsHandler() {
        return metrics;
    }
}
