package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Base64BinTest {
    @Test
    void paddedAndUnpaddedDecodeAlike() {
        Random r = new Random(7);
        for (int n = 0; n < 40; n++) {
            byte[] b = new byte[n];
            r.nextBytes(b);
            String padded = Base64.getEncoder().encodeToString(b);
            String unpadded = Base64.getEncoder().withoutPadding().encodeToString(b);
            assertArrayEquals(b, Base64Bin.decode(padded), padded);
            assertArrayEquals(b, Base64Bin.decode(unpadded), unpadded);
            assertEquals(unpadded, Base64Bin.encode(b));
        }
    }

    @Test
    void decodesARange() {
        assertArrayEquals(new byte[] {(byte) 0xfa, (byte) 0xce}, Base64Bin.decode("xx,+s4,yy", 3, 6));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "abcde", "ab=c", "a===", "ab$d", "ab d", "YQ=", "\u00e9abc", "ab-_"})
    void rejectsInvalid(String s) {
        assertNull(Base64Bin.decode(s), s);
    }
}
