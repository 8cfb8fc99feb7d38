package org.remotemedia.client;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.ChunkResult;
import org.remotemedia.proto.v1.StreamClosed;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamReady;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;

/**
 * One StreamPipeline session. {@link #send} numbers the chunks 0, 1, 2, ... and blocks while the
 * server's HTTP/2 window is full (back-pressure reaches the producer); results go to the callback
 * given at open, in order; {@link #finish} sends COMMAND_CLOSE, waits for the tail and StreamClosed,
 * and returns it. The first ErrorResponse or failed status is thrown, typed, by the next
 * {@code send} or {@code finish}. {@link #cancel} resets the call; {@link #close} cancels a stream
 * that was not finished.
 *
 * <p>Threads: {@code send}, {@code finish}, {@code cancel} from one producer thread; the callback
 * runs on gRPC's executor.
 */
public final class PipelineStream implements AutoCloseable {
    private final String target;
    private final Object lock = new Object();
    private final CountDownLatch readyLatch = new CountDownLatch(1);
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile ClientCallStreamObserver<StreamRequest> requests;
    private volatile StreamReady ready;
    private volatile StreamClosed closed;
    private volatile RemoteMediaException failure;
    private volatile boolean cancelled;
    private long sequence;
    private long framesSent;
    private boolean finished;

    private PipelineStream(String target) {
        this.target = target;
    }

    /**
     * Opens the call, sends init and waits for StreamReady or the call's failure; does not throw the
     * failure (see {@link #refusal()}, {@link #throwIfFailed()}). Throws when no answer came in time.
     */
    static PipelineStream open(StreamingPipelineServiceGrpc.StreamingPipelineServiceStub stub, String target,
                               String manifestJson, Map<String, String> data, Consumer<ChunkResult> onResult,
                               Duration readyTimeout) {
        PipelineStream s = new PipelineStream(target);
        stub.streamPipeline(s.observer(onResult));
        s.requests.onNext(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifestJson(manifestJson)
                .putAllDataInputs(data).setClientVersion(RemoteMediaClient.CLIENT_VERSION)).build());
        try {
            if (!s.readyLatch.await(readyTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                s.requests.cancel("no StreamReady within " + readyTimeout.toMillis() + " ms", null);
                throw new RemoteMediaException("the server did not answer the stream's init within "
                        + readyTimeout.toMillis() + " ms", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.requests.cancel("interrupted", e);
            throw new RemoteMediaException("interrupted while opening the stream", e);
        }
        return s;
    }

    /** The failed status that refused this call before the server admitted it (no StreamReady), or null. */
    RpcException refusal() {
        return ready == null && failure instanceof RpcException e ? e : null;
    }

    private ClientResponseObserver<StreamRequest, StreamResponse> observer(Consumer<ChunkResult> onResult) {
        return new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<StreamRequest> r) {
                requests = r;
                r.setOnReadyHandler(() -> {
                    synchronized (lock) {
                        lock.notifyAll();
                    }
                });
            }

            @Override
            public void onNext(StreamResponse r) {
                switch (r.getResponseCase()) {
                    case READY -> {
                        ready = r.getReady();
                        readyLatch.countDown();
                    }
                    case RESULT -> onResult.accept(r.getResult());
                    case ERROR -> fail(new PipelineException(r.getError()));
                    case CLOSED -> closed = r.getClosed();
                    default -> { } // StreamMetrics: informational
                }
            }

            @Override
            public void onError(Throwable t) {
                fail(cancelled ? new RpcException.CancelledException("CANCELLED: the stream was cancelled by the"
                        + " caller", Status.CANCELLED, null, t) : RpcException.of(t, target));
                end();
            }

            @Override
            public void onCompleted() {
                if (closed == null) {
                    fail(new StreamInterruptedException("the server ended the stream without StreamClosed"
                            + (ready == null ? " (before StreamReady)" : " after " + sequence + " chunk(s) sent"), null));
                }
                end();
            }
        };
    }

    private void fail(RemoteMediaException e) {
        synchronized (lock) {
            if (failure == null) {
                failure = e;
            }
            lock.notifyAll();
        }
        readyLatch.countDown();
    }

    private void end() {
        readyLatch.countDown();
        done.countDown();
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    /** The server's StreamReady: session id, recommended chunk size (frames). */
    public StreamReady ready() {
        return ready;
    }

    /** Sends one chunk for source {@code nodeId} (empty: the pipeline's only source), waiting for window. */
    public void send(String nodeId, Audio chunk) {
        throwIfFailed();
        if (finished) {
            throw new IllegalStateException("the stream was finished: no more chunks");
        }
        synchronized (lock) {
            while (!requests.isReady() && failure == null && done.getCount() > 0) {
                try {
                    lock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cancel();
                    throw new RemoteMediaException("interrupted while waiting for the server to take a chunk", e);
                }
            }
        }
        throwIfFailed();
        requests.onNext(StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder().setNodeId(nodeId)
                .setSequence(sequence).setBuffer(chunk.toProto())
                .setTimestampMs(framesSent * 1000 / chunk.sampleRate())).build());
        sequence++;
        framesSent += chunk.frames();
    }

    /** Chunks sent so far. */
    public long chunksSent() {
        return sequence;
    }

    /** COMMAND_CLOSE: waits for the last results and StreamClosed (and the call's end), and returns it. */
    public StreamClosed finish() {
        throwIfFailed();
        if (!finished) {
            finished = true;
            requests.onNext(StreamRequest.newBuilder().setControl(StreamControl.newBuilder()
                    .setCommand(StreamControl.Command.COMMAND_CLOSE)).build());
            requests.onCompleted();
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new RemoteMediaException("interrupted while waiting for the stream's end", e);
        }
        throwIfFailed();
        return closed;
    }

    /** Resets the call now; later calls on this stream throw {@link RpcException.CancelledException}. */
    public void cancel() {
        if (done.getCount() > 0) {
            cancelled = true;
            requests.cancel("cancelled by the caller", null);
        }
    }

    void throwIfFailed() {
        RemoteMediaException f = failure;
        if (f == null && cancelled) {
            // cancel() came first; its onError may not have arrived yet, and grpc-java refuses sends now
            throw new RpcException.CancelledException("CANCELLED: the stream was cancelled by the caller",
                    Status.CANCELLED, null, null);
        }
        if (f != null) {
            if (done.getCount() > 0 && !(f instanceof RpcException)) {
                requests.cancel("client-side failure: " + f.getMessage(), null);
            }
            throw f;
        }
    }

    @Override
    public void close() {
        if (closed == null) {
            cancel();
        }
    }
}
