package org.remotemedia.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs a fuzz target once over its seeds before fuzzing starts (Jazzer's
 * {@code fuzzerInitialize}): the first inputs load and instrument hundreds of classes, which can
 * take longer than libFuzzer's per-input timeout and would be reported as a hang. Failures are
 * ignored here; the fuzzing run meets the same seeds again and reports them properly.
 */
public final class FuzzWarmUp {
    /** Set by scripts/fuzz to the target's seed directory. */
    public static final String SEEDS_PROPERTY = "remotemedia.fuzz.seeds";

    private FuzzWarmUp() {
    }

    public static void run(Consumer<byte[]> target) {
        String dir = System.getProperty(SEEDS_PROPERTY);
        if (dir == null || !Files.isDirectory(Path.of(dir))) {
            return;
        }
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            for (Path f : files.sorted().toList()) {
                try {
                    target.accept(Files.readAllBytes(f));
                } catch (Exception | AssertionError ignored) { // netty throws checked exceptions unchecked
                    // reported by the fuzzing run itself
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
