package org.remotemedia.testkit;

import io.netty.util.ResourceLeakDetector;
import java.util.ArrayList;
import java.util.List;

/**
 * Netty's leak detector, recording each leak report so tests can fail on it. Installed for
 * the whole test JVM by surefire ({@code -Dio.netty.customResourceLeakDetector}); the level is
 * PARANOID there, so every buffer is tracked.
 *
 * <p>Thread-safe: reports arrive on whichever thread allocates next.
 */
public final class LeakRecorder<T> extends ResourceLeakDetector<T> {
    private static final List<String> REPORTS = new ArrayList<>();
    private static volatile boolean installed;

    public LeakRecorder(Class<?> resourceType, int samplingInterval) {
        super(resourceType, samplingInterval);
        installed = true;
    }

    public LeakRecorder(Class<?> resourceType, int samplingInterval, long maxActive) {
        this(resourceType, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
        record("LEAK: " + resourceType + " was GC'd without release()" + records);
        super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
        record("LEAK: " + resourceType + " was GC'd without release() (no records)");
        super.reportUntracedLeak(resourceType);
    }

    private static void record(String s) {
        synchronized (REPORTS) {
            REPORTS.add(s);
        }
    }

    /** True once netty created a detector of this class (the system property took effect). */
    public static boolean isInstalled() {
        return installed;
    }

    /** The reports so far, cleared. */
    public static List<String> drain() {
        synchronized (REPORTS) {
            List<String> out = new ArrayList<>(REPORTS);
            REPORTS.clear();
            return out;
        }
    }
}
