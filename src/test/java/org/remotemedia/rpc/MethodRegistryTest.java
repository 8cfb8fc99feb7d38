package org.remotemedia.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class MethodRegistryTest {
    private static final UnaryHandler U = (call, req) -> { };
    private static final StreamingHandler S = call -> CallListener.NOOP;

    @Test
    void lookupByFullPath() {
        MethodRegistry r = MethodRegistry.builder()
                .unary("/a.B/C", U).serverStreaming("/a.B/D", U).clientStreaming("/x.Y/Z", S).bidiStreaming("/x.Y/W", S)
                .build();
        assertEquals(MethodKind.UNARY, r.lookup("/a.B/C").kind());
        assertEquals(MethodKind.BIDI_STREAMING, r.lookup("/x.Y/W").kind());
        assertNull(r.lookup("/a.B/c"), "paths are case-sensitive");
        assertNull(r.lookup("a.B/C"));
        assertTrue(r.hasService("a.B"));
        assertFalse(r.hasService("a.b"));
        assertEquals(Set.of("a.B", "x.Y"), r.services());
        assertEquals("a.B/C", r.lookup("/a.B/C").metricName());
    }

    @Test
    void rejectsMalformedPathsDuplicatesAndWrongHandlerShapes() {
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.builder().unary("a.B/C", U));
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.builder().unary("/a.B/", U));
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.builder().unary("//C", U));
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.builder().unary("/a/B/C", U));
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.builder().unary("/a.B/C", U).unary("/a.B/C", U));
        assertThrows(IllegalArgumentException.class, () -> MethodRegistry.builder().add("/a.B/C", MethodKind.UNARY, S));
        assertThrows(IllegalArgumentException.class,
                () -> MethodRegistry.builder().add("/a.B/C", MethodKind.BIDI_STREAMING, U));
    }
}
