package org.remotemedia.grpc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The percent-encoding of {@code grpc-message} (PROTOCOL-HTTP2.md, "Status-Message"): UTF-8,
 * then every byte outside 0x20-0x7E, and '%' itself, as {@code %XX} (upper-case hex).
 * Decoding never fails: a broken escape is kept as it is, as the spec asks. Stateless.
 */
public final class PercentEncoding {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PercentEncoding() {
    }

    /** True if {@code s} goes on the wire unchanged. */
    public static boolean isPlain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7E || c == '%') {
                return false;
            }
        }
        return true;
    }

    public static String encode(String s) {
        if (isPlain(s)) {
            return s;
        }
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(utf8.length + 16);
        for (byte b : utf8) {
            int v = b & 0xFF;
            if (v >= 0x20 && v <= 0x7E && v != '%') {
                sb.append((char) v);
            } else {
                sb.append('%').append(HEX[v >>> 4]).append(HEX[v & 0xF]);
            }
        }
        return sb.toString();
    }

    public static String decode(CharSequence s) {
        boolean any = false;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '%') {
                any = true;
                break;
            }
        }
        if (!any) {
            return s.toString();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < n && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
                out.write(hex(s.charAt(i + 1)) << 4 | hex(s.charAt(i + 2)));
                i += 2;
            } else if (c < 0x80) {
                out.write(c);
            } else {
                // not allowed on the wire, but keep it rather than drop it
                int cp = Character.codePointAt(s, i);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                i += Character.charCount(cp) - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }
}
