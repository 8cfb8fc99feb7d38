package org.remotemedia.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.client.RefusingStreams;
import org.remotemedia.client.TestServer;
import org.remotemedia.client.WavReader;
import picocli.CommandLine;

/**
 * {@code remotemedia call} against the real daemon: WAV in, WAV out, unary and streamed (a long file
 * read chunk by chunk) with the same result, errors as exit codes, TLS and token options, and,
 * through the launcher script as a user runs it, nothing on stderr but the progress bar; and
 * {@code --stream --retry} against a server that refuses the first session with RetryInfo.
 */
class CallCommandTest {
    private static final Path EXAMPLES = TestServer.ROOT.resolve("examples");
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(TestServer.acceptToken("right"));
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        CallCommand c = new CallCommand();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        c.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        c.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = new CommandLine(c).execute(args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A 16-bit mono WAV: 1 s of 440 Hz, then 1 s of silence, repeated for {@code seconds}. */
    static Path wav(Path file, int rate, int seconds) throws Exception {
        int n = rate * seconds;
        try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(file)))) {
            ByteBuffer h = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0x46464952).putInt(36 + n * 2).putInt(0x45564157).putInt(0x20746d66).putInt(16)
                    .putShort((short) 1).putShort((short) 1).putInt(rate).putInt(rate * 2).putShort((short) 2)
                    .putShort((short) 16).putInt(0x61746164).putInt(n * 2);
            o.write(h.array());
            ByteBuffer s = ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                double v = (i / rate) % 2 == 0 ? 0.5 * Math.sin(2 * Math.PI * 440 * i / rate) : 0;
                o.write(s.putShort(0, (short) Math.round(v * 32767)).array());
            }
        }
        return file;
    }

    static float[] readF32(Path file) throws Exception {
        try (WavReader w = WavReader.open(file)) {
            assertEquals(org.remotemedia.client.SampleFormat.F32, w.format());
            ByteBuffer b = ByteBuffer.wrap(w.read((int) w.frames())).order(ByteOrder.LITTLE_ENDIAN);
            float[] f = new float[b.remaining() / 4];
            b.asFloatBuffer().get(f);
            return f;
        }
    }

    @Test
    void streamingALongFileEqualsTheUnaryResult(@TempDir Path dir) throws Exception {
        Path in = wav(dir.resolve("long.wav"), 44_100, 10);
        Path streamed = dir.resolve("streamed.wav");
        Path unary = dir.resolve("unary.wav");
        Run s = run("--server", server.target(), "--token", "right", "--manifest", EXAMPLES.resolve("resample-vad.json")
                .toString(), "--input", "resample=" + in, "--output", "vad=" + streamed, "--stream", "--chunk-ms", "100");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.err().contains("100% 100/100 chunks"), "progress bar: " + s.err());
        assertTrue(s.out().contains("\"chunks_sent\":100") && s.out().contains("\"closed\""), s.out());
        Run u = run("--server", server.target(), "--token", "right", "--manifest", EXAMPLES.resolve("resample-vad.json")
                .toString(), "--input", "resample=" + in, "--output", "vad=" + unary);
        assertEquals(0, u.code(), u.err());
        assertTrue(u.out().contains("\"status\":\"EXECUTION_STATUS_SUCCESS\"") && u.out().contains("\"vad\":{\"is_speech\""),
                u.out());
        float[] a = readF32(streamed);
        float[] b = readF32(unary);
        assertEquals(160_000, b.length);
        assertEquals(b.length, a.length);
        for (int i = 0; i < b.length; i++) {
            assertEquals(b[i], a[i], 1e-6, "sample " + i);
        }
        for (int i = 1000; i < 15_000; i += 1009) {
            assertEquals(0.5 * Math.sin(2 * Math.PI * 440 * i / 16_000.0), b[i], 1e-3, "sample " + i);
        }
    }

    /**
     * {@code --stream} on a WAV larger than the whole heap: 10 minutes of 48 kHz 16-bit mono (58 MB)
     * through a CLI JVM limited to -Xmx48m must complete, so neither the input nor the output (38 MB
     * of 16 kHz float) is ever held whole. The WAV is made in a temporary directory.
     */
    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void streamsAWavLargerThanItsHeap(@TempDir Path dir) throws Exception {
        int seconds = 600;
        Path in = wav(dir.resolve("ten-minutes.wav"), 48_000, seconds);
        Path outWav = dir.resolve("out.wav");
        assertTrue(Files.size(in) > 48L << 20, "the input must not fit in the heap");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx48m", "-XX:+ExitOnOutOfMemoryError",
                "-cp", System.getProperty("java.class.path"), CallCommand.class.getName(),
                "--server", server.target(), "--token", "right", "--manifest",
                EXAMPLES.resolve("resample-16k.json").toString(), "--input", "resample=" + in, "--output",
                "resample=" + outWav, "--stream", "--chunk-ms", "100", "--no-progress");
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the call did not end within 5 minutes");
        }
        String out = Files.readString(dir.resolve("stdout"));
        String err = Files.readString(dir.resolve("stderr"));
        assertEquals(0, p.exitValue(), "exit code (3 is also the JVM's on OutOfMemoryError); stdout: " + out
                + "\nstderr: " + err);
        assertTrue(out.contains("\"chunks_sent\":" + seconds * 10), out);
        try (WavReader w = WavReader.open(outWav)) {
            assertEquals(16_000, w.sampleRate());
            assertEquals(16_000L * seconds, w.frames(), "every input frame resampled and written");
        }
    }

    @Test
    void errorsAreExitCodesWithClearMessages(@TempDir Path dir) throws Exception {
        Path in = wav(dir.resolve("in.wav"), 16_000, 1);
        Run bad = run("--server", server.target(), "--token", "right", "--manifest",
                EXAMPLES.resolve("bad-params.json").toString(), "--input", "resample=" + in);
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("ERROR_TYPE_VALIDATION") && bad.err().contains("/nodes/0/params/target_sample_rate"),
                bad.err());
        Run token = run("--server", server.target(), "--token", "wrong", "--manifest",
                EXAMPLES.resolve("resample-16k.json").toString(), "--input", "resample=" + in);
        assertEquals(3, token.code());
        assertTrue(token.err().contains("UNAUTHENTICATED"), token.err());
        Run noFile = run("--server", server.target(), "--manifest", dir.resolve("nope.json").toString());
        assertEquals(2, noFile.code());
        assertTrue(noFile.err().contains("no such file") && noFile.err().contains("nope.json"), noFile.err());
        Files.writeString(dir.resolve("not.wav"), "hello");
        Run notWav = run("--server", server.target(), "--token", "right", "--manifest",
                EXAMPLES.resolve("resample-16k.json").toString(), "--input", "resample=" + dir.resolve("not.wav"), "--stream");
        assertEquals(2, notWav.code());
        assertTrue(notWav.err().contains("not.wav"), notWav.err());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void streamWithRetryOpensASessionTheServerRefusedFirst(@TempDir Path dir) throws Exception {
        Path in = wav(dir.resolve("in.wav"), 16_000, 1); // 10 chunks of 100 ms
        RefusingStreams once = new RefusingStreams(1, 500, false);
        RefusingStreams refusing = new RefusingStreams(1, 500, false);
        Server fake = once.start();
        Server fake2 = refusing.start();
        try {
            Run r = run("--server", "127.0.0.1:" + fake.getPort(), "--manifest", EXAMPLES.resolve("resample-16k.json")
                    .toString(), "--input", "resample=" + in, "--stream", "--chunk-ms", "100", "--no-progress");
            assertEquals(3, r.code(), r.err());
            assertTrue(r.err().contains("UNAVAILABLE"), r.err());
            assertEquals(1, once.attempts.size());
            r = run("--server", "127.0.0.1:" + fake2.getPort(), "--manifest", EXAMPLES.resolve("resample-16k.json")
                    .toString(), "--input", "resample=" + in, "--stream", "--chunk-ms", "100", "--no-progress",
                    "--retry", "3");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.out().startsWith("{\"chunks_sent\":10,\"results\":10,"), r.out());
            StringBuilder echoes = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                echoes.append(i == 0 ? "" : ",").append("{\"node\":\"echo\",\"sequence\":").append(i)
                        .append(",\"data\":").append(i).append('}');
            }
            assertTrue(r.out().contains("\"data\":[" + echoes + "]"), r.out()); // 0..9, each once
            assertEquals(2, refusing.attempts.size());
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), refusing.attempts.get(1));
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(refusing.started.get(1) - refusing.refused.get(0));
            assertTrue(waitedMs >= 0.8 * 500, "waited " + waitedMs + " ms");
        } finally {
            fake.shutdownNow();
            fake2.shutdownNow();
        }
    }

    @Test
    void tlsAndTokenOptions(@TempDir Path dir) throws Exception {
        Path[] pem = TestServer.selfSignedCert(dir);
        Path in = wav(dir.resolve("in.wav"), 16_000, 1);
        try (TestServer tls = TestServer.start(TestServer.acceptToken("s3cret"), "transport.tls_cert_chain=" + pem[0],
                "transport.tls_private_key=" + pem[1])) {
            Run ok = run("--server", tls.target(), "--ca-cert", pem[0].toString(), "--token", "s3cret", "--manifest",
                    EXAMPLES.resolve("resample-16k.json").toString(), "--input", "resample=" + in);
            assertEquals(0, ok.code(), ok.err());
            Run untrusted = run("--server", tls.target(), "--tls", "--token", "s3cret", "--timeout-ms", "20000",
                    "--manifest", EXAMPLES.resolve("resample-16k.json").toString(), "--input", "resample=" + in);
            assertEquals(3, untrusted.code(), untrusted.err());
            assertTrue(untrusted.err().contains("UNAVAILABLE"), untrusted.err());
        }
    }

    /** Through scripts/remotemedia as a user runs it: stderr holds the progress bar and nothing else. */
    @Test
    void theLauncherPrintsNoLoggingNoise(@TempDir Path dir) throws Exception {
        Path in = wav(dir.resolve("in.wav"), 16_000, 2);
        List<String> cmd = new ArrayList<>(List.of(TestServer.ROOT.resolve("scripts/remotemedia").toString(), "call",
                "--server", server.target(), "--token", "right", "--manifest",
                EXAMPLES.resolve("resample-16k.json").toString(), "--input", "resample=" + in, "--output",
                "resample=" + dir.resolve("out.wav"), "--stream"));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the call did not end");
        String err = Files.readString(dir.resolve("stderr"));
        assertEquals(0, p.exitValue(), err);
        String rest = err.replaceAll("\\r\\[[#.]*\\] \\d+% \\d+/\\d+ chunks", "").replace("building the Java client"
                + " (mvn -f clients/java/pom.xml package) ...", "").strip();
        assertEquals("", rest, "stderr besides the progress bar");
        assertFalse(err.contains("SLF4J") || err.contains("WARNING"), err);
        assertTrue(Files.readString(dir.resolve("stdout")).contains("\"chunks_sent\":20"));
    }
}
