package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameHeaderScannerTest {
    private static byte[] frames(int count, Random rnd, List<String> expected) {
        List<byte[]> parts = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < count; i++) {
            int len = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(3000);
            int type = rnd.nextInt(10);
            int flags = rnd.nextInt(256);
            int stream = rnd.nextInt(Integer.MAX_VALUE);
            byte[] payload = new byte[len];
            rnd.nextBytes(payload);
            byte[] f = RawH2Client.rawFrame(type, flags, stream, payload);
            parts.add(f);
            total += f.length;
            expected.add(type + "/" + flags + "/" + stream + "/" + len);
        }
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    @Test
    void reportsEveryHeaderOnceHoweverTheBytesAreSplit() throws Exception {
        Random rnd = new Random(42);
        for (int round = 0; round < 200; round++) {
            List<String> expected = new ArrayList<>();
            byte[] all = frames(1 + rnd.nextInt(30), rnd, expected);
            List<String> seen = new ArrayList<>();
            FrameHeaderScanner s = new FrameHeaderScanner();
            ByteBuf buf = Unpooled.wrappedBuffer(all);
            int at = 0;
            while (at < all.length) {
                int n = Math.min(all.length - at, rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(12) : 1 + rnd.nextInt(4000));
                s.scan(buf, at, at + n, (type, flags, stream, len) -> seen.add(type + "/" + flags + "/" + stream + "/"
                        + len));
                at += n;
            }
            assertEquals(expected, seen, "round " + round);
            buf.release();
        }
    }

    @Test
    void headerBlocksOpenOnHeadersWithoutEndHeadersAndCloseOnTheLastContinuation() {
        HeaderBlockClock c = new HeaderBlockClock(100);
        // frames that neither open nor continue a block need no time (the guard reads no clock for them)
        assertFalse(c.timed(HeaderBlockClock.TYPE_HEADERS, HeaderBlockClock.FLAG_END_HEADERS));
        assertFalse(c.timed(0x0, HeaderBlockClock.FLAG_END_HEADERS)); // DATA
        assertFalse(c.timed(HeaderBlockClock.TYPE_CONTINUATION, 0));
        assertTrue(c.timed(HeaderBlockClock.TYPE_HEADERS, 0));
        assertTrue(c.timed(HeaderBlockClock.TYPE_PUSH_PROMISE, 0));
        assertFalse(c.frame(HeaderBlockClock.TYPE_HEADERS, HeaderBlockClock.FLAG_END_HEADERS, 0));
        assertFalse(c.overdue(1000));
        assertTrue(c.frame(HeaderBlockClock.TYPE_HEADERS, 0, 10));
        assertTrue(c.timed(0x0, 0), "while a block is open every frame is timed");
        assertFalse(c.frame(HeaderBlockClock.TYPE_CONTINUATION, 0, 50));
        assertFalse(c.overdue(110));
        assertTrue(c.overdue(111));
        assertEquals(110, c.deadlineNanos());
        c.frame(HeaderBlockClock.TYPE_CONTINUATION, HeaderBlockClock.FLAG_END_HEADERS, 120);
        assertFalse(c.isOpen());
        assertFalse(c.timed(HeaderBlockClock.TYPE_CONTINUATION, HeaderBlockClock.FLAG_END_HEADERS));
        assertFalse(c.overdue(10_000));
    }
}
