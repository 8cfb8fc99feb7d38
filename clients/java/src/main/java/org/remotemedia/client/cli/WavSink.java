package org.remotemedia.client.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.remotemedia.client.Audio;
import org.remotemedia.client.SampleFormat;

/**
 * A WAV file written as audio arrives (float 32 for f32, PCM 16 / 32 for i16 / i32): the header's
 * sizes are filled in at {@link #close()}, so a long stream's output never sits in memory.
 *
 * <p>Not thread-safe.
 */
final class WavSink implements Closeable {
    private final RandomAccessFile file;
    private int sampleRate;
    private int channels;
    private SampleFormat format;
    private long dataBytes;

    WavSink(Path path) throws IOException {
        file = new RandomAccessFile(path.toFile(), "rw");
        file.setLength(0);
        file.write(new byte[44]); // header, written at close
    }

    void append(Audio a) throws IOException {
        if (format == null) {
            sampleRate = a.sampleRate();
            channels = a.channels();
            format = a.format();
        } else if (a.sampleRate() != sampleRate || a.channels() != channels || a.format() != format) {
            throw new IOException("the output changed from " + sampleRate + " Hz " + channels + " ch " + format + " to "
                    + a.sampleRate() + " Hz " + a.channels() + " ch " + a.format() + " mid-stream");
        }
        byte[] b = a.bytes().toByteArray();
        file.write(b);
        dataBytes += b.length;
    }

    boolean isEmpty() {
        return format == null;
    }

    @Override
    public void close() throws IOException {
        SampleFormat f = format == null ? SampleFormat.F32 : format;
        int ch = Math.max(1, channels);
        int bits = f.bytesPerSample() * 8;
        ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x46464952).putInt((int) Math.min(0xFFFFFFFFL, 36 + dataBytes)).putInt(0x45564157);
        h.putInt(0x20746d66).putInt(16).putShort((short) (f == SampleFormat.F32 ? 3 : 1)).putShort((short) ch)
                .putInt(sampleRate).putInt(sampleRate * ch * bits / 8).putShort((short) (ch * bits / 8))
                .putShort((short) bits);
        h.putInt(0x61746164).putInt((int) Math.min(0xFFFFFFFFL, dataBytes));
        file.seek(0);
        file.write(h.array());
        file.close();
    }
}
