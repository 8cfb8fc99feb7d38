package org.remotemedia.grpc;

import java.util.Base64;

/**
 * Base64 of {@code -bin} metadata values (RFC 4648 section 4): decoding accepts padded and
 * unpadded input, encoding emits unpadded output, as PROTOCOL-HTTP2.md asks. A header that
 * carries several values joined by "," is split before decoding. Stateless.
 */
public final class Base64Bin {
    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();
    private static final byte[] DECODE = new byte[128];

    static {
        java.util.Arrays.fill(DECODE, (byte) -1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        for (int i = 0; i < alphabet.length(); i++) {
            DECODE[alphabet.charAt(i)] = (byte) i;
        }
    }

    private Base64Bin() {
    }

    public static String encode(byte[] value) {
        return ENCODER.encodeToString(value);
    }

    /**
     * Decodes one value; returns null when {@code s} is not base64 (a bad character, a length
     * of 4k+1, or padding in the wrong place); non-zero trailing bits are tolerated.
     */
    public static byte[] decode(CharSequence s, int from, int to) {
        int end = to;
        // strip at most two '=' of padding; padded input must then be a multiple of 4
        int pad = 0;
        while (end > from && s.charAt(end - 1) == '=' && pad < 2) {
            end--;
            pad++;
        }
        int n = end - from;
        if (pad > 0 && (n + pad) % 4 != 0) {
            return null;
        }
        if (n % 4 == 1) {
            return null;
        }
        byte[] out = new byte[n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1)];
        int o = 0;
        int acc = 0;
        int bits = 0;
        for (int i = from; i < end; i++) {
            char c = s.charAt(i);
            int v = c < 128 ? DECODE[c] : -1;
            if (v < 0) {
                return null;
            }
            acc = acc << 6 | v;
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                out[o++] = (byte) (acc >>> bits);
                acc &= (1 << bits) - 1;
            }
        }
        return out;
    }

    public static byte[] decode(CharSequence s) {
        return decode(s, 0, s.length());
    }
}
