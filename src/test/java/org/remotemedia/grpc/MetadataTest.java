package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class MetadataTest {
    @Test
    void asciiAndBinary() {
        Metadata m = new Metadata(1)
                .put("authorization", "Bearer abc")
                .putBinary("trace-bin", new byte[] {0, 1, 2, (byte) 255})
                .put("x-dup", "1").put("x-dup", "2");
        assertEquals("Bearer abc", m.get("authorization"));
        assertArrayEquals(new byte[] {0, 1, 2, (byte) 255}, m.getBinary("trace-bin"));
        assertEquals("AAEC/w", m.get("trace-bin"));
        assertEquals(List.of("1", "2"), m.getAll("x-dup"));
        assertEquals("2", m.get("x-dup"));
        assertTrue(m.isBinary(1));
        assertEquals(4, m.size());
    }

    @Test
    void namesTheTransportWritesItselfAreRecognised() {
        for (String k : List.of(":status", "grpc-status", "grpc-message", "content-type", "te", "grpc-encoding",
                "grpc-accept-encoding")) {
            assertTrue(Metadata.isTransportKey(k), k);
        }
        for (String k : List.of("grpc-status-details-bin", "x-request-id", "grpc-statusx", "tee", "authorization")) {
            assertFalse(Metadata.isTransportKey(k), k);
        }
    }

    @Test
    void rejectsBadKeysAndValues() {
        Metadata m = new Metadata();
        assertThrows(IllegalArgumentException.class, () -> m.put("Upper", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.put("", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.put("a-bin", "x"));
        assertThrows(IllegalArgumentException.class, () -> m.put("a", "line\nbreak"));
        assertThrows(IllegalArgumentException.class, () -> m.putBinary("a", new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> m.put(":path", "x"));
    }
}
