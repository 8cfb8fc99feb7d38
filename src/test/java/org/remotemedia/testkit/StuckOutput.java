package org.remotemedia.testkit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * An output whose writes wait until {@link #release} (a full pipe, a throttled journal): for
 * tests that a logger's callers never wait on stdout. What was written is kept.
 */
public final class StuckOutput extends OutputStream {
    /** Counted down when the first write starts (and waits). */
    public final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        entered.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (written) {
            written.write(b, off, len);
        }
    }

    /** Lets every write, waiting or later, go through. */
    public void release() {
        release.countDown();
    }

    /** Everything written so far. */
    public String text() {
        synchronized (written) {
            return written.toString(StandardCharsets.UTF_8);
        }
    }
}
