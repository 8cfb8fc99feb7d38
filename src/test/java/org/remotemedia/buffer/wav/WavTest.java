package org.remotemedia.buffer.wav;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.buffer.SampleFormat;

class WavTest {
    @TempDir
    Path dir;

    private static UnsafeBuffer samples(SampleFormat f, int n) {
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(n * 4));
        for (int i = 0; i < n; i++) {
            f.write(b, 0, i, Math.sin(i * 0.37) * 0.9);
        }
        return b;
    }

    @Test
    void roundTripsEveryFormatAndChannelLayout() throws Exception {
        for (SampleFormat f : SampleFormat.values()) {
            for (int ch : new int[] {1, 2, 3, 6}) {
                int frames = 1001;
                UnsafeBuffer b = samples(f, frames * ch);
                Path p = dir.resolve(f + "-" + ch + ".wav");
                WavWriter.write(p, b, 0, frames, ch, 44100, f);
                WavAudio w = WavReader.read(p);
                assertEquals(f, w.format());
                assertEquals(ch, w.channels());
                assertEquals(44100, w.sampleRate());
                assertEquals(frames, w.frames());
                assertEquals(f == SampleFormat.F32, w.sourceFloat());
                for (int i = 0; i < frames * ch * f.bytesPerSample(); i++) {
                    assertEquals(b.getByte(i), w.samples().getByte(i), f + " ch " + ch + " byte " + i);
                }
                if (ch > 2) { // WAVE_FORMAT_EXTENSIBLE
                    byte[] raw = Files.readAllBytes(p);
                    assertEquals(0xFFFE, ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getShort(20) & 0xFFFF);
                }
            }
        }
    }

    @Test
    void pcm24IsWidenedExactlyAndWrittenRounded() throws Exception {
        int n = 300;
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(n * 4));
        for (int i = 0; i < n; i++) {
            b.putInt(4 * i, ((i * 54321) % (1 << 23) - (1 << 22)) << 8, ByteOrder.LITTLE_ENDIAN);
        }
        b.putInt(0, Integer.MAX_VALUE, ByteOrder.LITTLE_ENDIAN); // rounds past full scale: clipped
        Path p = dir.resolve("p24.wav");
        WavWriter.write(p, b, 0, n, 1, 48000, SampleFormat.I32, 24);
        assertEquals(44 + 3 * n, Files.size(p));
        WavAudio w = WavReader.read(p);
        assertEquals(SampleFormat.I32, w.format());
        assertEquals(24, w.sourceBits());
        assertEquals(0x7FFFFF << 8, w.samples().getInt(0, ByteOrder.LITTLE_ENDIAN));
        for (int i = 1; i < n; i++) {
            assertEquals(b.getInt(4 * i, ByteOrder.LITTLE_ENDIAN), w.samples().getInt(4 * i, ByteOrder.LITTLE_ENDIAN));
        }
    }

    private static ByteBuffer wav(int tag, int bits, int channels, byte[] extraChunk, long dataSize, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(12 + 24 + (extraChunk == null ? 0 : extraChunk.length) + 8 + dataBytes)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(b.capacity() - 8).put("WAVE".getBytes());
        b.put("fmt ".getBytes()).putInt(16).putShort((short) tag).putShort((short) channels).putInt(16000)
                .putInt(16000 * channels * bits / 8).putShort((short) (channels * bits / 8)).putShort((short) bits);
        if (extraChunk != null) {
            b.put(extraChunk);
        }
        b.put("data".getBytes()).putInt((int) dataSize);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        return b.flip();
    }

    @Test
    void oddChunksAndOpenEndedDataAreRead() throws Exception {
        byte[] list = {'L', 'I', 'S', 'T', 3, 0, 0, 0, 'a', 'b', 'c', 0}; // odd size, padded
        WavAudio w = WavReader.parse(wav(1, 16, 1, list, 8, 8));
        assertEquals(4, w.frames());
        WavAudio open = WavReader.parse(wav(1, 16, 2, null, 0xFFFFFFFFL, 12));
        assertEquals(3, open.frames());
    }

    @Test
    void unsupportedFilesSayWhatTheyHoldAndWhatIsSupported() {
        String[][] cases = {
            {"8", "PCM 8-bit"}, {"64f", "IEEE float 64-bit"}, {"alaw", "A-law 8-bit"}, {"adpcm", "MS ADPCM 4-bit"},
        };
        ByteBuffer[] files = {wav(1, 8, 1, null, 4, 4), wav(3, 64, 1, null, 8, 8), wav(6, 8, 1, null, 4, 4),
            wav(2, 4, 1, null, 4, 4)};
        for (int i = 0; i < files.length; i++) {
            WavFormatException e = assertThrows(WavFormatException.class, () -> WavReader.parse(files[0]));
            e = assertThrows(WavFormatException.class, parse(files[i]));
            assertTrue(e.getMessage().contains(cases[i][1]) && e.getMessage().contains("supported: PCM 16, 24 or 32 bit"),
                    e.getMessage());
        }
        WavFormatException trunc = assertThrows(WavFormatException.class, parse(wav(1, 16, 1, null, 100, 10)));
        assertTrue(trunc.getMessage().contains("truncated"), trunc.getMessage());
        ByteBuffer notRiff = ByteBuffer.wrap("OggS....................".getBytes());
        WavFormatException ogg = assertThrows(WavFormatException.class, parse(notRiff));
        assertTrue(ogg.getMessage().contains("not a RIFF/WAVE file (starts with 'OggS')"), ogg.getMessage());
        assertFalse(assertThrows(WavFormatException.class, parse(ByteBuffer.allocate(3))).getMessage().isEmpty());
    }

    private static org.junit.jupiter.api.function.Executable parse(ByteBuffer b) {
        return () -> WavReader.parse(b);
    }
}
