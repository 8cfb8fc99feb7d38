package org.remotemedia.service;

import java.nio.ByteBuffer;

/**
 * Reads the common shape of an encoded {@code ExecuteRequest} without building protobuf's object
 * tree: where the manifest's bytes are (so the plan cache can be asked by bytes before anything
 * is parsed), the audio inputs as offsets into the buffer, the resource limits and the client
 * version. Anything outside that shape returns null and the caller parses the request with
 * protobuf, which then decides (and words any error):
 * <ul>
 *   <li>a field number, wire type or encoding protobuf would skip, merge or overwrite: unknown
 *       fields, a field given twice, a map key given twice, a map entry without key or value;</li>
 *   <li>{@code data_inputs}; text that is not ASCII (protobuf checks UTF-8);</li>
 *   <li>varints longer than protobuf's 32- or 64-bit reads would take here, malformed lengths.</li>
 * </ul>
 * The manifest's own bytes are not checked here: they are used only when they equal an encoding
 * protobuf accepted before (PlanCache). So when this reader accepts a request whose manifest
 * bytes are valid, protobuf would have parsed it to the same values (RequestParseFuzzer checks
 * that on every input it fuzzes).
 *
 * <p>Stateless; a {@link Fields} is used by one thread at a time (each read starts it afresh).
 */
public final class ExecuteRequestReader {
    /** More audio inputs than this: protobuf's parse (a request this wide is not the common case). */
    public static final int MAX_AUDIO_INPUTS = 8;

    private static final int VARINT = 0;
    private static final int LEN = 2;

    private ExecuteRequestReader() {
    }

    /** What a request of the common shape holds; offsets are absolute indices in the buffer read. */
    public static final class Fields {
        /** 1: the {@code manifest} message, 6: {@code manifest_json} text, 0: neither given. */
        public int manifestField;
        public int manifestOffset;
        public int manifestLength;
        public String clientVersion = "";
        /** The last client_version read into these fields (kept across reads, to reuse its String). */
        String lastClientVersion;
        public boolean hasLimits;
        public long maxMemoryBytes;
        public long maxTimeoutMs;
        public long maxAudioSamples;
        public int audioCount;
        public final String[] audioKeys = new String[MAX_AUDIO_INPUTS];
        public final int[] samplesOffset = new int[MAX_AUDIO_INPUTS];
        public final int[] samplesLength = new int[MAX_AUDIO_INPUTS];
        public final long[] sampleRate = new long[MAX_AUDIO_INPUTS];
        public final int[] channels = new int[MAX_AUDIO_INPUTS];
        public final int[] format = new int[MAX_AUDIO_INPUTS];
        public final long[] numSamples = new long[MAX_AUDIO_INPUTS];
    }

    /**
     * Reads {@code b} from its position to its limit into {@code f}. False: not the common shape
     * (or not valid), parse it with protobuf instead; {@code f} then holds nothing of use.
     */
    public static boolean read(ByteBuffer b, Fields f) {
        f.manifestField = 0;
        f.manifestOffset = 0;
        f.manifestLength = 0;
        f.clientVersion = "";
        f.hasLimits = false;
        f.maxMemoryBytes = 0;
        f.maxTimeoutMs = 0;
        f.maxAudioSamples = 0;
        f.audioCount = 0;
        Cursor c = new Cursor(b, b.position(), b.limit());
        int seen = 0; // bit n: field n given
        while (c.pos < c.end) {
            int field = c.field(6);
            if (field < 0 || field == 3 || (field != 2 && (seen & 1 << field) != 0) || c.wire != LEN) {
                return false; // unknown, data_inputs, given twice (protobuf merges or keeps the last), or not LEN
            }
            seen |= 1 << field;
            int len = c.length();
            if (len < 0) {
                return false;
            }
            int start = c.pos;
            c.pos += len;
            switch (field) {
                case 1, 6 -> {
                    if (f.manifestField != 0 && (field == 1 || len > 0)) {
                        return false; // both given: protobuf's path words the error
                    }
                    if (field == 1 || len > 0) { // an empty manifest_json means "not set"
                        f.manifestField = field;
                        f.manifestOffset = start;
                        f.manifestLength = len;
                    }
                }
                case 2 -> {
                    if (!audioEntry(b, start, start + len, f)) {
                        return false;
                    }
                }
                case 4 -> {
                    if (!limits(b, start, start + len, f)) {
                        return false;
                    }
                }
                default -> { // 5: client_version
                    String v = ascii(b, start, len, f.lastClientVersion);
                    if (v == null) {
                        return false;
                    }
                    f.clientVersion = v;
                    f.lastClientVersion = v;
                }
            }
        }
        return c.pos == c.end;
    }

    /** One {@code audio_inputs} map entry: key (1), AudioBuffer (2), each exactly once. */
    private static boolean audioEntry(ByteBuffer b, int from, int to, Fields f) {
        if (f.audioCount == MAX_AUDIO_INPUTS) {
            return false;
        }
        int i = f.audioCount;
        Cursor c = new Cursor(b, from, to);
        String key = null;
        int valueFrom = -1;
        int valueTo = -1;
        while (c.pos < c.end) {
            int field = c.field(2);
            if (field < 0 || c.wire != LEN) {
                return false;
            }
            if (field == 1 && key == null) {
                int len = c.length();
                if (len < 0 || (key = ascii(b, c.pos, len, f.audioKeys[i])) == null) {
                    return false;
                }
                c.pos += len;
            } else if (field == 2 && valueFrom < 0) {
                int len = c.length();
                if (len < 0) {
                    return false;
                }
                valueFrom = c.pos;
                valueTo = c.pos += len;
            } else {
                return false;
            }
        }
        if (c.pos != c.end || key == null || valueFrom < 0) {
            return false;
        }
        for (int k = 0; k < i; k++) {
            if (f.audioKeys[k].equals(key)) {
                return false; // protobuf keeps the last entry of a key
            }
        }
        f.audioKeys[i] = key;
        f.samplesOffset[i] = valueFrom; // no samples field: empty, at the value's start
        f.samplesLength[i] = 0;
        f.sampleRate[i] = 0;
        f.channels[i] = 0;
        f.format[i] = 0;
        f.numSamples[i] = 0;
        if (!audioBuffer(b, valueFrom, valueTo, f, i)) {
            return false;
        }
        f.audioCount = i + 1;
        return true;
    }

    /** An AudioBuffer: samples (1, bytes), sample_rate (2), channels (3), format (4), num_samples (5), each at most once. */
    private static boolean audioBuffer(ByteBuffer b, int from, int to, Fields f, int i) {
        Cursor c = new Cursor(b, from, to);
        int seen = 0;
        while (c.pos < c.end) {
            int field = c.field(5);
            if (field < 0 || (seen & 1 << field) != 0 || c.wire != (field == 1 ? LEN : VARINT)) {
                return false;
            }
            seen |= 1 << field;
            if (field == 1) {
                int len = c.length();
                if (len < 0) {
                    return false;
                }
                f.samplesOffset[i] = c.pos;
                f.samplesLength[i] = len;
                c.pos += len;
                continue;
            }
            long v = c.varint(field == 5 ? 9 : 5); // protobuf reads 2-4 as 32 bits (the low 32 kept), 5 as 64
            if (v < 0) {
                return false;
            }
            switch (field) {
                case 2 -> f.sampleRate[i] = v & 0xFFFF_FFFFL;
                case 3 -> f.channels[i] = (int) v;
                case 4 -> f.format[i] = (int) v;
                default -> f.numSamples[i] = v;
            }
        }
        return c.pos == c.end;
    }

    /** ResourceLimits: three uint64 fields, each at most once. */
    private static boolean limits(ByteBuffer b, int from, int to, Fields f) {
        Cursor c = new Cursor(b, from, to);
        int seen = 0;
        f.hasLimits = true;
        while (c.pos < c.end) {
            int field = c.field(3);
            if (field < 0 || (seen & 1 << field) != 0 || c.wire != VARINT) {
                return false;
            }
            seen |= 1 << field;
            long v = c.varint(9);
            if (v < 0) {
                return false; // 2^63 and above ("as much as allowed") take protobuf's path
            }
            switch (field) {
                case 1 -> f.maxMemoryBytes = v;
                case 2 -> f.maxTimeoutMs = v;
                default -> f.maxAudioSamples = v;
            }
        }
        return c.pos == c.end;
    }

    /**
     * The bytes as a String when every one is ASCII (then valid UTF-8 and the same text); else
     * null. {@code previous} (the same field's text in this thread's last request) is returned
     * when the bytes spell it, so a client that repeats itself costs no String.
     */
    private static String ascii(ByteBuffer b, int from, int len, String previous) {
        if (len == 0) {
            return "";
        }
        boolean same = previous != null && previous.length() == len;
        for (int k = 0; k < len; k++) {
            byte x = b.get(from + k);
            if (x < 0) {
                return null;
            }
            same = same && previous.charAt(k) == x;
        }
        if (same) {
            return previous;
        }
        byte[] chars = new byte[len];
        b.get(from, chars);
        return new String(chars, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** A read position within [pos, end) of the buffer; fails (negative) rather than throws. */
    private static final class Cursor {
        private final ByteBuffer b;
        int pos;
        final int end;
        /** The wire type of the tag {@link #field} read last. */
        int wire;

        Cursor(ByteBuffer b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        /**
         * A varint of at most {@code maxBytes} (&lt;= 9) bytes, so never negative; -1 when it runs
         * past the end or is longer.
         */
        long varint(int maxBytes) {
            long v = 0;
            for (int k = 0; k < maxBytes; k++) {
                if (pos >= end) {
                    return -1;
                }
                int x = b.get(pos++);
                v |= (long) (x & 0x7F) << (7 * k);
                if (x >= 0) {
                    return v;
                }
            }
            return -1;
        }

        /** The next tag's field number (its wire type in {@link #wire}); -1 when malformed or above {@code maxField}. */
        int field(int maxField) {
            long tag = varint(5);
            if (tag < 0) {
                return -1;
            }
            long field = tag >>> 3;
            wire = (int) tag & 7;
            return field < 1 || field > maxField ? -1 : (int) field;
        }

        /** A length that fits before the end; -1 otherwise. */
        int length() {
            long len = varint(5);
            return len < 0 || len > end - pos ? -1 : (int) len;
        }
    }
}
