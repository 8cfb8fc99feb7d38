package org.remotemedia.dsp.nodes;

import org.remotemedia.dsp.NodeException;

/**
 * Just enough JSON reading for the data nodes (dsp depends on no JSON library): one member of a
 * top-level object, or a string. The text has already passed the request's JSON syntax check, so
 * a malformed text only needs a clear NodeException, not a line and column.
 *
 * <p>Not thread-safe; one use.
 */
final class JsonScan {
    private final String s;
    private int i;

    JsonScan(String s) {
        this.s = s;
    }

    /**
     * The member {@code key} of the object this text is: a Double for a number, a String for a
     * string, null when absent or of another kind.
     */
    Object objectValue(String key) {
        ws();
        expect('{');
        ws();
        if (peek() == '}') {
            return null;
        }
        Object found = null;
        while (true) {
            ws();
            String k = string();
            ws();
            expect(':');
            ws();
            char c = peek();
            Object v;
            if (c == '"') {
                v = string();
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                v = numberToken();
            } else {
                skipValue();
                v = null;
            }
            if (k.equals(key)) {
                found = v;
            }
            ws();
            if (peek() == ',') {
                i++;
                continue;
            }
            expect('}');
            return found;
        }
    }

    /** A JSON string at the current position, unescaped. */
    String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '"') {
                return sb.toString();
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = i < s.length() ? s.charAt(i++) : 0;
            switch (e) {
                case 'n' -> sb.append('\n');
                case 't' -> sb.append('\t');
                case 'r' -> sb.append('\r');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'u' -> {
                    if (i + 4 > s.length()) {
                        throw bad();
                    }
                    sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> sb.append(e);
            }
        }
        throw bad();
    }

    private Double numberToken() {
        int from = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        try {
            return Double.parseDouble(s.substring(from, i));
        } catch (NumberFormatException e) {
            throw bad();
        }
    }

    private void skipValue() {
        char c = peek();
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            int depth = 0;
            do {
                char d = s.charAt(i);
                if (d == '"') {
                    string();
                    continue;
                }
                if (d == '{' || d == '[') {
                    depth++;
                } else if (d == '}' || d == ']') {
                    depth--;
                }
                i++;
            } while (depth > 0 && i < s.length());
        } else {
            while (i < s.length() && ",}] \t\r\n".indexOf(s.charAt(i)) < 0) {
                i++;
            }
        }
    }

    private void ws() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }

    private char peek() {
        if (i >= s.length()) {
            throw bad();
        }
        return s.charAt(i);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw bad();
        }
        i++;
    }

    private NodeException bad() {
        return new NodeException("the data input is not valid JSON at character " + i + "; give a JSON number"
                + " such as 5, \"5\" or {\"value\": 5}");
    }
}
