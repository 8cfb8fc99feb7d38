package org.remotemedia.buffer.wav;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.agrona.DirectBuffer;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.testkit.FuzzBudget;
import org.remotemedia.testkit.FuzzWarmUp;

/**
 * Fuzz target (scripts/fuzz wav): {@link WavReader#parse} on arbitrary bytes. Every input is
 * either refused with a {@link WavFormatException} that says why, or read into a consistent
 * result: a supported format, 1+ channels, a positive rate, a sample buffer exactly as long as
 * frames x channels x sample size that can be read end to end (agrona checks every index), no
 * more samples than the file's bytes can hold, 24-bit samples widened exactly (low byte zero). Heap allocation stays within a linear budget.
 */
public final class WavReaderFuzzer {
    private static final FuzzBudget BUDGET = new FuzzBudget(1 << 20, 64);
    /** The file's bytes, direct as {@link WavReader#read} holds them; reused (allocateDirect is slow). */
    private static final ByteBuffer FILE = ByteBuffer.allocateDirect(1 << 16);

    private WavReaderFuzzer() {
    }

    /** Called by Jazzer before fuzzing: loads what the first inputs need (see {@link FuzzWarmUp}). */
    public static void fuzzerInitialize() {
        FuzzWarmUp.run(WavReaderFuzzer::fuzzerTestOneInput);
    }

    public static void fuzzerTestOneInput(byte[] data) {
        BUDGET.start();
        ByteBuffer file = data.length <= FILE.capacity() ? FILE.clear() : ByteBuffer.allocateDirect(data.length);
        file.put(data).flip();
        WavAudio w;
        try {
            w = WavReader.parse(file);
        } catch (WavFormatException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("a WAV file was refused without saying why", e);
            }
            return;
        }
        check(w, data.length);
        BUDGET.check(data, "wav", () -> fuzzerTestOneInput(data));
    }

    private static void check(WavAudio w, int fileBytes) {
        if (w.channels() < 1 || w.sampleRate() <= 0 || w.frames() < 0) {
            throw new AssertionError("accepted a WAV with " + w.channels() + " channels, rate " + w.sampleRate()
                    + ", " + w.frames() + " frames");
        }
        int size = switch (w.format()) {
            case I16 -> 2;
            case I32, F32 -> 4;
        };
        if (w.format() == SampleFormat.F32 != w.sourceFloat() || (w.sourceBits() != 16 && w.sourceBits() != 24
                && w.sourceBits() != 32) || w.sourceBits() == 16 != (w.format() == SampleFormat.I16)) {
            throw new AssertionError("inconsistent format: " + w.format() + " from " + w.sourceBits() + "-bit "
                    + (w.sourceFloat() ? "float" : "PCM"));
        }
        long samples = w.numSamples();
        if ((long) w.lengthBytes() != samples * size) {
            throw new AssertionError(w.lengthBytes() + " sample bytes for " + samples + " samples of " + size + " bytes");
        }
        if (samples * (w.sourceBits() / 8) > fileBytes) {
            throw new AssertionError(samples + " samples of " + w.sourceBits() + " bits from a " + fileBytes
                    + "-byte file");
        }
        DirectBuffer b = w.samples();
        if (b.capacity() < w.lengthBytes()) {
            throw new AssertionError("a sample view of " + b.capacity() + " bytes for " + w.lengthBytes());
        }
        for (int i = 0; i < samples; i++) {
            if (size == 2) {
                b.getShort(i * 2, ByteOrder.LITTLE_ENDIAN);
            } else {
                int v = b.getInt(i * 4, ByteOrder.LITTLE_ENDIAN);
                if (w.sourceBits() == 24 && (v & 0xFF) != 0) {
                    throw new AssertionError("a 24-bit sample widened with a non-zero low byte");
                }
            }
        }
    }
}
