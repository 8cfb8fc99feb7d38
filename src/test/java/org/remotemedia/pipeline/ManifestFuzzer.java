package org.remotemedia.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.remotemedia.dsp.Problems;
import org.remotemedia.testkit.FuzzBudget;
import org.remotemedia.testkit.FuzzWarmUp;

/**
 * Fuzz target (scripts/fuzz manifest): the manifest JSON parser and validator
 * ({@link ManifestJson}, {@link PlanCompiler}) on arbitrary text, as manifest_json and the
 * JSON params and data inputs arrive in requests. Every input either compiles or is refused
 * with one VALIDATION error that has a message and a JSON context that parses (the context is
 * assembled by hand, so broken escaping would show here); anything else -- another exception,
 * another error type, an empty message -- is a finding, and so is allocation beyond a linear
 * budget in the input's length.
 */
public final class ManifestFuzzer {
    private static final PipelineEngine ENGINE = PipelineEngine.standard();
    private static final ObjectMapper STRICT = new ObjectMapper();
    private static final FuzzBudget BUDGET = new FuzzBudget(8 << 20, 2048);

    private ManifestFuzzer() {
    }

    /** Called by Jazzer before fuzzing: loads what the first inputs need (see {@link FuzzWarmUp}). */
    public static void fuzzerInitialize() {
        FuzzWarmUp.run(ManifestFuzzer::fuzzerTestOneInput);
    }

    public static void fuzzerTestOneInput(byte[] data) {
        BUDGET.start();
        String text = new String(data, StandardCharsets.UTF_8);
        try {
            CompiledPlan plan = ENGINE.compileJson(text);
            if (plan.sources().isEmpty()) {
                throw new AssertionError("a compiled plan without a source node");
            }
        } catch (PipelineException e) {
            checkRefusal(e.error());
        }
        Problems problems = new Problems();
        if (ManifestJson.paramsFromText(text, "/nodes/0/params", problems) == null && problems.isEmpty()) {
            throw new AssertionError("params text refused without a problem saying why");
        }
        try {
            ManifestJson.value(text);
        } catch (PipelineException e) {
            checkRefusal(e.error());
        }
        BUDGET.check(data, "manifest", () -> fuzzerTestOneInput(data));
    }

    private static void checkRefusal(PipelineError e) {
        if (e.type() != ErrorType.VALIDATION) {
            throw new AssertionError("a manifest was refused with " + e.type() + ", not VALIDATION: " + e.message(),
                    e.cause());
        }
        if (e.message() == null || e.message().isBlank()) {
            throw new AssertionError("a VALIDATION error without a message");
        }
        JsonNode ctx;
        try {
            ctx = STRICT.readTree(e.contextJson());
        } catch (Exception bad) {
            throw new AssertionError("the error's context is not JSON: " + e.contextJson(), bad);
        }
        if (ctx == null || !ctx.path("problems").isArray() || ctx.path("problems").isEmpty()) {
            throw new AssertionError("the error's context lists no problems: " + e.contextJson());
        }
    }
}
