package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.remotemedia.testkit.JvmOptions;

/**
 * The memory flags config/jvm.options ships (docs/operations.md, "Memory"): the heap sized from
 * the machine or the container's limit (or fixed with -Xmx), and ZGC giving memory back within
 * seconds. Without the last four, the RSS after a flood stayed up by as much as 1.4 GB; with them
 * every attack's RSS was back within 100 MB in 30 s (perf/RESULTS.md, "Memory after attacks" and
 * "Memory after attacks, with the shipped JVM flags").
 */
class ShippedMemoryFlagsTest {
    private static final List<String> OPTIONS = JvmOptions.read();

    private static Optional<String> value(String prefix) {
        return OPTIONS.stream().filter(o -> o.startsWith(prefix)).map(o -> o.substring(prefix.length()))
                .reduce((first, last) -> last); // the JVM takes the last
    }

    private static long number(String prefix) {
        return value(prefix).map(Long::parseLong)
                .orElseThrow(() -> new AssertionError(prefix + "N missing from config/jvm.options: " + OPTIONS));
    }

    @Test
    void theHeapIsSizedFromTheMachineOrFixed() {
        Optional<String> share = value("-XX:MaxRAMPercentage=");
        assertTrue(share.isPresent() || value("-Xmx").isPresent(),
                "a heap limit: -XX:MaxRAMPercentage (machine or container) or -Xmx: " + OPTIONS);
        share.ifPresent(s -> assertTrue(Double.parseDouble(s) > 0 && Double.parseDouble(s) <= 50,
                "direct memory may take as much again as the heap: " + s));
    }

    @Test
    void zgcGivesMemoryBackWithinSeconds() {
        assertTrue(OPTIONS.contains("-XX:+UseZGC"), OPTIONS::toString);
        assertTrue(OPTIONS.contains("-XX:+ZUncommit"), OPTIONS::toString);
        long delay = number("-XX:ZUncommitDelay=");
        assertTrue(delay >= 1 && delay <= 10, "unused heap given back within the 30 s after an attack: " + delay);
        long interval = number("-XX:ZCollectionInterval=");
        assertTrue(interval >= 1 && interval <= 10, "a collection at least every few seconds: " + interval);
        long trim = number("-XX:TrimNativeHeapInterval=");
        assertTrue(trim >= 1 && trim <= 10_000, "malloc's free memory trimmed every few seconds (ms): " + trim);
    }
}
