package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GrpcTimeoutTest {
    @Test
    void everyUnit() {
        assertEquals(2L * 3_600_000_000_000L, GrpcTimeout.parseNanos("2H"));
        assertEquals(3L * 60_000_000_000L, GrpcTimeout.parseNanos("3M"));
        assertEquals(4_000_000_000L, GrpcTimeout.parseNanos("4S"));
        assertEquals(5_000_000L, GrpcTimeout.parseNanos("5m"));
        assertEquals(6_000L, GrpcTimeout.parseNanos("6u"));
        assertEquals(7L, GrpcTimeout.parseNanos("7n"));
        assertEquals(99_999_999L, GrpcTimeout.parseNanos("99999999n"));
        assertEquals(0L, GrpcTimeout.parseNanos("0m"));
        assertEquals(1_000_000L, GrpcTimeout.parseNanos("00000001m"));
    }

    @Test
    void largestHoursSaturate() {
        assertEquals(Long.MAX_VALUE, GrpcTimeout.parseNanos("99999999H"));
        assertEquals(99_999_999L * 60_000_000_000L, GrpcTimeout.parseNanos("99999999M"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "S", "1", "-1S", "+1S", "1s", "1h", "1 S", " 1S", "1S ", "123456789S", "1.5S",
        "1SS", "abcS", "1x", "1\u00b5", "0x10S", "999999999m"})
    void invalidForms(String s) {
        assertEquals(GrpcTimeout.INVALID, GrpcTimeout.parseNanos(s), s);
    }

    @Test
    void nullIsInvalid() {
        assertEquals(GrpcTimeout.INVALID, GrpcTimeout.parseNanos(null));
    }

    @Test
    void formatRoundsUpAndRoundTrips() {
        assertEquals("1n", GrpcTimeout.format(1));
        assertEquals("99999999n", GrpcTimeout.format(99_999_999));
        assertEquals("100000u", GrpcTimeout.format(100_000_000));
        assertEquals("100001u", GrpcTimeout.format(100_000_001));
        for (long n : new long[] {1, 999, 123_456_789, 5_000_000_000L, 3_600_000_000_000L * 50}) {
            long back = GrpcTimeout.parseNanos(GrpcTimeout.format(n));
            org.junit.jupiter.api.Assertions.assertTrue(back >= n, n + " -> " + back);
        }
    }
}
