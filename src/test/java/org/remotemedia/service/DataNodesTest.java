package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ErrorType;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.VersionRequest;
import org.remotemedia.testkit.LeakCheck;

/**
 * The runtime v0.2.1's data nodes (CalculatorNode, AddNode, MultiplyNode) through ExecutePipeline,
 * as a seed-era client calls them: JSON numbers in data_inputs (bare, numeric string, {"value": n}),
 * results in data_outputs as JSON numbers, integers when whole; division by zero and non-numbers
 * as in-band NODE_EXECUTION errors naming the node; audio given to them as a VALIDATION error.
 */
@ExtendWith(LeakCheck.class)
class DataNodesTest {

    @Test
    void calculatorAddAndMultiplyOnEveryNumberForm() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            var stub = PipelineExecutionServiceGrpc.newBlockingStub(d.channel());
            assertEquals("15", one(stub, "CalculatorNode", "{\"operation\": \"add\", \"operand\": 5}", "10"));
            assertEquals("5.5", one(stub, "CalculatorNode", "{\"operation\": \"subtract\", \"value\": 2}", "\"7.5\""));
            assertEquals("42", one(stub, "CalculatorNode", "{\"operation\": \"multiply\", \"operand\": 6}",
                    "{\"value\": 7}"));
            assertEquals("0.25", one(stub, "CalculatorNode", "{\"operation\": \"DIVIDE\", \"operand\": 4}", "1"));
            assertEquals("3", one(stub, "CalculatorNode", "{\"operation\": \"divide\", \"operand\": 0.5}", "1.5"));
            assertEquals("12", one(stub, "AddNode", "{\"addend\": 2}", "10"));
            assertEquals("-4", one(stub, "MultiplyNode", "{\"factor\": -2}", "{\"value\": \"2\"}"));
            assertTrue(stub.getVersion(VersionRequest.newBuilder().setClientVersion("v1").build()).getVersionInfo()
                    .getSupportedNodeTypesList().containsAll(java.util.List.of("CalculatorNode", "AddNode", "MultiplyNode")));
        }
    }

    @Test
    void divisionByZeroAndNonNumbersAreExecutionErrorsNamingTheNode() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            var stub = PipelineExecutionServiceGrpc.newBlockingStub(d.channel());
            ErrorResponse e = stub.executePipeline(request("div", "CalculatorNode",
                    "{\"operation\": \"divide\", \"operand\": 0}", "3")).getError();
            assertEquals(ErrorType.ERROR_TYPE_NODE_EXECUTION, e.getErrorType(), e.toString());
            assertEquals("div", e.getFailingNodeId());
            assertTrue(e.getMessage().contains("\"div\"") && e.getMessage().contains("division by zero"), e.getMessage());

            ErrorResponse nan = stub.executePipeline(request("m", "MultiplyNode", "{\"factor\": 2}",
                    "\"seven\"")).getError();
            assertEquals(ErrorType.ERROR_TYPE_NODE_EXECUTION, nan.getErrorType(), nan.toString());
            assertEquals("m", nan.getFailingNodeId());
            assertTrue(nan.getMessage().contains("not a number") && nan.getMessage().contains("{\"value\": 5}"),
                    nan.getMessage());

            ErrorResponse noValue = stub.executePipeline(request("a", "AddNode", "{}", "{\"v\": 1}")).getError();
            assertEquals("a", noValue.getFailingNodeId());
            assertTrue(noValue.getMessage().contains("without a numeric \"value\""), noValue.getMessage());
        }
    }

    @Test
    void badParamsAndAudioAreValidationErrors() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            var stub = PipelineExecutionServiceGrpc.newBlockingStub(d.channel());
            ErrorResponse op = stub.executePipeline(request("c", "CalculatorNode",
                    "{\"operation\": \"power\", \"operand\": 2}", "1")).getError();
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, op.getErrorType(), op.toString());
            assertTrue(op.getContext().contains("/nodes/0/params/operation") && op.getMessage().contains("divide"),
                    op.toString());

            ErrorResponse missing = stub.executePipeline(request("c", "CalculatorNode", "{\"operation\": \"add\"}",
                    "1")).getError();
            assertTrue(missing.getContext().contains("/nodes/0/params/operand"), missing.toString());

            ExecuteRequest audio = ExecuteRequest.newBuilder().setClientVersion("v1")
                    .setManifest(Kit.manifest("calc", Kit.node("c", "AddNode", "{\"addend\": 1}")))
                    .putAudioInputs("c", Kit.f32(Kit.sine(160, 16000), 16000)).build();
            ErrorResponse a = stub.executePipeline(audio).getError();
            assertEquals(ErrorType.ERROR_TYPE_VALIDATION, a.getErrorType(), a.toString());
            assertTrue(a.toString().contains("works on data, not audio"), a.toString());
        }
    }

    private static String one(PipelineExecutionServiceGrpc.PipelineExecutionServiceBlockingStub stub, String type,
                              String params, String data) {
        ExecuteResponse r = stub.executePipeline(request("n", type, params, data));
        assertTrue(r.hasResult(), () -> type + " " + params + " on " + data + ": " + r);
        return r.getResult().getDataOutputsOrThrow("n");
    }

    private static ExecuteRequest request(String id, String type, String params, String data) {
        PipelineManifest m = Kit.manifest("data", Kit.node(id, type, params));
        return ExecuteRequest.newBuilder().setManifest(m).putDataInputs(id, data).setClientVersion("v1").build();
    }
}
