package org.remotemedia.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leak check itself can fail: a dropped buffer is reported. */
class LeakCheckTest {
    @Test
    void aDroppedBufferIsReported() {
        assertTrue(LeakRecorder.isInstalled() || probe(), "LeakRecorder is netty's detector in this JVM");
        LeakCheck.collect();
        leak();
        List<String> reports = LeakCheck.collect();
        assertFalse(reports.isEmpty(), "a buffer dropped without release() must be reported");
        assertTrue(reports.get(0).startsWith("LEAK: ByteBuf"), reports.get(0));
    }

    private static boolean probe() {
        PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
        return LeakRecorder.isInstalled();
    }

    private static void leak() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeInt(42);
        // dropped without release()
    }
}
