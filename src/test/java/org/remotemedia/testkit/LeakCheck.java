package org.remotemedia.testkit;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test whose netty buffers leaked: after the test, forces GCs and allocations (each
 * tracked allocation polls the detector's queue) and fails on any {@link LeakRecorder} report.
 * Use with {@code @ExtendWith(LeakCheck.class)}.
 */
public final class LeakCheck implements BeforeEachCallback, AfterEachCallback {
    @Override
    public void beforeEach(ExtensionContext context) {
        collect();
        LeakRecorder.drain();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!LeakRecorder.isInstalled()) {
            throw new AssertionError("netty's leak detector is not LeakRecorder: run the tests through maven "
                    + "(surefire sets -Dio.netty.customResourceLeakDetector), or set that property yourself");
        }
        List<String> reports = collect();
        if (!reports.isEmpty()) {
            throw new AssertionError(reports.size() + " netty buffer leak(s) in " + context.getDisplayName() + ":\n"
                    + String.join("\n---\n", reports));
        }
    }

    /** GC a few times and poke the detectors; returns and clears the reports. */
    public static List<String> collect() {
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (int j = 0; j < 64; j++) {
                ByteBuf a = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                a.release();
                ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer(16);
                b.release();
            }
        }
        return LeakRecorder.drain();
    }
}
