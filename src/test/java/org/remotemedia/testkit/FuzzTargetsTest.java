package org.remotemedia.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fuzz targets in CI: every committed seed and every regression input (a past finding,
 * src/test/fuzz/TARGET/regressions) replayed in this JVM, then a short coverage-guided run of
 * each target through scripts/fuzz (Jazzer in its own JVM, a few seconds) that must end with no
 * finding. Long runs: scripts/fuzz-long, docs/fuzzing.md.
 */
class FuzzTargetsTest {
    private static final int SHORT_RUN_SECONDS = 4;
    private static final Pattern DONE = Pattern.compile("Done (\\d+) runs in");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "manifest, org.remotemedia.pipeline.ManifestFuzzer",
        "request-parse, org.remotemedia.service.stream.RequestParseFuzzer",
        "deframer, org.remotemedia.grpc.MessageDeframerFuzzer",
        "request-headers, org.remotemedia.transport.RequestHeadersFuzzer",
        "wav, org.remotemedia.buffer.wav.WavReaderFuzzer",
    })
    void seedsAndRegressionsPassThenAShortRunFindsNothing(String target, String className) throws Exception {
        Method run = Class.forName(className).getMethod("fuzzerTestOneInput", byte[].class);
        List<Path> inputs = inputs(target);
        assertTrue(inputs.size() >= 4, target + " has a seed corpus (src/test/fuzz/" + target + "/seeds)");
        for (Path p : inputs) {
            try {
                run.invoke(null, (Object) Files.readAllBytes(p));
            } catch (InvocationTargetException e) {
                throw new AssertionError(target + " fails on " + p + " (replay: scripts/fuzz " + target
                        + " --replay " + p + ")", e.getCause());
            }
        }
        shortRun(target);
    }

    private static List<Path> inputs(String target) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("seeds", "regressions")) {
            Path d = Path.of("src/test/fuzz", target, dir);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    s.sorted().forEach(out::add);
                }
            }
        }
        return out;
    }

    private static void shortRun(String target) throws Exception {
        Path log = Files.createTempFile("fuzz-" + target, ".log");
        try {
            ProcessBuilder pb = new ProcessBuilder("scripts/fuzz", target, "--seconds",
                    Integer.toString(SHORT_RUN_SECONDS)).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("RM_SKIP_BUILD", "1"); // already built by this maven run
            // its own corpus, empty: a corpus grown by long runs would take longer than the run itself
            Path work = Path.of("target/fuzz-ci");
            deleteTree(work.resolve(target));
            pb.environment().put("RM_FUZZ_WORK", work.toAbsolutePath().toString());
            Process p = pb.start();
            if (!p.waitFor(4, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("scripts/fuzz " + target + " did not end within 4 minutes");
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), () -> "scripts/fuzz " + target + " reported a finding or failed:\n"
                    + tail(out));
            Matcher m = DONE.matcher(out);
            assertTrue(m.find() && Long.parseLong(m.group(1)) > 0, () -> "no executions reported:\n" + tail(out));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static String tail(String s) {
        return s.length() <= 6000 ? s : s.substring(s.length() - 6000);
    }
}
