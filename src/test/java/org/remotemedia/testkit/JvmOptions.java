package org.remotemedia.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** config/jvm.options (one option per line, {@code #} comments), for tests and benchmarks that start a JVM. */
public final class JvmOptions {
    private JvmOptions() {
    }

    /** The options of {@code file}. */
    public static List<String> read(Path file) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int hash = line.indexOf('#');
                String opt = (hash < 0 ? line : line.substring(0, hash)).strip();
                if (!opt.isEmpty()) {
                    out.add(opt);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The checkout's config/jvm.options (tests run in the repository's root). */
    public static List<String> read() {
        return read(Path.of("config", "jvm.options"));
    }
}
