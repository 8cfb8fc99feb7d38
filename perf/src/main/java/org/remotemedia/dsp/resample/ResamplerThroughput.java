package org.remotemedia.dsp.resample;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;

/**
 * Interleaved throughput comparison on a shared, noisy machine: every round runs each
 * configuration once (about 0.25 s of converting a continuing stream in 1 s blocks), so drift
 * hits all of them alike; reports the median, min and max input samples per second over the
 * rounds and each median's ratio to the first configuration. Time is the converting thread's
 * CPU time (sox: the child's user + system time), so other processes competing for the two
 * cores do not count as our time ({@code -Dwall=true}: wall-clock time instead).
 *
 * <p>Configurations: {@code fi:fo:quality:channels[:scalar|:g2|:taps|:single|:dots|:perphase|:unpaired]}; {@code sox} runs sox's
 * {@code rate -h} (or {@code sox-v} for {@code -v}) on a raw float file of the first
 * configuration's rates, timed at two lengths so process start-up cancels out (needs sox on the
 * PATH: perf/resampler-vs-sox.sh installs it); {@code soxr-hq}, {@code soxr-vhq} or
 * {@code soxr-match} (optionally {@code :fi:fo}) runs libsoxr at that quality through
 * perf/soxr/soxr_rate.c, built by the script. Thread: main only.
 *
 * <p>Run: {@code perf/resampler-vs-sox.sh} or
 * {@code java ... ResamplerThroughput ROUNDS CONFIG...}.
 */
public final class ResamplerThroughput {
    private ResamplerThroughput() {}

    static final boolean WALL = Boolean.getBoolean("wall");
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    static long now() {
        return WALL ? System.nanoTime() : THREADS.getCurrentThreadCpuTime();
    }

    interface Runner {
        /** Runs about 0.25 s; returns input samples per second. */
        double round() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        List<String> names = new ArrayList<>();
        List<Runner> runners = new ArrayList<>();
        int[] firstRates = null;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("soxr-")) {
                String[] p = a.split(":");
                int fi = p.length > 2 ? Integer.parseInt(p[1]) : firstRates[0];
                int fo = p.length > 2 ? Integer.parseInt(p[2]) : firstRates[1];
                runners.add(soxr(fi, fo, p[0].substring("soxr-".length())));
            } else if (a.startsWith("sox")) {
                runners.add(sox(firstRates[0], firstRates[1], a.equals("sox-v") ? "-v" : "-h"));
            } else {
                String[] p = a.split(":");
                int fi = Integer.parseInt(p[0]);
                int fo = Integer.parseInt(p[1]);
                if (firstRates == null) {
                    firstRates = new int[] {fi, fo};
                }
                String variant = p.length > 4 ? p[4] : "";
                runners.add(ours(fi, fo, ResampleQuality.parse(p[2]), Integer.parseInt(p[3]), variant));
            }
            names.add(a);
        }
        double[][] results = new double[runners.size()][rounds];
        for (int w = 0; w < 3; w++) {
            for (Runner r : runners) {
                r.round(); // warm-up
            }
        }
        for (int round = 0; round < rounds; round++) {
            for (int c = 0; c < runners.size(); c++) {
                results[c][round] = runners.get(c).round();
            }
        }
        double base = 0;
        System.out.println("| configuration | median M samples/s | min | max | ratio to first |");
        System.out.println("|---|---|---|---|---|");
        for (int c = 0; c < runners.size(); c++) {
            double[] r = results[c].clone();
            Arrays.sort(r);
            double median = r[r.length / 2];
            if (c == 0) {
                base = median;
            }
            System.out.printf("| %s | %.1f | %.1f | %.1f | %.2f |%n", names.get(c), median / 1e6, r[0] / 1e6,
                    r[r.length - 1] / 1e6, median / base);
        }
    }

    /** variant: "" (production), "scalar" (reference loops), "g2" (two outputs per pass, not
     *  four), "taps" (integer upsampling vectorized across taps, not across time) or "single"
     *  (deep downsampling in one polyphase stage, no half-band stage) "dots" (exact ratios
     *  as per-output products across taps, not blocks across time) or "perphase" (integer
     *  upsampling one phase per pass, each loading the input again) or "unpaired" (block kernels one
     *  block per pass, not two blocks a pattern period apart sharing each coefficient load). */
    static Runner ours(int fi, int fo, ResampleQuality q, int channels, String variant) {
        Resampler r = Resampler.create(fi, fo, channels, q, !variant.equals("single"));
        r.vectorKernels = !variant.equals("scalar");
        r.group = variant.equals("g2") ? 2 : 4;
        r.acrossTime = !variant.equals("taps");
        r.blockKernels = !variant.equals("dots");
        r.pairedBlocks = !variant.equals("unpaired");
        r.sharedLoads = !variant.equals("perphase");
        int frames = fi;
        UnsafeBuffer in = new UnsafeBuffer(ByteBuffer.allocateDirect(frames * channels * 4));
        for (int n = 0; n < frames; n++) {
            double v = 0.4 * Math.sin(2 * Math.PI * 1000.0 * n / fi) + 0.3 * Math.sin(2 * Math.PI * 3000.0 * n / fi);
            for (int c = 0; c < channels; c++) {
                SampleFormat.F32.write(in, 0, n * channels + c, v);
            }
        }
        UnsafeBuffer out = new UnsafeBuffer(ByteBuffer.allocateDirect((r.maxOutputFrames(frames) + 16) * 4 * channels));
        return () -> {
            long samples = 0;
            long t0 = now();
            long t;
            do {
                r.process(in, 0, SampleFormat.F32, frames, out, 0);
                samples += (long) frames * channels;
                t = now();
            } while (t - t0 < 250_000_000L);
            return samples / ((t - t0) / 1e9);
        };
    }

    /** libsoxr through perf/soxr/soxr_rate.c (path in -Dsoxr.bin): one process per round, which
     *  times its own 0.25 s of converting by its thread's CPU clock after a warm-up. */
    static Runner soxr(int fi, int fo, String quality) {
        String bin = System.getProperty("soxr.bin", "target/soxr_rate");
        return () -> {
            Process p = new ProcessBuilder(bin, Integer.toString(fi), Integer.toString(fo), quality)
                    .redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                throw new IllegalStateException(bin + " exited with " + p.exitValue() + ": " + text);
            }
            return Double.parseDouble(text);
        };
    }

    /** sox on raw mono f32 files of 20 s and 80 s; throughput from the difference of the two. */
    static Runner sox(int fi, int fo, String mode) throws IOException {
        Path dir = Files.createTempDirectory("rm-sox");
        dir.toFile().deleteOnExit();
        Path shortFile = rawTone(dir.resolve("short.f32"), fi, 20);
        Path longFile = rawTone(dir.resolve("long.f32"), fi, 80);
        return () -> {
            double tShort = timeSox(shortFile, fi, fo, mode);
            double tLong = timeSox(longFile, fi, fo, mode);
            return 60.0 * fi / (tLong - tShort);
        };
    }

    static Path rawTone(Path file, int rate, int seconds) throws IOException {
        int n = rate * seconds;
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat((float) (0.4 * Math.sin(2 * Math.PI * 1000.0 * i / rate) + 0.3 * Math.sin(2 * Math.PI * 3000.0 * i / rate)));
        }
        b.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(b);
        }
        file.toFile().deleteOnExit();
        return file;
    }

    /** Seconds sox took: its CPU time (bash's {@code times}: children's user + system), or wall time. */
    static double timeSox(Path in, int fi, int fo, String mode) throws Exception {
        Path out = in.resolveSibling("out.f32");
        String cmd = "sox -D -t f32 -r " + fi + " -c 1 '" + in + "' -t f32 '" + out + "' rate " + mode + " " + fo + " && times";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd).redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int code = p.waitFor();
        long t = System.nanoTime();
        if (code != 0) {
            throw new IllegalStateException("sox exited with " + code + ": " + text);
        }
        Files.deleteIfExists(out);
        if (WALL) {
            return (t - t0) / 1e9;
        }
        // second line of `times`: "XmY.YYYs XmY.YYYs" = children's user and system time
        String[] children = text.strip().split("\n")[1].trim().split("\\s+");
        return seconds(children[0]) + seconds(children[1]);
    }

    static double seconds(String mmss) {
        int m = mmss.indexOf('m');
        return Integer.parseInt(mmss.substring(0, m)) * 60 + Double.parseDouble(mmss.substring(m + 1, mmss.length() - 1));
    }
}
