package org.remotemedia.perf;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.ExecutionControl;
import org.remotemedia.pipeline.ExecutionResult;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.PipelineException;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.ExecutionStatus;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.service.ProtoConvert;

/**
 * The baseline of the service benchmark: stock grpc-java (Netty, epoll, direct executor, default
 * protobuf marshaller) serving ExecutePipeline on the same engine, the way a straightforward
 * grpc-java service would: parse with the stock marshaller (samples copied onto the heap), run,
 * build the response with the same conversions, let grpc-java serialize it. Prints
 * {@code listening <port>} on stdout once bound; runs until killed.
 *
 * <p>{@code java ... org.remotemedia.perf.StockGrpcServer [port [keepalive_ms]]} (0 = any free port on
 * 127.0.0.1; keepalive_ms: the server's keepalive PING interval, as transport.keepalive_time_ms in ours).
 */
public final class StockGrpcServer extends PipelineExecutionServiceGrpc.PipelineExecutionServiceImplBase {
    private final PipelineEngine engine = PipelineEngine.standard();

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        EpollEventLoopGroup boss = new EpollEventLoopGroup(1);
        EpollEventLoopGroup workers = new EpollEventLoopGroup(Runtime.getRuntime().availableProcessors());
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port));
        if (args.length > 1) {
            b.keepAliveTime(Long.parseLong(args[1]), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        Server server = b
                .channelType(EpollServerSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .directExecutor()
                .maxInboundMessageSize(64 * 1024 * 1024)
                .addService(new StockGrpcServer())
                .build()
                .start();
        System.out.println("listening " + server.getPort());
        System.out.flush();
        server.awaitTermination();
    }

    @Override
    public void executePipeline(ExecuteRequest req, StreamObserver<ExecuteResponse> out) {
        long t0 = System.nanoTime();
        ExecutionResult result = null;
        try {
            Map<String, AudioInput> audio = new HashMap<>();
            for (Map.Entry<String, AudioBuffer> e : req.getAudioInputsMap().entrySet()) {
                audio.put(e.getKey(), ProtoConvert.audioInput(e.getValue()));
            }
            result = engine.execute(engine.compile(ProtoConvert.manifest(req.getManifest())), audio,
                    req.getDataInputsMap(), ProtoConvert.limits(req.getResourceLimits()), ExecutionControl.create());
            ExecuteResponse.Builder resp = ExecuteResponse.newBuilder();
            var r = resp.getResultBuilder();
            for (AudioOutput o : result.audioOutputs().values()) {
                r.putAudioOutputs(o.nodeId(), ProtoConvert.audioBuffer(o));
            }
            r.putAllDataOutputs(result.dataOutputs());
            r.getMetricsBuilder().setWallTimeMs((System.nanoTime() - t0) / 1e6);
            r.setStatus(ExecutionStatus.EXECUTION_STATUS_SUCCESS);
            out.onNext(resp.build()); // grpc-java frames (copies) the message here, synchronously
            out.onCompleted();
        } catch (PipelineException e) {
            out.onNext(ExecuteResponse.newBuilder().setError(ProtoConvert.error(e.error(), false)).build());
            out.onCompleted();
        } finally {
            if (result != null) {
                result.close();
            }
        }
    }
}
