package org.remotemedia.dsp.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.dsp.Node;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.dsp.NodeHarness;

/** The data nodes' number forms and their errors (the service-level cases are in DataNodesTest). */
class NumberDataTest {

    @Test
    void readsEveryNumberForm() {
        assertEquals(5.0, NumberData.parse("5"));
        assertEquals(-2.5e3, NumberData.parse(" -2.5e3 "));
        assertEquals(7.25, NumberData.parse("\"7.25\""));
        assertEquals(3.0, NumberData.parse("{\"value\": 3}"));
        assertEquals(4.0, NumberData.parse("{\"value\": \" 4 \"}"));
        // other members, nested values and escapes around the one that counts
        assertEquals(9.0, NumberData.parse("{\"a\": {\"value\": 1, \"b\": [1, {\"c\": \"}\"}]}, \"v\\\"x\": null,"
                + " \"value\": 9, \"z\": true}"));
    }

    @Test
    void rejectsWhatIsNotANumberSayingWhatToGive() {
        for (String bad : List.of("\"seven\"", "true", "null", "[1]", "{\"value\": [1]}", "{}", "{\"v\": 1}", "NaN",
                "\"Infinity\"", "1e999", "{\"value\": ")) {
            NodeException e = assertThrows(NodeException.class, () -> NumberData.parse(bad), bad);
            assertTrue(e.getMessage().contains("{\"value\": 5}"), bad + ": " + e.getMessage());
        }
    }

    @Test
    void resultsAreIntegersWhenWholeAndOverflowIsAnError() {
        NodeException e = assertThrows(NodeException.class, () -> {
            Node big = NodeHarness.create(new MultiplyNode(), Map.of("factor", 1e15), List.of());
            big.dataInput("1e300");
        });
        assertTrue(e.getMessage().contains("not a finite number"), e.getMessage());
        StringBuilder sb = new StringBuilder();
        Node add = NodeHarness.create(new AddNode(), Map.of("addend", 0.5), List.of());
        add.dataInput("1.5");
        add.appendDataSummary(sb);
        assertEquals("2", sb.toString());
    }
}
