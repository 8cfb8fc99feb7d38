package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ManifestJson#withoutSources} scans by index what two regular expressions used to do
 * (they cost quadratic allocation under the fuzzer's regex hooks: finding 7 in
 * perf/RESULTS.md). The expressions stay here as the reference it must agree with.
 */
class ManifestJsonSourcesTest {
    static String reference(String m) {
        return m.replaceAll("at \\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)\\]", "at line $1, column $2")
                .replaceAll("\\s*at \\[Source.*", "").replace('\n', ' ');
    }

    @Test
    void jacksonsMessages() {
        for (String m : new String[] {
            "Unexpected character ('x' (code 120)): expected a valid value",
            "Unexpected end-of-input: expected close marker for Array (start marker at [Source: REDACTED"
                    + " (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])",
            "Unexpected character ('}' (code 125))\n at [Source: (String)\"{\"; line: 1, column: 2]",
            "Duplicate field 'a'\n at [Source: x; line: 3, column: 14]\n tail",
            "no location at [Source: x; line: , column: 1] here",
            "",
        }) {
            assertEquals(reference(m), ManifestJson.withoutSources(m), m);
        }
        assertEquals("end (start marker at line 1, column 1)", ManifestJson.withoutSources(
                "end (start marker at [Source: REDACTED; line: 1, column: 1])"));
    }

    @Test
    void agreesWithTheExpressionsOnRandomText() {
        String[] parts = {"at [Source: ", "at [Source", "; line: ", ", column: ", "]", ";", "12", "x", " ", "\n", "\r",
            "\t", "\u2028", "(String)\"{\"", "at ", "[", "Source: ", "7", "line: ", "é"};
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder b = new StringBuilder();
            int n = rnd.nextInt(12);
            for (int k = 0; k < n; k++) {
                b.append(parts[rnd.nextInt(parts.length)]);
            }
            String m = b.toString();
            assertEquals(reference(m), ManifestJson.withoutSources(m), m);
        }
    }
}
