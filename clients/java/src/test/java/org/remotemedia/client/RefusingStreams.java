package org.remotemedia.client;

import com.google.protobuf.util.Durations;
import com.google.rpc.Code;
import com.google.rpc.RetryInfo;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.remotemedia.proto.v1.ChunkResult;
import org.remotemedia.proto.v1.StreamClosed;
import org.remotemedia.proto.v1.StreamReady;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;

/**
 * A grpc-java StreamPipeline server that refuses its first {@code refusals} calls with UNAVAILABLE
 * + RetryInfo({@code delayMs}) on their init, as the daemon refuses a session it cannot admit;
 * later calls get StreamReady, one ChunkResult per chunk (its sequence, and {"echo": sequence} as
 * data) and StreamClosed on CLOSE, or with {@code failAfterReady} the same refusal after
 * StreamReady. {@code attempts}: the chunk sequences each call received; {@code started} /
 * {@code refused}: System.nanoTime() of each.
 */
public final class RefusingStreams extends StreamingPipelineServiceGrpc.StreamingPipelineServiceImplBase {
    public final List<List<Long>> attempts = new CopyOnWriteArrayList<>();
    public final List<Long> started = new CopyOnWriteArrayList<>();
    public final List<Long> refused = new CopyOnWriteArrayList<>();
    private final int refusals;
    private final long delayMs;
    private final boolean failAfterReady;

    public RefusingStreams(int refusals, long delayMs, boolean failAfterReady) {
        this.refusals = refusals;
        this.delayMs = delayMs;
        this.failAfterReady = failAfterReady;
    }

    private void refuse(StreamObserver<StreamResponse> out) {
        refused.add(System.nanoTime());
        out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.UNAVAILABLE_VALUE).setMessage("too many sessions")
                .addDetails(com.google.protobuf.Any.pack(RetryInfo.newBuilder()
                        .setRetryDelay(Durations.fromMillis(delayMs)).build())).build()));
    }

    @Override
    public StreamObserver<StreamRequest> streamPipeline(StreamObserver<StreamResponse> out) {
        List<Long> seqs = new CopyOnWriteArrayList<>();
        attempts.add(seqs);
        started.add(System.nanoTime());
        boolean refusing = attempts.size() <= refusals;
        String session = "s" + attempts.size();
        return new StreamObserver<>() {
            boolean gone;

            @Override
            public void onNext(StreamRequest r) {
                if (gone) {
                    return;
                }
                switch (r.getRequestCase()) {
                    case INIT -> {
                        if (refusing) {
                            gone = true;
                            refuse(out);
                            return;
                        }
                        out.onNext(StreamResponse.newBuilder().setReady(StreamReady.newBuilder()
                                .setSessionId(session)).build());
                        if (failAfterReady) {
                            gone = true;
                            refuse(out);
                        }
                    }
                    case AUDIO_CHUNK -> {
                        seqs.add(r.getAudioChunk().getSequence());
                        out.onNext(StreamResponse.newBuilder().setResult(ChunkResult.newBuilder()
                                .setSequence(r.getAudioChunk().getSequence())
                            .putDataOutputs("echo", Long.toString(r.getAudioChunk().getSequence()))).build());
                    }
                    case CONTROL -> {
                        gone = true;
                        out.onNext(StreamResponse.newBuilder().setClosed(
                                StreamClosed.newBuilder().setReason("closed by client")).build());
                        out.onCompleted();
                    }
                    default -> { }
                }
            }

            @Override
            public void onError(Throwable t) { }

            @Override
            public void onCompleted() { }
        };
    }

    public Server start() throws IOException {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(this).build().start();
    }
}
