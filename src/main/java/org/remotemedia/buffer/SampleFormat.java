package org.remotemedia.buffer;

import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The contract's sample encodings: interleaved, little-endian. F32 has nominal range [-1, 1];
 * integers are full scale ({@code i16 / 32768}, {@code i32 / 2^31}), so a round trip through
 * a wider format and back is exact.
 *
 * <p>Stateless; safe from any thread. Reads and writes use absolute byte offsets into Agrona
 * buffers, so kernels decode samples in place, fused into their first loop.
 */
public enum SampleFormat {
    F32(4),
    I16(2),
    I32(4);

    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final double I16_SCALE = 32768.0;
    static final double I32_SCALE = 2147483648.0;

    private final int bytesPerSample;
    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    SampleFormat(int bytesPerSample) {
        this.bytesPerSample = bytesPerSample;
    }

    public int bytesPerSample() {
        return bytesPerSample;
    }

    /** "f32", "i16" or "i32": how manifests, metadata and logs name the format. */
    public String label() {
        return label;
    }

    /** Sample {@code index} (counted across channels) of a buffer starting at {@code offset}. */
    public double read(DirectBuffer buf, int offset, int index) {
        int at = offset + index * bytesPerSample;
        return switch (this) {
            case F32 -> buf.getFloat(at, ORDER);
            case I16 -> buf.getShort(at, ORDER) / I16_SCALE;
            case I32 -> buf.getInt(at, ORDER) / I32_SCALE;
        };
    }

    /**
     * Writes {@code value}, rounding to nearest and clipping integers to full scale.
     *
     * @return true when the value had to be clipped
     */
    public boolean write(MutableDirectBuffer buf, int offset, int index, double value) {
        int at = offset + index * bytesPerSample;
        switch (this) {
            case F32 -> {
                buf.putFloat(at, (float) value, ORDER);
                return false;
            }
            case I16 -> {
                double scaled = Math.rint(value * I16_SCALE);
                boolean clipped = scaled > Short.MAX_VALUE || scaled < Short.MIN_VALUE;
                buf.putShort(at, (short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, scaled)), ORDER);
                return clipped;
            }
            case I32 -> {
                double scaled = Math.rint(value * I32_SCALE);
                boolean clipped = scaled > Integer.MAX_VALUE || scaled < Integer.MIN_VALUE;
                buf.putInt(at, (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, scaled)), ORDER);
                return clipped;
            }
            default -> throw new AssertionError(this);
        }
    }

    /** Parses "f32" / "i16" / "i32" (any case); null when it is none of them. */
    public static SampleFormat parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "float32" -> F32;
            case "i16", "int16", "s16" -> I16;
            case "i32", "int32", "s32" -> I32;
            default -> null;
        };
    }
}
