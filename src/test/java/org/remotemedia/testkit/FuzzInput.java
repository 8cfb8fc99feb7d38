package org.remotemedia.testkit;

import java.nio.charset.StandardCharsets;

/**
 * Decisions and data drawn from a fuzzer's byte input. Choices come from the end of the input
 * and payload bytes from the front (as libFuzzer's FuzzedDataProvider does), so a mutation of
 * the payload keeps the choices and the other way round. Past the end every choice is 0 and
 * every payload empty: any byte string is a valid input, which keeps replay of seeds and
 * regression inputs deterministic without Jazzer's native data provider.
 *
 * <p>Not thread-safe; one per input.
 */
public final class FuzzInput {
    private final byte[] data;
    private int front;
    private int back;

    public FuzzInput(byte[] data) {
        this.data = data;
        this.back = data.length;
    }

    public int remaining() {
        return back - front;
    }

    /** One choice byte, 0..255 (0 once the input is used up). */
    public int u8() {
        return back > front ? data[--back] & 0xFF : 0;
    }

    /** A choice in [0, bound) from one or two bytes. */
    public int below(int bound) {
        if (bound <= 1) {
            return 0;
        }
        int v = bound <= 256 ? u8() : u8() << 8 | u8();
        return v % bound;
    }

    public boolean bool() {
        return (u8() & 1) != 0;
    }

    /** Up to {@code max} payload bytes from the front, as many as the next choice says. */
    public byte[] bytes(int max) {
        int n = Math.min(below(max + 1), remaining());
        byte[] out = new byte[n];
        System.arraycopy(data, front, out, 0, n);
        front += n;
        return out;
    }

    /** Exactly {@code n} payload bytes (fewer if the input ends). */
    public byte[] take(int n) {
        int k = Math.min(n, remaining());
        byte[] out = new byte[k];
        System.arraycopy(data, front, out, 0, k);
        front += k;
        return out;
    }

    /** A string of up to {@code max} bytes read as ISO-8859-1 (every byte one char, 0..255). */
    public String latin1(int max) {
        return new String(bytes(max), StandardCharsets.ISO_8859_1);
    }

    /** All payload bytes not used yet. */
    public byte[] rest() {
        return take(remaining());
    }
}
