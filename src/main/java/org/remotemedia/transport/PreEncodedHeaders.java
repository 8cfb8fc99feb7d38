package org.remotemedia.transport;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.DefaultHttp2Headers;

/**
 * A header list that carries its own HPACK encoding ({@link HpackLiterals}), so
 * {@link PreEncodedHeaderWriter} writes it without running netty's encoder: at saturation that
 * encoder's table lookups were the largest single cost of answering a small call. A constant
 * list is encoded once ({@link #seal()}); a per-call copy ({@link #plus}) adds one header whose
 * value is written as a literal when the frame is written (the echoed x-request-id).
 *
 * <p>Threads: a constant list is filled and sealed by one thread before it is published
 * (through a final static field), then read-only and shared by every event loop; a per-call
 * copy belongs to its stream's event loop. Nothing may call a mutator after sealing: the
 * encoding would no longer match the headers.
 */
final class PreEncodedHeaders extends DefaultHttp2Headers {
    private byte[] block;
    private long listSize;
    private HpackLiterals.Name lastName;
    private CharSequence lastValue;

    PreEncodedHeaders(int sizeHint) {
        super(false, sizeHint);
    }

    /** Encodes the headers as they are now; returns this. */
    PreEncodedHeaders seal() {
        block = HpackLiterals.withoutIndexing(this);
        listSize = HpackLiterals.listSize(this);
        return this;
    }

    /** A copy of these sealed headers plus {@code name: value}, last. */
    PreEncodedHeaders plus(HpackLiterals.Name name, CharSequence value) {
        PreEncodedHeaders h = new PreEncodedHeaders(size() + 1);
        h.add(this);
        h.add(name.name(), value);
        h.block = block;
        h.listSize = listSize + name.name().length() + value.length() + 32;
        h.lastName = name;
        h.lastValue = value;
        return h;
    }

    /** Bytes {@link #writeBlock} writes. */
    int blockLength() {
        return lastName == null ? block.length
                : block.length + lastName.encoded().length + HpackLiterals.valueLength(lastValue);
    }

    void writeBlock(ByteBuf out) {
        out.writeBytes(block);
        if (lastName != null) {
            out.writeBytes(lastName.encoded());
            HpackLiterals.writeValue(out, lastValue);
        }
    }

    /** The header-list size that SETTINGS_MAX_HEADER_LIST_SIZE limits. */
    long listSize() {
        return listSize;
    }
}
