package org.remotemedia.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * docs/nodes.md carries the registry's node reference between two markers. This fails when
 * they differ; {@code scripts/test -Dtest=NodeDocsTest -Drm.docs.write=true} rewrites it.
 */
class NodeDocsTest {
    @Test
    void nodesMdMatchesTheRegistry() throws Exception {
        Path doc = Path.of("docs/nodes.md");
        String text = Files.readString(doc);
        int b = text.indexOf(NodeDocs.BEGIN);
        int e = text.indexOf(NodeDocs.END);
        assertTrue(b >= 0 && e > b, "docs/nodes.md lacks the generated-reference markers");
        String current = text.substring(b, e + NodeDocs.END.length() + 1);
        String expected = NodeDocs.reference(NodeRegistry.builtin());
        if (Boolean.getBoolean("rm.docs.write") && !current.equals(expected)) {
            Files.writeString(doc, text.substring(0, b) + expected + text.substring(e + NodeDocs.END.length() + 1));
            return;
        }
        assertEquals(expected, current, "docs/nodes.md is out of date: run scripts/test -Dtest=NodeDocsTest"
                + " -Drm.docs.write=true");
    }
}
