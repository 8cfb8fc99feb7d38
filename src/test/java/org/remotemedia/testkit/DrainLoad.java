package org.remotemedia.testkit;

import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;

/**
 * The client side of "shutdown under load", shared by the CI test (in-process servers, small)
 * and the benchmark (daemon processes, SIGTERM, full size): {@code unaryInFlight} ExecutePipeline
 * calls kept in flight (each answer issues the next) and {@code sessions} StreamPipeline sessions
 * sending a chunk every {@code chunkIntervalMs}, all through one grpc-java channel (normally over
 * several servers: {@link StaticAddresses}), while the caller drains or kills a server.
 *
 * <p>It behaves as a careful standard client does: a session that ends with StreamClosed
 * "server shutting down", or is refused with UNAVAILABLE, opens again (the channel picks a
 * server still serving); unary calls rely on grpc-java alone (transparent retry of streams the
 * server's GOAWAY refused). It counts what happened: calls OK and failed by status, transparent
 * retries, sessions closed by a drain (and how long after {@link #markDrain()}), sessions refused
 * or failed, results out of order, and which server (session-id prefix) each session ran on.
 *
 * <p>Threads: answers on the channel's threads; chunks paced by one scheduler thread.
 */
public final class DrainLoad implements AutoCloseable {
    private final ManagedChannel channel;
    private final ExecuteRequest unary;
    private final StreamRequest init;
    private final StreamRequest[] chunks;
    private final long chunkIntervalMs;
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "drain-load-pacer");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopping;
    private volatile long drainMarkNanos;

    public final LongAdder unaryOk = new LongAdder();
    public final Map<String, LongAdder> unaryFailed = new ConcurrentHashMap<>();
    public final LongAdder transparentRetries = new LongAdder();
    public final LongAdder sessionsOpened = new LongAdder();
    public final LongAdder sessionsClosedByShutdown = new LongAdder();
    public final LongAdder sessionsClosedNormally = new LongAdder();
    public final Map<String, LongAdder> sessionsFailed = new ConcurrentHashMap<>();
    public final LongAdder outOfOrder = new LongAdder();
    public final Map<String, LongAdder> sessionsByServer = new ConcurrentHashMap<>();
    public final AtomicLong maxShutdownCloseMs = new AtomicLong(-1);
    private final AtomicInteger unaryOut = new AtomicInteger();
    private final AtomicInteger sessionsOut = new AtomicInteger();
    private final CallOptions options;

    public DrainLoad(ManagedChannel channel, ExecuteRequest unary, StreamRequest init, StreamRequest[] chunks,
                     long chunkIntervalMs) {
        this.channel = channel;
        this.unary = unary;
        this.init = init;
        this.chunks = chunks;
        this.chunkIntervalMs = chunkIntervalMs;
        this.options = CallOptions.DEFAULT.withStreamTracerFactory(new ClientStreamTracer.Factory() {
            @Override
            public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
                if (info.isTransparentRetry()) {
                    transparentRetries.increment();
                }
                return new ClientStreamTracer() {
                };
            }
        });
    }

    /** Starts {@code unaryInFlight} callers and {@code sessions} sessions. */
    public void start(int unaryInFlight, int sessions) {
        for (int i = 0; i < unaryInFlight; i++) {
            unaryOut.incrementAndGet();
            call();
        }
        for (int i = 0; i < sessions; i++) {
            sessionsOut.incrementAndGet();
            new Session().open();
        }
    }

    /** The drain (or kill) starts now: StreamClosed times are measured from here. */
    public void markDrain() {
        drainMarkNanos = System.nanoTime();
    }

    /** Unary calls answered OK so far. */
    public long unaryOk() {
        return unaryOk.sum();
    }

    private void call() {
        if (stopping) {
            unaryOut.decrementAndGet();
            return;
        }
        // a deadline, so that a call the server never answers shows as DEADLINE_EXCEEDED, not as a hang
        ClientCalls.asyncUnaryCall(channel.newCall(PipelineExecutionServiceGrpc.getExecutePipelineMethod(),
                        options.withDeadlineAfter(60, TimeUnit.SECONDS)),
                unary, new StreamObserver<ExecuteResponse>() {
                    @Override
                    public void onNext(ExecuteResponse r) {
                        if (r.hasResult()) {
                            unaryOk.increment();
                        } else {
                            count(unaryFailed, "in-band " + r.getError().getErrorType());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        count(unaryFailed, Status.fromThrowable(t).getCode().name());
                        if (stopping) {
                            unaryOut.decrementAndGet();
                        } else { // a failed call is not retried: it is counted; the caller goes on after a pause
                            pacer.schedule(DrainLoad.this::call, 20, TimeUnit.MILLISECONDS);
                        }
                    }

                    @Override
                    public void onCompleted() {
                        call();
                    }
                });
    }

    /**
     * Stops issuing work, closes every session with COMMAND_CLOSE and waits (bounded) until every
     * call and session has ended. False if some had not ended within {@code timeoutMs}.
     */
    public boolean stop(long timeoutMs) throws InterruptedException {
        stopping = true;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while ((unaryOut.get() > 0 || sessionsOut.get() > 0) && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        pacer.shutdownNow();
        return unaryOut.get() == 0 && sessionsOut.get() == 0;
    }

    @Override
    public void close() {
        stopping = true;
        pacer.shutdownNow();
    }

    /** One line of figures. */
    public String summary() {
        return "unary OK " + unaryOk.sum() + ", unary failed " + sums(unaryFailed) + ", transparent retries "
                + transparentRetries.sum() + "; sessions opened " + sessionsOpened.sum() + ", closed by shutdown "
                + sessionsClosedByShutdown.sum() + " (latest " + maxShutdownCloseMs.get() + " ms after the drain began)"
                + ", closed normally " + sessionsClosedNormally.sum() + ", failed " + sums(sessionsFailed)
                + ", results out of order " + outOfOrder.sum() + ", sessions by server " + sums(sessionsByServer);
    }

    public static Map<String, Long> sums(Map<String, LongAdder> m) {
        Map<String, Long> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    private static void count(Map<String, LongAdder> m, String key) {
        m.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    /** One session; when it ends because of a drain or a refusal, another opens in its place. */
    private final class Session implements ClientResponseObserver<StreamRequest, StreamResponse> {
        private ClientCallStreamObserver<StreamRequest> out;
        private volatile boolean ready;
        private volatile boolean ended;
        private int next; // the pacer's thread only
        private long expected; // the channel's thread only
        private boolean closedByShutdown;

        void open() {
            ClientCalls.asyncBidiStreamingCall(channel.newCall(StreamingPipelineServiceGrpc.getStreamPipelineMethod(),
                    CallOptions.DEFAULT), this);
            out.onNext(init);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<StreamRequest> r) {
            out = r;
        }

        private void tick() {
            if (ended) {
                return;
            }
            synchronized (this) {
                if (ended) {
                    return;
                }
                if (stopping || next >= chunks.length) {
                    ended = true; // our side is done; the server's answers still arrive
                    out.onNext(StreamRequest.newBuilder().setControl(StreamControl.newBuilder()
                            .setCommand(StreamControl.Command.COMMAND_CLOSE)).build());
                    out.onCompleted();
                    return;
                }
                out.onNext(chunks[next++]);
            }
            pacer.schedule(this::tick, chunkIntervalMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public void onNext(StreamResponse r) {
            switch (r.getResponseCase()) {
                case READY -> {
                    ready = true;
                    sessionsOpened.increment();
                    String id = r.getReady().getSessionId();
                    count(sessionsByServer, id.substring(0, id.indexOf('-') + 1));
                    pacer.schedule(this::tick, chunkIntervalMs, TimeUnit.MILLISECONDS);
                }
                case RESULT -> {
                    if (r.getResult().getSequence() != expected) {
                        outOfOrder.increment();
                    }
                    expected = r.getResult().getSequence() + 1;
                }
                case CLOSED -> {
                    if (r.getClosed().getReason().startsWith("server shutting down")) {
                        closedByShutdown = true;
                        sessionsClosedByShutdown.increment();
                        long mark = drainMarkNanos;
                        if (mark != 0) {
                            maxShutdownCloseMs.accumulateAndGet((System.nanoTime() - mark) / 1_000_000, Math::max);
                        }
                    } else {
                        sessionsClosedNormally.increment();
                    }
                }
                case ERROR -> count(sessionsFailed, "in-band " + r.getError().getErrorType());
                default -> {
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            ended = true;
            Status s = Status.fromThrowable(t);
            count(sessionsFailed, s.getCode().name() + (ready ? " (after StreamReady)" : " (at open)"));
            reopen(s.getCode() == Status.Code.UNAVAILABLE);
        }

        @Override
        public void onCompleted() {
            ended = true; // the server ended the call; nothing more goes out on it
            reopen(closedByShutdown);
        }

        private void reopen(boolean again) {
            if (again && !stopping) {
                pacer.schedule(() -> new Session().open(), 20, TimeUnit.MILLISECONDS);
            } else {
                sessionsOut.decrementAndGet();
            }
        }
    }
}
