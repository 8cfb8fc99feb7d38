package org.remotemedia.client;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import com.google.protobuf.UnsafeByteOperations;

/**
 * A WAV file read chunk by chunk, so a long file never sits in memory: PCM 16 / 24 / 32-bit and
 * IEEE float 32 (plain or WAVE_FORMAT_EXTENSIBLE). 24-bit samples become i32 (shifted left by 8,
 * exactly). Errors are IOExceptions that name the file and what is wrong with it.
 *
 * <pre>{@code
 * try (WavReader wav = WavReader.open(Path.of("speech.wav"))) {
 *     for (Audio chunk; (chunk = wav.next(4410)) != null; ) {
 *         stream.send("resample", chunk);
 *     }
 * }
 * }</pre>
 *
 * <p>Not thread-safe.
 */
public final class WavReader implements Closeable {
    private final Path path;
    private final InputStream in;
    private final int sampleRate;
    private final int channels;
    private final int bitsPerSample;
    private final SampleFormat format;
    private final long frames;
    private long framesRead;

    private WavReader(Path path, InputStream in, int sampleRate, int channels, int bits, SampleFormat format,
                      long frames) {
        this.path = path;
        this.in = in;
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.bitsPerSample = bits;
        this.format = format;
        this.frames = frames;
    }

    /** Reads the header; the samples are read by {@link #next} / {@link #read}. */
    public static WavReader open(Path path) throws IOException {
        InputStream in = new java.io.BufferedInputStream(Files.newInputStream(path), 1 << 16);
        try {
            ByteBuffer riff = ByteBuffer.wrap(readN(in, 12, path)).order(ByteOrder.LITTLE_ENDIAN);
            if (riff.getInt(0) != 0x46464952 || riff.getInt(8) != 0x45564157) { // "RIFF", "WAVE"
                throw bad(path, "not a WAV file (no RIFF/WAVE header)");
            }
            int fmtTag = -1;
            int channels = 0;
            int rate = 0;
            int bits = 0;
            while (true) {
                ByteBuffer h = ByteBuffer.wrap(readN(in, 8, path)).order(ByteOrder.LITTLE_ENDIAN);
                int id = h.getInt(0);
                long size = h.getInt(4) & 0xFFFFFFFFL;
                if (id == 0x20746d66) { // "fmt "
                    ByteBuffer f = ByteBuffer.wrap(readN(in, (int) size, path)).order(ByteOrder.LITTLE_ENDIAN);
                    fmtTag = f.getShort(0) & 0xFFFF;
                    channels = f.getShort(2) & 0xFFFF;
                    rate = f.getInt(4);
                    bits = f.getShort(14) & 0xFFFF;
                    if (fmtTag == 0xFFFE && size >= 26) { // WAVE_FORMAT_EXTENSIBLE: the sub-format GUID's first 2 bytes
                        fmtTag = f.getShort(24) & 0xFFFF;
                    }
                    if ((size & 1) == 1) {
                        in.skipNBytes(1);
                    }
                } else if (id == 0x61746164) { // "data"
                    if (fmtTag < 0) {
                        throw bad(path, "the data chunk comes before the fmt chunk");
                    }
                    SampleFormat sf = format(path, fmtTag, bits);
                    if (channels < 1 || rate < 1) {
                        throw bad(path, "fmt says " + channels + " channels at " + rate + " Hz");
                    }
                    long frameBytes = (long) channels * (bits / 8);
                    long n = size == 0xFFFFFFFFL ? Long.MAX_VALUE : size / frameBytes; // streaming WAVs: until EOF
                    return new WavReader(path, in, rate, channels, bits, sf, n);
                } else {
                    in.skipNBytes(size + (size & 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static SampleFormat format(Path path, int tag, int bits) throws IOException {
        if (tag == 3 && bits == 32) {
            return SampleFormat.F32;
        }
        if (tag == 1 && bits == 16) {
            return SampleFormat.I16;
        }
        if (tag == 1 && (bits == 24 || bits == 32)) {
            return SampleFormat.I32;
        }
        throw bad(path, (tag == 1 ? "PCM" : tag == 3 ? "float" : "format tag " + tag) + " " + bits
                + "-bit samples are not supported; use PCM 16 / 24 / 32-bit or float 32 (e.g. sox in.wav -b 16 out.wav)");
    }

    public int sampleRate() {
        return sampleRate;
    }

    public int channels() {
        return channels;
    }

    /** The format of the samples {@link #read} returns. */
    public SampleFormat format() {
        return format;
    }

    /** Frames in the file (Long.MAX_VALUE for a WAV written without a length). */
    public long frames() {
        return frames;
    }

    /**
     * The next up to {@code maxFrames} frames as interleaved little-endian samples of {@link #format()};
     * an empty array at the end.
     */
    public byte[] read(int maxFrames) throws IOException {
        int n = (int) Math.min(maxFrames, frames - framesRead);
        int inBytes = n * channels * (bitsPerSample / 8);
        byte[] raw = in.readNBytes(inBytes);
        int got = raw.length / (channels * (bitsPerSample / 8));
        framesRead += got;
        if (bitsPerSample != 24) {
            return raw.length == got * channels * (bitsPerSample / 8) ? raw
                    : java.util.Arrays.copyOf(raw, got * channels * (bitsPerSample / 8));
        }
        byte[] out = new byte[got * channels * 4];
        for (int i = 0, o = 0; i + 2 < got * channels * 3; i += 3, o += 4) {
            out[o] = 0;
            out[o + 1] = raw[i];
            out[o + 2] = raw[i + 1];
            out[o + 3] = raw[i + 2];
        }
        return out;
    }

    /** The next up to {@code maxFrames} frames as Audio; null at the end of the file. */
    public Audio next(int maxFrames) throws IOException {
        byte[] b = read(maxFrames);
        return b.length == 0 ? null : Audio.ofBytes(UnsafeByteOperations.unsafeWrap(b), sampleRate, channels, format);
    }

    private static byte[] readN(InputStream in, int n, Path path) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException(path + ": not a valid WAV file (it ends inside a header)");
        }
        return b;
    }

    private static IOException bad(Path path, String what) {
        return new IOException(path + ": " + what);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
