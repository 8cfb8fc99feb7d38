package org.remotemedia.transport;

/**
 * Strings for header names and values that repeat on a connection. HPACK hands the decoder
 * the same {@code AsciiString} instance for every request that refers to the same dynamic
 * table entry (user-agent, the method path, custom metadata a client sends on every call), so
 * an identity-keyed cache turns the per-call {@code toString()} copy into an array read.
 * Direct-mapped and small: a miss just converts and overwrites the slot.
 *
 * <p>Threads: one per connection, used only on its event loop.
 */
final class HeaderStringCache {
    private static final int SLOTS = 16; // a power of two
    private final CharSequence[] keys = new CharSequence[SLOTS];
    private final String[] strings = new String[SLOTS];

    /** {@code s.toString()}, from the cache when {@code s} is the same instance as before. */
    String toString(CharSequence s) {
        int i = System.identityHashCode(s) & (SLOTS - 1);
        if (keys[i] == s) {
            return strings[i];
        }
        String v = s.toString();
        keys[i] = s;
        strings[i] = v;
        return v;
    }
}
