package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;

/**
 * {@code execution.dsp_mode: auto}: a call alone on its event loop runs inline; one that shares
 * the loop with another open call goes to a DSP worker; the answers are the same either way.
 */
class DspPlacementTest {
    @Test
    void autoRunsALoneCallInlineAndASharingCallOnAWorker() throws Exception {
        float[] in = Kit.sine(44_100, 44_100);
        var request = Kit.request(Kit.resample16k(), "resample", Kit.f32(in, 44_100));
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", "auto")) {
            var stub = ExecutePipelineTest.stub(d);
            ExecuteResponse alone = stub.executePipeline(request);
            assertTrue(alone.hasResult(), alone::toString);
            assertEquals(1, d.placed(true));
            assertEquals(0, d.placed(false));

            // a StreamPipeline session open on the same connection (so on the same event loop)
            Session session = Session.open(d.channel());
            ExecuteResponse shared = stub.executePipeline(request);
            assertEquals(1, d.placed(false), "the loop had another open call: a worker ran it");
            assertEquals(1, d.placed(true));
            assertEquals(alone.getResult().getAudioOutputsOrThrow("resample").getSamples(),
                    shared.getResult().getAudioOutputsOrThrow("resample").getSamples());

            // once the session's stream has closed (the server ends it when the client half-closes),
            // a call is alone again
            session.requests.onCompleted();
            session.ended.get(20, TimeUnit.SECONDS);
            stub.executePipeline(request);
            assertEquals(2, d.placed(true));
        }
    }

    /** The count is per event loop: a session on another connection of the same loop counts; a cancelled one stops counting. */
    @Test
    void autoCountsCallsOfEveryConnectionOnTheLoopAndForgetsCancelledOnes() throws Exception {
        var request = Kit.request(Kit.resample16k(), "resample", Kit.f32(Kit.sine(44_100, 44_100), 44_100));
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", "auto", "transport.event_loop_threads", "1")) {
            io.grpc.ManagedChannel other = io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", d.port())
                    .usePlaintext().build();
            try {
                Session session = Session.open(other);
                ExecutePipelineTest.stub(d).executePipeline(request);
                assertEquals(1, d.placed(false), "a call open on another connection of the loop counts");

                session.requests.onError(new RuntimeException("client gives up")); // RST_STREAM CANCEL
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (d.placed(true) == 0 && System.nanoTime() < deadline) {
                    ExecutePipelineTest.stub(d).executePipeline(request); // on a worker until the reset is seen
                    Thread.sleep(20);
                }
                assertEquals(1, d.placed(true), "after the reset the loop's count is back to the call itself");
            } finally {
                other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** A large request goes to a worker even alone: one long execution must not hold the event loop. */
    @Test
    void autoSendsALargeRequestToAWorkerEvenAlone() throws Exception {
        var large = Kit.request(Kit.resample16k(), "resample", Kit.f32(Kit.sine(400_000, 44_100), 44_100));
        assertTrue(large.getSerializedSize() > ExecuteHandler.AUTO_INLINE_MAX_BYTES);
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", "auto")) {
            ExecuteResponse r = ExecutePipelineTest.stub(d).executePipeline(large);
            assertTrue(r.hasResult(), r::toString);
            assertEquals(1, d.placed(false));
            assertEquals(0, d.placed(true));
        }
    }

    @Test
    void inlineAndWorkersModesDoNotDecidePerCall() throws Exception {
        var request = Kit.request(Kit.resample16k(), "resample", Kit.f32(Kit.sine(44_100, 44_100), 44_100));
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", "workers")) {
            ExecutePipelineTest.stub(d).executePipeline(request);
            assertEquals(1, d.placed(false));
            assertEquals(0, d.placed(true));
        }
        try (TestDaemon d = TestDaemon.start("execution.dsp_mode", "inline")) {
            ExecutePipelineTest.stub(d).executePipeline(request);
            assertEquals(1, d.placed(true));
        }
    }

    /** A StreamPipeline session, opened and ready (its init answered). */
    private record Session(StreamObserver<StreamRequest> requests, CompletableFuture<Void> ended) {
        static Session open(io.grpc.Channel channel) throws Exception {
            CompletableFuture<StreamResponse> ready = new CompletableFuture<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            StreamObserver<StreamRequest> requests = StreamingPipelineServiceGrpc.newStub(channel)
                    .streamPipeline(new StreamObserver<>() {
                        @Override
                        public void onNext(StreamResponse r) {
                            ready.complete(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            ready.completeExceptionally(t);
                            ended.complete(null);
                        }

                        @Override
                        public void onCompleted() {
                            ended.complete(null);
                        }
                    });
            requests.onNext(StreamRequest.newBuilder().setInit(StreamInit.newBuilder()
                    .setManifest(Kit.resample16k()).setClientVersion("v1")).build());
            assertTrue(ready.get(20, TimeUnit.SECONDS).hasReady());
            return new Session(requests, ended);
        }
    }
}
