package org.remotemedia.dsp.resample;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.remotemedia.buffer.SampleFormat;

/**
 * Streaming equals one-shot (bit for bit) on every chunking, output lengths as sox, any ratio,
 * identity pass-through, channels, formats, and the API's argument checks.
 */
class ResamplerStreamingTest {
    static final int[] RATES = {8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 192000};

    static Signals.Tones music(int fi, int fo) {
        double nu = Math.min(fi, fo) / 2.0;
        return new Signals.Tones(new double[] {0.4, 0.3, 0.2}, new double[] {0.05 * nu, 0.37 * nu, 0.71 * nu},
                new double[] {0.1, 1.3, 2.2});
    }

    static IntUnaryOperator chunker(String kind, int rate) {
        return switch (kind) {
            case "one-shot" -> i -> 0;
            case "1 frame" -> i -> 1;
            case "10 ms" -> i -> rate / 100;
            case "100 ms" -> i -> rate / 10;
            case "random" -> {
                Random r = new Random(rate);
                yield i -> 1 + r.nextInt(r.nextBoolean() ? 7 : 3000);
            }
            default -> throw new IllegalArgumentException(kind);
        };
    }

    static Stream<Arguments> chunkings() {
        int[][] pairs = {{44100, 16000}, {48000, 16000}, {16000, 48000}, {8000, 16000}, {44100, 48000},
            {48000, 44100}, {11025, 8000}, {44100, 47999}, {192000, 8000}, {22050, 96000}};
        Stream.Builder<Arguments> b = Stream.builder();
        for (int[] p : pairs) {
            for (String kind : new String[] {"1 frame", "random", "10 ms", "100 ms"}) {
                b.add(Arguments.of(p[0], p[1], kind));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0}->{1} chunks of {2}")
    @MethodSource("chunkings")
    void streamingIsBitIdenticalToOneShot(int fi, int fo, String kind) {
        for (ResampleQuality q : new ResampleQuality[] {ResampleQuality.HIGH, ResampleQuality.LOW}) {
            for (int channels : new int[] {1, 2, 3}) {
                SampleFormat format = channels == 3 ? SampleFormat.I16 : SampleFormat.F32;
                int frames = fi * 3 / 10 + 17;
                UnsafeBuffer in = Signals.encode(music(fi, fo), fi, frames, channels, format);
                float[] oneShot = Signals.run(Resampler.create(fi, fo, channels, q), in, format, frames, i -> 0);
                float[] streamed = Signals.run(Resampler.create(fi, fo, channels, q), in, format, frames, chunker(kind, fi));
                assertEquals(Resampler.outputFrames(frames, fi, fo) * channels, oneShot.length);
                assertArrayEquals(oneShot, streamed, q + " " + channels + " ch " + format);
            }
        }
    }

    static Stream<Arguments> allPairs() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (int fi : RATES) {
            for (int fo : RATES) {
                b.add(Arguments.of(fi, fo));
            }
        }
        return b.build();
    }

    /**
     * Every pairing of the common rates: sox's output length for many input lengths, random
     * chunking equal to one-shot, and the tones' analytic ideal met (HIGH) in the steady state.
     */
    @ParameterizedTest(name = "{0}->{1}")
    @MethodSource("allPairs")
    void everyCommonPairing(int fi, int fo) {
        for (int frames : new int[] {0, 1, 2, 3, 7, 100, 1001}) {
            UnsafeBuffer in = Signals.encode(music(fi, fo), fi, frames, 1, SampleFormat.F32);
            float[] out = Signals.run(Resampler.create(fi, fo, 1, ResampleQuality.HIGH), in, SampleFormat.F32, frames, i -> 0);
            assertEquals(Math.round((double) frames * fo / fi), out.length, "length for " + frames + " frames");
        }
        int frames = fi / 4;
        Signals.Tones tones = music(fi, fo);
        UnsafeBuffer in = Signals.encode(tones, fi, frames, 1, SampleFormat.F32);
        Resampler r = Resampler.create(fi, fo, 1, ResampleQuality.HIGH);
        float[] oneShot = Signals.run(r, in, SampleFormat.F32, frames, i -> 0);
        r.reset();
        float[] streamed = Signals.run(r, in, SampleFormat.F32, frames, chunker("random", fo));
        assertArrayEquals(oneShot, streamed);
        int[] s = Signals.steadyRange(r, frames);
        double err = Signals.errorDb(Signals.channel(oneShot, 1, 0), s[0], s[1], tones, fo);
        assertTrue(err <= -110, () -> "SNR " + -err + " dB");
    }

    /** Arbitrary rates in [1 kHz, 768 kHz], exact and interpolated phase tables alike. */
    @Test
    void arbitraryRates() {
        Random rnd = new Random(42);
        int[][] fixed = {{1000, 768000}, {768000, 1000}, {44100, 44101}, {12345, 54321}, {767999, 1001}, {1001, 767999}};
        for (int t = 0; t < 16; t++) {
            int fi = t < fixed.length ? fixed[t][0] : 1000 + rnd.nextInt(767001);
            int fo = t < fixed.length ? fixed[t][1] : 1000 + rnd.nextInt(767001);
            Signals.Tones tones = music(fi, fo);
            Resampler r = Resampler.create(fi, fo, 1, ResampleQuality.HIGH);
            // a steady state of at least ~800 output frames
            int frames = r.filterTaps() + (int) Math.max(200, 800L * fi / fo);
            UnsafeBuffer in = Signals.encode(tones, fi, frames, 1, SampleFormat.F32);
            float[] out = Signals.run(r, in, SampleFormat.F32, frames, chunker("random", fi));
            assertEquals(Resampler.outputFrames(frames, fi, fo), out.length, fi + "->" + fo);
            int[] s = Signals.steadyRange(r, frames);
            assertTrue(s[1] - s[0] > 100, fi + "->" + fo + " too short a steady state");
            double err = Signals.errorDb(Signals.channel(out, 1, 0), s[0], s[1], tones, fo);
            String what = fi + "->" + fo + (r.interpolatedPhases() ? " (interpolated)" : "") + ": SNR " + -err;
            assertTrue(err <= -110, what);
        }
    }

    @Test
    void identityPassesSamplesThroughExactly() {
        Random rnd = new Random(3);
        for (SampleFormat format : SampleFormat.values()) {
            int frames = 999;
            int channels = 2;
            UnsafeBuffer in = new UnsafeBuffer(new byte[frames * channels * format.bytesPerSample()]);
            for (int i = 0; i < frames * channels; i++) {
                format.write(in, 0, i, rnd.nextDouble() * 2 - 1);
            }
            Resampler r = Resampler.create(48000, 48000, channels, ResampleQuality.HIGH);
            float[] out = Signals.run(r, in, format, frames, chunker("random", 48000));
            assertEquals(0.0, r.latencySeconds());
            for (int i = 0; i < frames * channels; i++) {
                assertEquals((float) format.read(in, 0, i), out[i], format + " sample " + i);
            }
        }
    }

    /** Each channel of a multichannel stream equals the mono conversion of that channel, bit for bit. */
    @Test
    void channelsAreIndependentAndEqualToMono() {
        int fi = 44100;
        int fo = 16000;
        int channels = 64;
        int frames = 4410;
        UnsafeBuffer in = Signals.encode(music(fi, fo), fi, frames, channels, SampleFormat.F32);
        float[] all = Signals.run(Resampler.create(fi, fo, channels, ResampleQuality.HIGH), in, SampleFormat.F32, frames,
                chunker("random", fi));
        for (int c : new int[] {0, 1, 2, 31, 63}) {
            UnsafeBuffer mono = Signals.encode(music(fi, fo), fi, frames, 1, SampleFormat.F32);
            for (int n = 0; n < frames; n++) {
                mono.putFloat(4 * n, in.getFloat(4 * (n * channels + c), ByteOrder.LITTLE_ENDIAN), ByteOrder.LITTLE_ENDIAN);
            }
            float[] one = Signals.run(Resampler.create(fi, fo, 1, ResampleQuality.HIGH), mono, SampleFormat.F32, frames, i -> 0);
            float[] ch = new float[one.length];
            for (int k = 0; k < ch.length; k++) {
                ch[k] = all[k * channels + c];
            }
            assertArrayEquals(one, ch, "channel " + c);
        }
    }

    /** Integer formats decode to the same signal as F32 (I16 exactly; I32 to float precision). */
    @Test
    void integerFormatsDecodeInPlace() {
        int fi = 48000;
        int fo = 16000;
        int frames = 4800;
        Signals.Tones tones = music(fi, fo);
        float[] viaF32 = Signals.run(Resampler.create(fi, fo, 1, ResampleQuality.HIGH),
                Signals.encode(tones, fi, frames, 1, SampleFormat.F32), SampleFormat.F32, frames, i -> 0);
        float[] viaI32 = Signals.run(Resampler.create(fi, fo, 1, ResampleQuality.HIGH),
                Signals.encode(tones, fi, frames, 1, SampleFormat.I32), SampleFormat.I32, frames, i -> 0);
        float[] viaI16 = Signals.run(Resampler.create(fi, fo, 1, ResampleQuality.HIGH),
                Signals.encode(tones, fi, frames, 1, SampleFormat.I16), SampleFormat.I16, frames, i -> 0);
        for (int k = 0; k < viaF32.length; k++) {
            assertEquals(viaF32[k], viaI32[k], 1e-6, "I32 at " + k);
            assertEquals(viaF32[k], viaI16[k], 1.0 / 32768 * 2, "I16 at " + k);
        }
    }

    /** Output k is the input at k / fo: an impulse-free check of zero net delay on a slow ramp-like tone. */
    @Test
    void zeroNetDelay() {
        int fi = 16000;
        int fo = 48000;
        Signals.Tones slow = Signals.Tones.one(0.5, 50);
        int frames = 16000;
        float[] out = Signals.run(Resampler.create(fi, fo, 1, ResampleQuality.HIGH),
                Signals.encode(slow, fi, frames, 1, SampleFormat.F32), SampleFormat.F32, frames, i -> 0);
        for (int k = 2000; k < out.length - 2000; k += 97) {
            assertEquals(slow.at(k, fo), out[k], 1e-6, "output " + k);
        }
    }

    @Test
    void resetStartsANewStreamAndFlushEndsOne() {
        int frames = 2000;
        UnsafeBuffer in = Signals.encode(music(44100, 16000), 44100, frames, 1, SampleFormat.F32);
        Resampler r = Resampler.create(44100, 16000, 1, ResampleQuality.MEDIUM);
        float[] first = Signals.run(r, in, SampleFormat.F32, frames, i -> 0);
        UnsafeBuffer out = new UnsafeBuffer(new byte[4096]);
        assertThrows(IllegalStateException.class, () -> r.process(in, 0, SampleFormat.F32, 10, out, 0));
        assertEquals(0, r.flush(out, 0));
        r.reset();
        assertArrayEquals(first, Signals.run(r, in, SampleFormat.F32, frames, i -> 0));
        assertEquals(Resampler.outputFrames(frames, 44100, 16000), r.outputFramesTotal());
        assertEquals(frames, r.inputFramesTotal());
    }

    @Test
    void outputFramesRoundsAsSox() {
        assertEquals(0, Resampler.outputFrames(0, 44100, 16000));
        assertEquals(16000, Resampler.outputFrames(44100, 44100, 16000));
        assertEquals(1, Resampler.outputFrames(2, 48000, 16000)); // 0.667 -> 1
        assertEquals(0, Resampler.outputFrames(1, 48000, 16000)); // 0.333 -> 0
        assertEquals(2, Resampler.outputFrames(3, 32000, 16000 * 1)); // 1.5 -> 2 (half up)
        assertEquals(1, Resampler.outputFrames(1, 32000, 16000)); // 0.5 -> 1
        assertEquals(3 * 3_000_000_000L, Resampler.outputFrames(3_000_000_000L, 16000, 48000));
    }

    @Test
    void boundsHoldForEveryCall() {
        Resampler r = Resampler.create(8000, 192000, 1, ResampleQuality.VERY_HIGH);
        assertTrue(r.maxOutputFrames(1) >= 24);
        // Signals.run asserts each call's frames against maxOutputFrames / maxFlushFrames
        UnsafeBuffer in = Signals.encode(music(8000, 192000), 8000, 5000, 1, SampleFormat.F32);
        Signals.run(r, in, SampleFormat.F32, 5000, chunker("random", 8000));
        r.reset();
        Signals.run(r, in, SampleFormat.F32, 5000, i -> 1);
    }

    @Test
    void rejectsBadArgumentsWithSpecificMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Resampler.create(999, 16000, 1, ResampleQuality.HIGH));
        assertTrue(e.getMessage().contains("inputRate is 999 Hz") && e.getMessage().contains("1000..768000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Resampler.create(16000, 768001, 1, ResampleQuality.HIGH));
        assertTrue(e.getMessage().contains("outputRate is 768001 Hz"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Resampler.create(16000, 8000, 65, ResampleQuality.HIGH));
        assertTrue(e.getMessage().contains("channels is 65") && e.getMessage().contains("1..64"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Resampler.create(16000, 8000, 0, ResampleQuality.HIGH));
        assertTrue(e.getMessage().contains("channels is 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Resampler.create(16000, 8000, 1, null));
        Resampler r = Resampler.create(16000, 8000, 1, ResampleQuality.HIGH);
        UnsafeBuffer buf = new UnsafeBuffer(new byte[64]);
        e = assertThrows(IllegalArgumentException.class, () -> r.process(buf, 0, SampleFormat.F32, -1, buf, 0));
        assertTrue(e.getMessage().contains("inputFrames is -1"), e.getMessage());
    }

    /** Buffers too small are refused before any state changes: the stream stays usable. */
    @Test
    void rejectsShortBuffersWithoutLosingState() {
        int frames = 4410;
        UnsafeBuffer in = Signals.encode(music(44100, 16000), 44100, frames, 1, SampleFormat.F32);
        Resampler r = Resampler.create(44100, 16000, 1, ResampleQuality.HIGH);
        UnsafeBuffer tiny = new UnsafeBuffer(new byte[16]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.process(in, 0, SampleFormat.F32, frames, tiny, 0));
        assertTrue(e.getMessage().contains("maxOutputFrames(4410)") && e.getMessage().contains("holds 16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> r.process(in, 8, SampleFormat.F32, frames, new UnsafeBuffer(new byte[1 << 16]), 0));
        assertTrue(e.getMessage().contains("needs 17640 bytes"), e.getMessage());
        UnsafeBuffer out = new UnsafeBuffer(new byte[1 << 16]);
        int written = r.process(in, 0, SampleFormat.F32, frames, out, 0);
        e = assertThrows(IllegalArgumentException.class, () -> r.flush(tiny, 0));
        assertTrue(e.getMessage().contains("remaining tail"), e.getMessage());
        written += r.flush(out, written * 4);
        assertEquals(Resampler.outputFrames(frames, 44100, 16000), written);
        float[] got = new float[written];
        for (int i = 0; i < written; i++) {
            got[i] = out.getFloat(4 * i, ByteOrder.LITTLE_ENDIAN);
        }
        assertArrayEquals(Signals.run(Resampler.create(44100, 16000, 1, ResampleQuality.HIGH), in, SampleFormat.F32, frames, i -> 0), got);
    }

    @Test
    void warmUpRuns() {
        assertTrue(Resampler.warmUp() > 0);
    }

    @Test
    void parsesQualityNames() {
        assertEquals(ResampleQuality.LOW, ResampleQuality.parse("low"));
        assertEquals(ResampleQuality.MEDIUM, ResampleQuality.parse("Medium"));
        assertEquals(ResampleQuality.HIGH, ResampleQuality.parse("HIGH"));
        assertEquals(ResampleQuality.VERY_HIGH, ResampleQuality.parse("very_high"));
        assertNull(ResampleQuality.parse("veryhigh"));
        assertNull(ResampleQuality.parse(""));
        assertNull(ResampleQuality.parse(null));
    }

    @Test
    void accessorsReportTheStream() {
        Resampler r = Resampler.create(44100, 16000, 2, ResampleQuality.VERY_HIGH);
        assertEquals(44100, r.inputRate());
        assertEquals(16000, r.outputRate());
        assertEquals(2, r.channels());
        assertEquals(ResampleQuality.VERY_HIGH, r.quality());
        // two stages: 44.1 -> 22.05 kHz (half band), then 320 phases to 16 kHz
        assertTrue(r.halfBandStage());
        assertEquals(320, r.filterPhases());
        long taps = r.filterTaps();
        long halfBandBytes = r.memoryBytes() - 4L * (taps + 2048) * 2 - 4L * 320 * taps
                - 4L * FilterBank.of(320, 441, ResampleQuality.VERY_HIGH).blocks.length;
        assertTrue(halfBandBytes > 0 && halfBandBytes < 64 * 1024, "half-band stage " + halfBandBytes + " bytes");
        Resampler single = Resampler.create(44100, 16000, 2, ResampleQuality.VERY_HIGH, false);
        assertTrue(!single.halfBandStage());
        assertEquals(160, single.filterPhases());
        // history (400 + 2048 frames x 2 channels), 160 x 400 coefficients and the block matrices, as floats
        assertEquals(4L * (400 + 2048) * 2 + 4L * 160 * 400 + 4L * FilterBank.of(160, 441, ResampleQuality.VERY_HIGH).blocks.length,
                single.memoryBytes());
        assertTrue(!Resampler.create(32000, 16000, 1, ResampleQuality.HIGH).halfBandStage(), "too little room for a half band");
        assertTrue(Resampler.create(48000, 16000, 1, ResampleQuality.HIGH).halfBandStage());
        assertEquals(0, Resampler.create(8000, 8000, 1, ResampleQuality.HIGH).memoryBytes());
        assertTrue(!r.interpolatedPhases());
        assertTrue(Resampler.create(44100, 44101, 1, ResampleQuality.HIGH).interpolatedPhases());
    }
}
