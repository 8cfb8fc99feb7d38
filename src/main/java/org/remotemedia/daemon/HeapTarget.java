package org.remotemedia.daemon;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.ManagementFactory;
import org.remotemedia.observe.JsonLog;

/**
 * ZGC's soft heap target ({@code SoftMaxHeapSize}), set at start when the JVM flags leave it
 * at its default (the max heap). Without one, ZGC on a large machine lets garbage grow to
 * gigabytes before it collects, and an attack's garbage stays resident (perf/RESULTS.md,
 * "Memory after attacks"). The flag takes only absolute sizes, while config/jvm.options sizes
 * the heap as a share of the machine, so the daemon derives it here: the initial heap
 * ({@code -XX:InitialRAMPercentage}), at least {@link #FLOOR_BYTES}, at most the max heap.
 * An explicit {@code -XX:SoftMaxHeapSize} is kept as given.
 *
 * <p>Stateless; called once at start on the main thread.
 */
final class HeapTarget {
    static final long FLOOR_BYTES = 256L << 20;

    private HeapTarget() {
    }

    /** The soft max for a heap that starts at {@code initial} and may grow to {@code max} bytes. */
    static long softMaxFor(long initial, long max) {
        return Math.min(max, Math.max(initial, FLOOR_BYTES));
    }

    /** Sets the soft max unless the flags did; logs {@code heap} with the figures either way. */
    static void apply(JsonLog log) {
        HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        long max = Long.parseLong(vm.getVMOption("MaxHeapSize").getValue());
        long initial = Long.parseLong(vm.getVMOption("InitialHeapSize").getValue());
        VMOption soft = vm.getVMOption("SoftMaxHeapSize");
        boolean fromFlags = soft.getOrigin() != VMOption.Origin.DEFAULT && soft.getOrigin() != VMOption.Origin.ERGONOMIC;
        long softMax = fromFlags ? Long.parseLong(soft.getValue()) : softMaxFor(initial, max);
        if (!fromFlags) {
            try {
                vm.setVMOption("SoftMaxHeapSize", Long.toString(softMax));
            } catch (RuntimeException e) { // a JVM that does not let it be set at run time
                log.warn("heap_soft_max_not_set", null, "soft_max_bytes", softMax, "error", e.toString());
                return;
            }
        }
        log.info("heap", null, "max_bytes", max, "initial_bytes", initial, "soft_max_bytes", softMax,
                "soft_max_from", fromFlags ? "jvm flags" : "initial heap");
    }
}
