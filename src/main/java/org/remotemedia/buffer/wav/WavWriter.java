package org.remotemedia.buffer.wav;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.DirectBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * Writes interleaved audio as a WAV file: F32 as IEEE float 32, I16 as PCM 16, I32 as PCM 32,
 * or (on request) I32 as PCM 24 (rounded to nearest, clipped). More than two channels use
 * WAVE_FORMAT_EXTENSIBLE, as the format's spec asks.
 *
 * <p>Stateless; safe from any thread.
 */
public final class WavWriter {
    private static final int HEADER_PLAIN = 44;
    private static final int HEADER_EXTENSIBLE = 68;

    private WavWriter() {
    }

    /** Writes in the samples' own format (16-bit PCM, 32-bit PCM or 32-bit float). */
    public static void write(Path file, DirectBuffer samples, int offset, int frames, int channels, int sampleRate,
                             SampleFormat format) throws IOException {
        write(file, samples, offset, frames, channels, sampleRate, format, format == SampleFormat.I16 ? 16 : 32);
    }

    /**
     * @param bits 16 for I16, 24 or 32 for I32, 32 for F32
     */
    public static void write(Path file, DirectBuffer samples, int offset, int frames, int channels, int sampleRate,
                             SampleFormat format, int bits) throws IOException {
        boolean ok = switch (format) {
            case I16 -> bits == 16;
            case I32 -> bits == 24 || bits == 32;
            case F32 -> bits == 32;
        };
        if (!ok) {
            throw new IllegalArgumentException("cannot write " + format + " samples as " + bits + "-bit");
        }
        int bytesPerSample = bits / 8;
        long dataBytes = (long) frames * channels * bytesPerSample;
        boolean extensible = channels > 2;
        int header = extensible ? HEADER_EXTENSIBLE : HEADER_PLAIN;
        if (dataBytes + header > 0xFFFFFFFFL - 8 || dataBytes + header > Integer.MAX_VALUE) {
            throw new IOException("audio of " + dataBytes + " bytes is too large for a WAV file");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) (header + dataBytes + (dataBytes & 1)))
                .order(ByteOrder.LITTLE_ENDIAN);
        int tag = format == SampleFormat.F32 ? WavReader.FORMAT_FLOAT : WavReader.FORMAT_PCM;
        putFourCc(out, "RIFF");
        out.putInt((int) (out.capacity() - 8));
        putFourCc(out, "WAVE");
        putFourCc(out, "fmt ");
        out.putInt(extensible ? 40 : 16);
        out.putShort((short) (extensible ? WavReader.FORMAT_EXTENSIBLE : tag));
        out.putShort((short) channels);
        out.putInt(sampleRate);
        out.putInt(sampleRate * channels * bytesPerSample);
        out.putShort((short) (channels * bytesPerSample));
        out.putShort((short) bits);
        if (extensible) {
            out.putShort((short) 22);
            out.putShort((short) bits); // valid bits
            out.putInt(0); // channel mask: unspecified
            // subformat GUID: tag followed by the fixed KSDATAFORMAT suffix
            out.putShort((short) tag);
            out.put(new byte[] {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, (byte) 0x80, 0x00, 0x00, (byte) 0xAA, 0x00,
                0x38, (byte) 0x9B, 0x71});
        }
        putFourCc(out, "data");
        out.putInt((int) dataBytes);
        int count = frames * channels;
        if (bits == 24) {
            for (int i = 0; i < count; i++) {
                long v = samples.getInt(offset + i * 4, ByteOrder.LITTLE_ENDIAN);
                long r = Math.min(0x7FFFFF, (v + 128) >> 8); // round to nearest, clip at full scale
                out.put((byte) r).put((byte) (r >> 8)).put((byte) (r >> 16));
            }
        } else {
            samples.getBytes(offset, out, count * bytesPerSample); // advances out's position
        }
        if ((dataBytes & 1) != 0) {
            out.put((byte) 0);
        }
        out.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (out.hasRemaining()) {
                ch.write(out);
            }
        }
    }

    private static void putFourCc(ByteBuffer out, String s) {
        for (int i = 0; i < 4; i++) {
            out.put((byte) s.charAt(i));
        }
    }
}
