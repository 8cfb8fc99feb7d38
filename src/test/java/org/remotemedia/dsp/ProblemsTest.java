package org.remotemedia.dsp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProblemsTest {
    @Test
    void countsEveryProblemAndListsTheFirstFiftyThroughEveryView() {
        Problems all = new Problems();
        Problems node = all.at("/nodes/3");
        for (int i = 0; i < 70; i++) {
            assertEquals(i < Problems.MAX_LISTED, all.willList());
            (i % 2 == 0 ? all : node).add("/p" + i, "problem " + i);
        }
        assertEquals(70, all.size());
        assertEquals(70, node.size(), "views share the count");
        assertEquals(Problems.MAX_LISTED, all.list().size());
        assertEquals(20, all.omitted());
        assertEquals("/nodes/3/p1", all.list().get(1).path());
        assertFalse(all.willList());
        assertTrue(new Problems().isEmpty());
    }
}
