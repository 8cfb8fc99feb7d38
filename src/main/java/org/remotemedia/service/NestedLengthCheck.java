package org.remotemedia.service;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Checks, before protobuf-java parses a message in place from a direct buffer, that every
 * length-delimited field fits inside the message that holds it, descending into the fields the
 * schema declares as messages.
 *
 * <p>Why: protobuf-java's unsafe direct-buffer decoder adds a nested message's declared length to
 * the bytes read so far in an {@code int}; a length near 2^31 wraps the sum negative, the limit
 * check passes, and the decoder's end moves up to 2 GiB past the buffer, so it reads memory that
 * is not the request (found by fuzzing: an 8-byte ExecuteRequest; the JVM's bounds check in the
 * UTF-8 decoder caught it that time). Only {@code pushLimit} moves that end, and it is called
 * only for message fields, so a message whose nested lengths all fit cannot trigger it. Heap
 * parses are bounds-checked by the JVM and need no check.
 *
 * <p>Cost: one pass over the tags and lengths; the payload of bytes and string fields (audio
 * samples) is skipped, not read. Thread-safe: each check has its own cursor.
 */
final class NestedLengthCheck {
    /** protobuf-java's default recursion limit: deeper messages are refused by the parse anyway. */
    static final int MAX_DEPTH = 100;

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int START_GROUP = 3;
    private static final int END_GROUP = 4;
    private static final int FIXED32 = 5;

    private NestedLengthCheck() {
    }

    /** Checks the message of {@code type} in {@code b} from its position to its limit (absolute reads; b is not moved). */
    static void check(ByteBuffer b, Descriptor type) throws InvalidProtocolBufferException {
        message(new Bytes(b, null), 0, b.remaining(), type, 0);
    }

    /** Checks the message of {@code type} laid out over {@code buffers} (each from its position to its limit). */
    static void check(List<ByteBuffer> buffers, Descriptor type) throws InvalidProtocolBufferException {
        int length = 0;
        for (ByteBuffer b : buffers) {
            length += b.remaining();
        }
        message(new Bytes(buffers.get(0), buffers), 0, length, type, 0);
    }

    /**
     * The message's bytes by offset, over one buffer or several. Reads only move forward (the
     * walk never goes back), so a cursor finds each byte's buffer without a search.
     */
    private static final class Bytes {
        private final List<ByteBuffer> buffers; // null: the one buffer in current
        private ByteBuffer current;
        private int index;
        private int currentEnd; // offsets below this are in current...
        private int currentBase; // ...at index currentBase + offset

        Bytes(ByteBuffer first, List<ByteBuffer> buffers) {
            this.buffers = buffers;
            this.current = first;
            this.currentEnd = first.remaining();
            this.currentBase = first.position();
        }

        byte get(int offset) {
            while (offset >= currentEnd) { // the walk checked offset < length: a later buffer has it
                int start = currentEnd;
                current = buffers.get(++index);
                currentEnd = start + current.remaining();
                currentBase = current.position() - start;
            }
            return current.get(currentBase + offset);
        }
    }

    /**
     * The fields of a message of {@code type} (null: unknown, not descended into) in [pos, end);
     * returns where it stopped (end, or just after an end-group tag). Positions and varints
     * travel in return values.
     */
    private static int message(Bytes b, int pos, int end, Descriptor type, int depth)
            throws InvalidProtocolBufferException {
        if (depth > MAX_DEPTH) {
            throw malformed("messages nested more than " + MAX_DEPTH + " deep");
        }
        while (pos < end) {
            long read = varint32(b, pos, end);
            int tag = value(read);
            pos = next(read);
            int number = tag >>> 3;
            int wireType = tag & 7;
            if (number == 0) {
                throw malformed("field number 0 at byte " + (pos - 1));
            }
            switch (wireType) {
                case VARINT -> pos = skipVarint(b, pos, end);
                case FIXED64 -> pos = skip(pos, 8, end);
                case FIXED32 -> pos = skip(pos, 4, end);
                case LENGTH_DELIMITED -> {
                    read = varint32(b, pos, end);
                    int length = value(read);
                    pos = next(read);
                    if (length < 0 || length > end - pos) {
                        throw malformed("field " + number + " declares " + Integer.toUnsignedLong(length)
                                + " bytes where " + (end - pos) + " remain");
                    }
                    FieldDescriptor f = type == null ? null : type.findFieldByNumber(number);
                    if (f != null && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                        message(b, pos, pos + length, f.getMessageType(), depth + 1);
                    }
                    pos += length;
                }
                // a group's fields up to its end tag; protobuf skips them as unknown fields
                case START_GROUP -> pos = message(b, pos, end, null, depth + 1);
                case END_GROUP -> {
                    return pos; // protobuf ends this message here (and refuses the end tag)
                }
                default -> throw malformed("wire type " + wireType + " of field " + number);
            }
        }
        return pos;
    }

    private static int skip(int pos, int n, int end) throws InvalidProtocolBufferException {
        if (n > end - pos) {
            throw malformed("a fixed-width field runs past the end");
        }
        return pos + n;
    }

    /** Low 32 bits of a varint of up to 10 bytes (as protobuf's readRawVarint32) and the position after it. */
    private static long varint32(Bytes b, int pos, int end) throws InvalidProtocolBufferException {
        int value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= end) {
                throw malformed("a varint runs past the end");
            }
            byte x = b.get(pos++);
            if (shift < 32) {
                value |= (x & 0x7F) << shift;
            }
            if (x >= 0) {
                return (long) pos << 32 | (value & 0xFFFF_FFFFL);
            }
        }
        throw malformed("a varint longer than 10 bytes");
    }

    private static int skipVarint(Bytes b, int pos, int end) throws InvalidProtocolBufferException {
        return next(varint32(b, pos, end));
    }

    private static int value(long read) {
        return (int) read;
    }

    private static int next(long read) {
        return (int) (read >>> 32);
    }

    private static InvalidProtocolBufferException malformed(String what) {
        return new InvalidProtocolBufferException("malformed protobuf: " + what);
    }
}
