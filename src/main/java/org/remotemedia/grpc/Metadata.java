package org.remotemedia.grpc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * gRPC metadata: an ordered list of (key, value) pairs. Keys are lower-case
 * ({@code [0-9a-z_.-]}); a key ending in {@code -bin} carries bytes (base64 on the wire),
 * any other key carries printable ASCII. Duplicate keys keep their order.
 *
 * <p>Not thread-safe: built by one thread, then handed over (request headers are complete
 * before the handler sees them; response metadata belongs to the caller until sent).
 */
public final class Metadata {
    public static final String BINARY_SUFFIX = "-bin";

    private String[] keys;
    private Object[] values; // String or byte[]
    private int size;

    public Metadata() {
        this(4);
    }

    public Metadata(int expected) {
        keys = new String[Math.max(1, expected)];
        values = new Object[keys.length];
    }

    public static boolean isBinaryKey(CharSequence key) {
        int n = key.length();
        return n > 4 && key.charAt(n - 4) == '-' && key.charAt(n - 3) == 'b' && key.charAt(n - 2) == 'i'
                && key.charAt(n - 1) == 'n';
    }

    /**
     * True for a name the transport writes itself (pseudo-headers, grpc-status, grpc-message,
     * content-type, te, grpc-encoding, grpc-accept-encoding): a handler's metadata of that name is
     * dropped, so it cannot contradict the call's real status or encoding.
     */
    public static boolean isTransportKey(String key) {
        return key.startsWith(":") || switch (key) {
            case "grpc-status", "grpc-message", "content-type", "te", "grpc-encoding", "grpc-accept-encoding" -> true;
            default -> false;
        };
    }

    /** True for a legal header name: 1+ chars of 0-9 a-z _ - . (no pseudo-headers). */
    public static boolean isValidKey(CharSequence key) {
        if (key.isEmpty()) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c == '_' || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** True for a legal ASCII value: printable ASCII and space. */
    public static boolean isValidAsciiValue(CharSequence v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                return false;
            }
        }
        return true;
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public String key(int i) {
        check(i);
        return keys[i];
    }

    /** The ASCII value at {@code i}; for a binary key, its unpadded base64 form. */
    public String stringValue(int i) {
        check(i);
        Object v = values[i];
        return v instanceof byte[] b ? Base64Bin.encode(b) : (String) v;
    }

    /** The binary value at {@code i}; for an ASCII key, its bytes. The array is shared: do not modify. */
    public byte[] binaryValue(int i) {
        check(i);
        Object v = values[i];
        return v instanceof byte[] b ? b : ((String) v).getBytes(StandardCharsets.US_ASCII);
    }

    public boolean isBinary(int i) {
        check(i);
        return values[i] instanceof byte[];
    }

    /** Adds an ASCII entry. */
    public Metadata put(String key, String value) {
        if (!isValidKey(key) || isBinaryKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key
                    + "': must be 1+ chars of 0-9 a-z _ - . and, for an ASCII value, must not end in -bin");
        }
        if (!isValidAsciiValue(value)) {
            throw new IllegalArgumentException("metadata '" + key
                    + "': an ASCII value must be printable ASCII (0x20-0x7E); use a -bin key for bytes");
        }
        add(key, value);
        return this;
    }

    /** Adds a binary entry; the key must end in -bin. The array is kept, not copied. */
    public Metadata putBinary(String key, byte[] value) {
        if (!isValidKey(key) || !isBinaryKey(key)) {
            throw new IllegalArgumentException("metadata key '" + key
                    + "': a binary value needs a key of 0-9 a-z _ - . ending in -bin");
        }
        add(key, value);
        return this;
    }

    /** Adds without validation: for the transport, which has validated already. */
    public void addTrusted(String key, Object value) {
        add(key, value);
    }

    private void add(String key, Object value) {
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2);
            values = Arrays.copyOf(values, size * 2);
        }
        keys[size] = key;
        values[size] = value;
        size++;
    }

    /** The last ASCII value of {@code key}, or null. */
    public String get(String key) {
        for (int i = size - 1; i >= 0; i--) {
            if (keys[i].equals(key)) {
                return stringValue(i);
            }
        }
        return null;
    }

    /** The last binary value of a {@code -bin} key, or null. */
    public byte[] getBinary(String key) {
        for (int i = size - 1; i >= 0; i--) {
            if (keys[i].equals(key)) {
                return binaryValue(i);
            }
        }
        return null;
    }

    /** Every ASCII value of {@code key}, in order. */
    public List<String> getAll(String key) {
        List<String> out = new ArrayList<>(2);
        for (int i = 0; i < size; i++) {
            if (keys[i].equals(key)) {
                out.add(stringValue(i));
            }
        }
        return out;
    }

    /** Every binary value of {@code key}, in order. */
    public List<byte[]> getAllBinary(String key) {
        List<byte[]> out = new ArrayList<>(2);
        for (int i = 0; i < size; i++) {
            if (keys[i].equals(key)) {
                out.add(binaryValue(i));
            }
        }
        return out;
    }

    public boolean containsKey(String key) {
        for (int i = 0; i < size; i++) {
            if (keys[i].equals(key)) {
                return true;
            }
        }
        return false;
    }

    private void check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Metadata{");
        for (int i = 0; i < size; i++) {
            sb.append(i == 0 ? "" : ", ").append(keys[i]).append('=').append(stringValue(i));
        }
        return sb.append('}').toString();
    }
}
