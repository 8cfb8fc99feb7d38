package org.remotemedia.service.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.proto.v1.ChunkResult;
import org.remotemedia.proto.v1.ErrorType;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamResponse.ResponseCase;
import org.remotemedia.testkit.LeakCheck;

/**
 * What COMMAND_CLOSE answers, as seed-era clients count it: one ChunkResult per chunk sent, plus a
 * last one only when the flush yields audio or data (a resampler's tail, a data node's result),
 * then StreamClosed. Through grpc-java against the daemon on 127.0.0.1:0.
 */
@ExtendWith(LeakCheck.class)
class StreamCloseTest {

    /** N chunks through a pipeline that holds nothing back: exactly N results, then StreamClosed, then OK. */
    @Test
    void nChunksWithoutATailGiveExactlyNResults() throws Exception {
        int n = 5;
        float[] pcm = new float[1600];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (float) Math.sin(i * 0.05) * 0.5f;
        }
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamClient.init(StreamClient.manifest("gain", StreamClient.node("g", "Gain", "{\"gain_db\": -6}"))));
            c.next(ResponseCase.READY);
            for (int i = 0; i < n; i++) {
                c.send(StreamClient.chunk(i, "g", StreamClient.f32(pcm, 0, pcm.length, 16000)));
            }
            c.send(StreamClient.closeCommand());
            List<StreamResponse> rest = c.restUntilOk();
            List<ChunkResult> results = rest.stream().filter(StreamResponse::hasResult).map(StreamResponse::getResult)
                    .toList();
            assertEquals(n, results.size(), () -> "one result per chunk and no empty flush: " + rest);
            for (int i = 0; i < n; i++) {
                assertEquals(i, results.get(i).getSequence());
                assertEquals(1600, results.get(i).getAudioOutputsOrThrow("g").getNumSamples());
            }
            StreamResponse last = rest.get(rest.size() - 1);
            assertEquals(ResponseCase.CLOSED, last.getResponseCase(), "StreamClosed ends the stream: " + rest);
            StreamPipelineTest.awaitReleased(d);
        }
    }

    /** A data node's result is flushed at CLOSE when no audio carried it: one ChunkResult with the data. */
    @Test
    void aDataPipelineGetsItsResultAtClose() throws Exception {
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setClientVersion("v1")
                    .setManifest(StreamClient.manifest("calc", StreamClient.node("calc", "CalculatorNode",
                            "{\"operation\": \"multiply\", \"operand\": 3}")))
                    .putDataInputs("calc", "{\"value\": 14}")).build());
            c.next(ResponseCase.READY);
            c.send(StreamClient.closeCommand());
            ChunkResult r = c.next(ResponseCase.RESULT).getResult();
            assertEquals(0, r.getSequence());
            assertEquals("42", r.getDataOutputsOrThrow("calc"));
            c.next(ResponseCase.CLOSED);
            assertTrue(c.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }

    /** Division by zero at init: an in-band NODE_EXECUTION error that names the node, then OK. */
    @Test
    void divisionByZeroIsAnExecutionErrorNamingTheNode() throws Exception {
        try (TestDaemon d = TestDaemon.start(); StreamClient c = new StreamClient(d.channel())) {
            c.send(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setClientVersion("v1")
                    .setManifest(StreamClient.manifest("calc", StreamClient.node("div", "CalculatorNode",
                            "{\"operation\": \"divide\", \"value\": 0}")))
                    .putDataInputs("div", "7")).build());
            var e = c.next(ResponseCase.ERROR).getError();
            assertEquals(ErrorType.ERROR_TYPE_NODE_EXECUTION, e.getErrorType(), e.toString());
            assertEquals("div", e.getFailingNodeId());
            assertTrue(e.getMessage().contains("division by zero") && e.getMessage().contains("\"div\""), e.getMessage());
            assertTrue(c.end().status().isOk());
            StreamPipelineTest.awaitReleased(d);
        }
    }
}
