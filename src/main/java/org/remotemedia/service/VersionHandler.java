package org.remotemedia.service;

import com.google.protobuf.InvalidProtocolBufferException;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Status;
import org.remotemedia.proto.v1.VersionInfo;
import org.remotemedia.proto.v1.VersionRequest;
import org.remotemedia.proto.v1.VersionResponse;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.UnaryHandler;

/**
 * {@code PipelineExecutionService/GetVersion}: protocol "v1", runtime version and build time
 * from the build, the registry's node types, supported protocols, and the negotiation verdict
 * for the client's version. Answered on the event loop (no DSP).
 *
 * <p>Immutable and shared; the VersionInfo is built once.
 */
public final class VersionHandler implements UnaryHandler {
    public static final String PATH = "/remotemedia.v1.PipelineExecutionService/GetVersion";

    private final ServiceMetrics metrics;
    private final VersionInfo info;

    public VersionHandler(ServiceContext ctx) {
        this.metrics = ctx.metrics();
        this.info = versionInfo(ctx);
    }

    static VersionInfo versionInfo(ServiceContext ctx) {
        return VersionInfo.newBuilder()
                .setProtocolVersion(Compatibility.PROTOCOL_VERSION)
                .setRuntimeVersion(ctx.runtimeVersion())
                .setBuildTimestamp(ctx.buildTimestamp())
                .addAllSupportedNodeTypes(ctx.nodeTypes())
                .addAllSupportedProtocols(ctx.supportedProtocols())
                .build();
    }

    @Override
    public void onRequest(ServerCall call, InboundMessage request) {
        long t0 = System.nanoTime();
        VersionRequest req;
        try {
            req = ProtoCodec.parse(request, VersionRequest.parser());
        } catch (InvalidProtocolBufferException e) {
            StatusDetails.undecodable("remotemedia.v1.VersionRequest", e.getMessage()).close(call);
            return;
        }
        Compatibility.Verdict v = Compatibility.negotiate(req.getClientVersion());
        call.sendMessage(VersionResponse.newBuilder()
                .setVersionInfo(info)
                .setCompatible(v.compatible())
                .setCompatibilityMessage(v.message())
                .build(), ProtoCodec.ENCODER);
        call.close(Status.OK);
        metrics.getVersion.recordNanos(System.nanoTime() - t0);
    }
}
