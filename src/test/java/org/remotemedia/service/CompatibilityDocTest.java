package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** docs/compatibility.md and {@link Compatibility#MATRIX} say the same thing; the doc's examples hold. */
class CompatibilityDocTest {
    private static List<String[]> table(String heading) throws Exception {
        List<String> lines = Files.readAllLines(Path.of("docs/compatibility.md"));
        List<String[]> rows = new ArrayList<>();
        boolean in = false;
        for (String l : lines) {
            if (l.startsWith("## ")) {
                in = l.equals("## " + heading);
                continue;
            }
            if (in && l.startsWith("|") && !l.startsWith("|---")) {
                String[] cells = l.substring(1, l.length() - 1).split("\\|", -1);
                for (int i = 0; i < cells.length; i++) {
                    cells[i] = cells[i].strip();
                }
                rows.add(cells);
            }
        }
        return rows.subList(1, rows.size()); // without the header row
    }

    @Test
    void matrixInDocsEqualsMatrixInCode() throws Exception {
        List<String[]> rows = table("Matrix");
        assertEquals(Compatibility.MATRIX.size(), rows.size(), "one doc row per rule");
        for (int i = 0; i < rows.size(); i++) {
            Compatibility.Rule r = Compatibility.MATRIX.get(i);
            String[] row = rows.get(i);
            assertEquals(r.name(), row[0]);
            String majors = r.toMajor() < 0 ? r.fromMajor() + " and up"
                    : r.fromMajor() == r.toMajor() ? Integer.toString(r.fromMajor()) : r.fromMajor() + "-" + r.toMajor();
            assertEquals(majors, row[1], r.name());
            assertEquals(r.compatible() ? "yes" : "no", row[2], r.name());
            assertEquals(r.message(), row[3], r.name());
        }
    }

    @Test
    void documentedExamplesHold() throws Exception {
        List<String[]> rows = table("Examples (checked by the test)");
        assertTrue(rows.size() >= 8);
        for (String[] row : rows) {
            String v = row[0].replace("`", "");
            Compatibility.Verdict verdict = Compatibility.negotiate(v);
            assertEquals(row[1].equals("yes"), verdict.compatible(), v + ": " + verdict.message());
        }
    }

    @Test
    void verdictsExplainThemselves() {
        Compatibility.Verdict empty = Compatibility.negotiate("");
        assertTrue(empty.compatible() && empty.empty());
        Compatibility.Verdict v2 = Compatibility.negotiate("v2.1.0");
        assertFalse(v2.compatible());
        assertTrue(v2.message().contains("\"v2.1.0\"") && v2.message().contains("v1"), v2.message());
        assertEquals("v2+", v2.rule());
        assertFalse(Compatibility.negotiate("x".repeat(10_000)).message().length() > 400, "long input is clipped");
    }
}
