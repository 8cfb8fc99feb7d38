package org.remotemedia.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A clone is all a reader has: no file may point at {@code ../shared} (the design and the
 * contract live in docs/) or at a tracker's issue numbers, which mean nothing outside it.
 * Say what the thing is instead.
 */
class StandsAloneTest {
    private static final List<String> ROOTS = List.of("README.md", "src", "scripts", "perf", "jmh", "docs", "config",
            "dist", "clients", "proto", ".ci", "deploy", "Containerfile", ".dockerignore");
    private static final Set<String> SKIPPED_DIRS = Set.of("target", "node_modules", "out", ".venv", "__pycache__");
    private static final Pattern ISSUE_NUMBER = Pattern.compile("\\b[Ii]ssue #?[0-9]+");

    @Test
    void noFilePointsOutsideTheRepository() throws IOException {
        List<String> found = new ArrayList<>();
        for (String root : ROOTS) {
            Path p = Path.of(root);
            if (!Files.exists(p)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(p)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).filter(StandsAloneTest::tracked)::iterator) {
                    check(f, found);
                }
            }
        }
        assertEquals(List.of(), found);
    }

    private static boolean tracked(Path f) {
        for (Path part : f) {
            if (SKIPPED_DIRS.contains(part.toString())) {
                return false;
            }
        }
        String name = f.getFileName().toString();
        return !name.endsWith(".wav") && !name.endsWith(".onnx") && !name.endsWith(".class") && !name.endsWith(".jar");
    }

    private static void check(Path f, List<String> found) throws IOException {
        if (f.toString().equals(Path.of("src/test/java/org/remotemedia/arch/StandsAloneTest.java").toString())) {
            return; // names the patterns it looks for
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(f);
        } catch (MalformedInputException e) {
            return; // binary
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.contains("../shared") || ISSUE_NUMBER.matcher(line).find()) {
                found.add(f + ":" + (i + 1) + ": " + line.strip());
            }
        }
    }
}
