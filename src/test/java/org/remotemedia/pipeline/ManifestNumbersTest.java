package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.remotemedia.dsp.Problems;

/**
 * A number whose exponent has too many digits for a BigDecimal (found by ManifestFuzzer:
 * {@code 2.5111111111111111111111e10000001111111111111111111111111}): Jackson's NumberFormatException
 * escaped the parser and a client got INTERNAL instead of a validation error saying where.
 */
class ManifestNumbersTest {
    private static final String HUGE = "2.5e10000001111111111111111111111111";
    private final PipelineEngine engine = PipelineEngine.standard();

    @Test
    void aManifestWithAnUnparseableNumberIsAValidationError() {
        String json = "{\"version\":\"v1\",\"metadata\":{\"name\":\"n\"},\"nodes\":[{\"id\":\"g\",\"node_type\":\"Gain\","
                + "\"params\":{\"gain_db\":" + HUGE + "}}]}";
        PipelineException e = assertThrows(PipelineException.class, () -> engine.compileJson(json));
        assertEquals(ErrorType.VALIDATION, e.error().type());
        assertTrue(e.getMessage().contains("number"), e.getMessage());
    }

    @Test
    void paramsTextAndDataInputsToo() {
        Problems p = new Problems();
        assertEquals(null, ManifestJson.paramsFromText("{\"gain_db\": " + HUGE + "}", "/nodes/0/params", p));
        List<Problems.Problem> list = p.list();
        assertEquals(1, list.size());
        assertEquals("/nodes/0/params", list.get(0).path());
        PipelineException e = assertThrows(PipelineException.class, () -> ManifestJson.value("[" + HUGE + "]"));
        assertEquals(ErrorType.VALIDATION, e.error().type());
    }

    @Test
    void theFuzzersInputIsRefusedAsValidation() {
        ManifestFuzzer.fuzzerTestOneInput(("{\"nodes\":[2.5111111111111111111111e10000001111111111111111111111111]}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
