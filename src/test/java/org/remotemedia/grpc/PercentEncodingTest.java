package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class PercentEncodingTest {
    @Test
    void plainAsciiUnchanged() {
        String s = "deadline exceeded after 5 ms (path /a.B/C) ~!@#$^&*()";
        assertSame(s, PercentEncoding.encode(s));
    }

    @Test
    void encodesPercentControlAndUtf8() {
        assertEquals("50%25", PercentEncoding.encode("50%"));
        assertEquals("a%0Ab%0D%09", PercentEncoding.encode("a\nb\r\t"));
        assertEquals("%E2%82%AC %F0%9F%98%80", PercentEncoding.encode("\u20ac \uD83D\uDE00"));
        assertEquals("%7F", PercentEncoding.encode("\u007f"));
    }

    @Test
    void roundTrip() {
        String s = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n";
        assertEquals(s, PercentEncoding.decode(PercentEncoding.encode(s)));
    }

    @Test
    void decodesLowerCaseHexAndKeepsBrokenEscapes() {
        assertEquals("\u20ac", PercentEncoding.decode("%e2%82%ac"));
        assertEquals("100%", PercentEncoding.decode("100%"));
        assertEquals("%G1 x", PercentEncoding.decode("%G1 x"));
        assertEquals("a%2", PercentEncoding.decode("a%2"));
    }
}
