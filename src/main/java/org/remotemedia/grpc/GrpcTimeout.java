package org.remotemedia.grpc;

/**
 * Parses {@code grpc-timeout}: 1 to 8 ASCII digits followed by one unit, H M S m u n
 * (PROTOCOL-HTTP2.md, "Timeout"). Allocation-free; returns a code instead of throwing.
 * Stateless; any thread.
 */
public final class GrpcTimeout {
    /** Returned by {@link #parseNanos} for a value that is not of the spec's form. */
    public static final long INVALID = -1;

    /** What the spec allows, for error messages. */
    public static final String FORM =
            "1 to 8 ASCII digits followed by one unit: H (hours), M (minutes), S (seconds), "
                    + "m (milliseconds), u (microseconds), n (nanoseconds), e.g. 100m";

    private static final int MAX_DIGITS = 8;

    private GrpcTimeout() {
    }

    /**
     * The timeout in nanoseconds (saturating at Long.MAX_VALUE, which 99999999H does not reach),
     * or {@link #INVALID}. Zero is accepted and means "already expired".
     */
    public static long parseNanos(CharSequence s) {
        if (s == null) {
            return INVALID;
        }
        int n = s.length();
        if (n < 2 || n > MAX_DIGITS + 1) {
            return INVALID;
        }
        long value = 0;
        for (int i = 0; i < n - 1; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return INVALID;
            }
            value = value * 10 + (c - '0');
        }
        long unitNanos = switch (s.charAt(n - 1)) {
            case 'H' -> 3_600_000_000_000L;
            case 'M' -> 60_000_000_000L;
            case 'S' -> 1_000_000_000L;
            case 'm' -> 1_000_000L;
            case 'u' -> 1_000L;
            case 'n' -> 1L;
            default -> INVALID;
        };
        if (unitNanos == INVALID) {
            return INVALID;
        }
        // 99_999_999 * 3.6e12 = 3.6e20 overflows a long: saturate.
        return value > Long.MAX_VALUE / unitNanos ? Long.MAX_VALUE : value * unitNanos;
    }

    /**
     * The wire form of a timeout with the finest unit whose value fits in 8 digits, rounded up
     * so the peer never gets less time than asked (for clients and tests).
     */
    public static String format(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("timeout must be >= 0: " + nanos);
        }
        long[] units = {1L, 1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L, 3_600_000_000_000L};
        char[] names = {'n', 'u', 'm', 'S', 'M', 'H'};
        for (int i = 0; i < units.length; i++) {
            long v = nanos / units[i] + (nanos % units[i] == 0 ? 0 : 1);
            if (v < 100_000_000L) {
                return v + String.valueOf(names[i]);
            }
        }
        return "99999999H";
    }
}
