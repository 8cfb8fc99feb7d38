package org.remotemedia.perf;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;

/**
 * The unary workload: ExecutePipeline calls through grpc-java's async stub, round-robin over the
 * channels. Open loop: call i is due at {@code T0 + i / rate}; it is issued then by one scheduler
 * thread (waiting only when {@code max_in_flight} calls are out: that wait shows as latency, since
 * latency counts from the due time: the coordinated-omission correction). Closed loop:
 * {@code concurrency} calls in flight, each answer issuing the next. Each answer is checked: a
 * result (not an in-band error) with audio from the pipeline's sink.
 *
 * <p>Threads: the driver's thread schedules; answers arrive on the channels' event loops (direct
 * executor), which in closed loop also issue the next call.
 */
final class UnaryLoad {
    private final LoadSettings s;
    private final LoadPayload payload;
    private final List<ManagedChannel> channels;
    private final LoadRecorder rec;
    private final ExecuteRequest request;
    private final AtomicLong issued = new AtomicLong();

    UnaryLoad(LoadSettings s, LoadPayload payload, List<ManagedChannel> channels, LoadRecorder rec) {
        this.s = s;
        this.payload = payload;
        this.channels = channels;
        this.rec = rec;
        this.request = payload.unaryRequest(s.audioMs());
    }

    void run() throws Exception {
        if (s.open()) {
            openLoop();
        } else {
            closedLoop();
        }
    }

    private void openLoop() throws InterruptedException {
        long intervalNs = (long) (1e9 / s.ratePerSecond());
        long warm = (long) (s.warmupS() * s.ratePerSecond());
        long n = warm + (long) (s.durationS() * s.ratePerSecond());
        Semaphore inFlight = new Semaphore(s.maxInFlight());
        long t0 = System.nanoTime() + 10_000_000;
        for (long i = 0; i < n; i++) {
            long due = t0 + i * intervalNs;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                // park, never spin: pinned to one CPU, a spinning scheduler starves the event loop
                // that writes what it schedules (the cost: ~50-100 us of timer slack, in lateness)
                LockSupport.parkNanos(wait);
            }
            if (i == warm) {
                rec.startMeasuring();
            }
            inFlight.acquire();
            if (i >= warm) {
                rec.late(System.nanoTime() - due);
            }
            call(due, i >= warm, inFlight::release);
        }
        if (!inFlight.tryAcquire(s.maxInFlight(), 60, TimeUnit.SECONDS)) {
            rec.failedAlways("calls still unanswered 60 s after the last was issued");
        }
        rec.stopMeasuring();
    }

    private void closedLoop() throws InterruptedException {
        CountDownLatch drained = new CountDownLatch(s.concurrency());
        long end = System.nanoTime() + (long) ((s.warmupS() + s.durationS()) * 1e9);
        for (int i = 0; i < s.concurrency(); i++) {
            loop(end, drained);
        }
        Thread.sleep((long) (s.warmupS() * 1000));
        rec.startMeasuring();
        Thread.sleep((long) (s.durationS() * 1000));
        rec.stopMeasuring();
        if (!drained.await(60, TimeUnit.SECONDS)) {
            System.err.println("# " + drained.getCount() + " closed-loop callers still waiting 60 s after the end");
        }
    }

    private void loop(long end, CountDownLatch drained) {
        long now = System.nanoTime();
        if (now >= end) {
            drained.countDown();
            return;
        }
        call(now, true, () -> loop(end, drained));
    }

    /**
     * One call, due at {@code due}; {@code then} runs when it ended, whatever the outcome. Open
     * loop counts exactly the calls due in the measured window ({@code measured}), however late a
     * warm-up call is answered; closed loop counts what ends while measuring.
     */
    private void call(long due, boolean measured, Runnable then) {
        ManagedChannel ch = channels.get((int) (issued.getAndIncrement() % channels.size()));
        ClientCalls.asyncUnaryCall(ch.newCall(PipelineExecutionServiceGrpc.getExecutePipelineMethod(),
                CallOptions.DEFAULT), request, new StreamObserver<>() {
                    @Override
                    public void onNext(ExecuteResponse r) {
                        long took = System.nanoTime() - due;
                        if (!measured) {
                            return;
                        }
                        if (r.hasError()) {
                            rec.failed("in-band " + r.getError().getErrorType().name());
                        } else if (!r.hasResult() || r.getResult().getAudioOutputsCount() == 0) {
                            rec.failed("wrong answer");
                        } else {
                            rec.answered(took);
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        if (measured) {
                            rec.failed(Status.fromThrowable(t).getCode().name());
                        }
                        then.run();
                    }

                    @Override
                    public void onCompleted() {
                        then.run();
                    }
                });
    }
}
