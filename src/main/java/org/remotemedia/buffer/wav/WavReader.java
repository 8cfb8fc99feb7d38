package org.remotemedia.buffer.wav;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * Reads RIFF/WAVE files: PCM 16, 24 and 32 bit and IEEE float 32, plain or
 * WAVE_FORMAT_EXTENSIBLE, any chunk order, odd-sized chunks padded. Anything else (8-bit,
 * 64-bit float, A-law, ADPCM, RF64, ...) is refused with a message saying what the file holds
 * and what is supported. Samples land in a direct buffer; 16/32-bit data is used where it was
 * read, without another copy.
 *
 * <p>Stateless; safe from any thread.
 */
public final class WavReader {
    static final int FORMAT_PCM = 1;
    static final int FORMAT_FLOAT = 3;
    static final int FORMAT_EXTENSIBLE = 0xFFFE;
    static final String SUPPORTED = "supported: PCM 16, 24 or 32 bit, or IEEE float 32 bit";

    private WavReader() {
    }

    public static WavAudio read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 64) {
                throw new WavFormatException(file + ": " + size + " bytes is over the 2 GiB this reader handles");
            }
            ByteBuffer bb = BufferUtil.allocateDirectAligned((int) Math.max(size, 1), 64);
            bb.limit((int) size);
            while (bb.hasRemaining()) {
                if (ch.read(bb) < 0) {
                    break;
                }
            }
            bb.flip();
            try {
                return parse(bb);
            } catch (WavFormatException e) {
                throw new WavFormatException(file + ": " + e.getMessage());
            }
        }
    }

    /** Parses a whole WAV file held in {@code file} (position 0 to limit). May return a view of it. */
    public static WavAudio parse(ByteBuffer file) throws WavFormatException {
        ByteBuffer b = file.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int length = b.limit();
        if (length < 12) {
            throw new WavFormatException("too short to be a WAV file (" + length + " bytes)");
        }
        String riff = fourCc(b, 0);
        if (riff.equals("RF64")) {
            throw new WavFormatException("RF64 (over 4 GiB) WAV files are not supported; " + SUPPORTED);
        }
        if (!riff.equals("RIFF") || !fourCc(b, 8).equals("WAVE")) {
            throw new WavFormatException("not a RIFF/WAVE file (starts with '" + printable(riff) + "')");
        }
        int pos = 12;
        int formatTag = -1;
        int channels = 0;
        int rate = 0;
        int blockAlign = 0;
        int bits = 0;
        int dataOffset = -1;
        long dataBytes = 0;
        while (pos + 8 <= length) {
            String id = fourCc(b, pos);
            long chunkSize = Integer.toUnsignedLong(b.getInt(pos + 4));
            int body = pos + 8;
            if (id.equals("fmt ")) {
                if (chunkSize < 16 || body + 16 > length) {
                    throw new WavFormatException("fmt chunk of " + chunkSize + " bytes is too short");
                }
                formatTag = Short.toUnsignedInt(b.getShort(body));
                channels = Short.toUnsignedInt(b.getShort(body + 2));
                rate = b.getInt(body + 4);
                blockAlign = Short.toUnsignedInt(b.getShort(body + 12));
                bits = Short.toUnsignedInt(b.getShort(body + 14));
                if (formatTag == FORMAT_EXTENSIBLE) {
                    if (chunkSize < 40 || body + 40 > length) {
                        throw new WavFormatException("WAVE_FORMAT_EXTENSIBLE fmt chunk of " + chunkSize
                                + " bytes is too short (needs 40)");
                    }
                    formatTag = Short.toUnsignedInt(b.getShort(body + 24)); // first two bytes of the subformat GUID
                }
            } else if (id.equals("data")) {
                dataOffset = body;
                dataBytes = chunkSize;
                if (chunkSize == 0xFFFFFFFFL || chunkSize == 0 || body + chunkSize > length) {
                    // streamed writers leave the size open: take the rest of the file
                    if (chunkSize != 0xFFFFFFFFL && chunkSize != 0) {
                        throw new WavFormatException("data chunk declares " + chunkSize + " bytes but only "
                                + (length - body) + " follow: the file is truncated");
                    }
                    dataBytes = length - body;
                }
                if (formatTag >= 0) {
                    break;
                }
            }
            long next = body + chunkSize + (chunkSize & 1);
            if (next > length || id.equals("data") && dataBytes != chunkSize) {
                break;
            }
            pos = (int) next;
        }
        if (formatTag < 0) {
            throw new WavFormatException("no fmt chunk");
        }
        if (dataOffset < 0) {
            throw new WavFormatException("no data chunk");
        }
        SampleFormat format;
        boolean isFloat = false;
        if (formatTag == FORMAT_PCM && (bits == 16 || bits == 24 || bits == 32)) {
            format = bits == 16 ? SampleFormat.I16 : SampleFormat.I32;
        } else if (formatTag == FORMAT_FLOAT && bits == 32) {
            format = SampleFormat.F32;
            isFloat = true;
        } else {
            throw new WavFormatException("holds " + describe(formatTag, bits) + "; " + SUPPORTED);
        }
        if (channels < 1) {
            throw new WavFormatException("fmt chunk declares " + channels + " channels");
        }
        if (rate <= 0) {
            throw new WavFormatException("fmt chunk declares sample rate " + Integer.toUnsignedLong(rate));
        }
        int bytesPerSample = bits / 8;
        if (blockAlign != channels * bytesPerSample) {
            throw new WavFormatException("block align " + blockAlign + " does not match " + channels + " channels x "
                    + bytesPerSample + " bytes");
        }
        int frames = (int) (dataBytes / blockAlign); // a trailing partial frame is dropped
        int samples = frames * channels;
        UnsafeBuffer out;
        int outBytes;
        if (bits == 24) {
            outBytes = samples * 4;
            ByteBuffer widened = BufferUtil.allocateDirectAligned(Math.max(outBytes, 1), 64);
            out = new UnsafeBuffer(widened);
            for (int i = 0, at = dataOffset; i < samples; i++, at += 3) {
                int v = (b.get(at) & 0xFF) | (b.get(at + 1) & 0xFF) << 8 | b.get(at + 2) << 16;
                out.putInt(i * 4, v << 8, ByteOrder.LITTLE_ENDIAN);
            }
        } else {
            outBytes = samples * bytesPerSample;
            out = new UnsafeBuffer(b, dataOffset, outBytes);
        }
        return new WavAudio(out, outBytes, frames, channels, rate, format, bits, isFloat);
    }

    private static String describe(int tag, int bits) {
        String name = switch (tag) {
            case FORMAT_PCM -> "PCM";
            case FORMAT_FLOAT -> "IEEE float";
            case 2 -> "MS ADPCM";
            case 6 -> "A-law";
            case 7 -> "mu-law";
            case 0x11 -> "IMA ADPCM";
            case 0x55 -> "MP3";
            default -> "format tag 0x" + Integer.toHexString(tag);
        };
        return name + " " + bits + "-bit";
    }

    private static String fourCc(ByteBuffer b, int at) {
        char[] c = new char[4];
        for (int i = 0; i < 4; i++) {
            c[i] = (char) (b.get(at + i) & 0xFF);
        }
        return new String(c);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c >= 32 && c < 127 ? c : '?');
        }
        return sb.toString();
    }
}
