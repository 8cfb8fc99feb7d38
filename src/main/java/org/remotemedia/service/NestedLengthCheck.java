package org.remotemedia.service;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;

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
 * samples) is skipped, not read. Stateless and thread-safe.
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
        new Walk(b).message(b.position(), b.limit(), type, 0);
    }

    /** One walk over one buffer; {@code pos} is the read position, absolute in the buffer. */
    private static final class Walk {
        private final ByteBuffer b;
        private int pos;

        Walk(ByteBuffer b) {
            this.b = b;
        }

        /** The fields of a message of {@code type} (null: unknown, not descended into) in [from, end). */
        void message(int from, int end, Descriptor type, int depth) throws InvalidProtocolBufferException {
            if (depth > MAX_DEPTH) {
                throw malformed("messages nested more than " + MAX_DEPTH + " deep");
            }
            pos = from;
            while (pos < end) {
                int tag = varint32(end);
                int number = tag >>> 3;
                int wireType = tag & 7;
                if (number == 0) {
                    throw malformed("field number 0 at byte " + (pos - 1));
                }
                switch (wireType) {
                    case VARINT -> varint64(end);
                    case FIXED64 -> skip(8, end);
                    case FIXED32 -> skip(4, end);
                    case LENGTH_DELIMITED -> {
                        int length = varint32(end);
                        if (length < 0 || length > end - pos) {
                            throw malformed("field " + number + " declares " + Integer.toUnsignedLong(length)
                                    + " bytes where " + (end - pos) + " remain");
                        }
                        int next = pos + length;
                        FieldDescriptor f = type == null ? null : type.findFieldByNumber(number);
                        if (f != null && f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                            message(pos, next, f.getMessageType(), depth + 1);
                        }
                        pos = next;
                    }
                    case START_GROUP -> group(end, depth + 1);
                    case END_GROUP -> {
                        return; // protobuf ends this message here (and refuses the end tag)
                    }
                    default -> throw malformed("wire type " + wireType + " of field " + number);
                }
            }
        }

        /** A group's fields up to its end tag (or the end); protobuf skips them as unknown fields. */
        private void group(int end, int depth) throws InvalidProtocolBufferException {
            message(pos, end, null, depth);
        }

        private void skip(int n, int end) throws InvalidProtocolBufferException {
            if (n > end - pos) {
                throw malformed("a fixed-width field runs past the end");
            }
            pos += n;
        }

        /** Low 32 bits of a varint of up to 10 bytes, as protobuf's readRawVarint32 reads it. */
        private int varint32(int end) throws InvalidProtocolBufferException {
            return (int) varint64(end);
        }

        private long varint64(int end) throws InvalidProtocolBufferException {
            long value = 0;
            for (int shift = 0; shift < 70; shift += 7) {
                if (pos >= end) {
                    throw malformed("a varint runs past the end");
                }
                byte x = b.get(pos++);
                value |= (long) (x & 0x7F) << shift;
                if (x >= 0) {
                    return value;
                }
            }
            throw malformed("a varint longer than 10 bytes");
        }

        private static InvalidProtocolBufferException malformed(String what) {
            return new InvalidProtocolBufferException("malformed protobuf: " + what);
        }
    }
}
