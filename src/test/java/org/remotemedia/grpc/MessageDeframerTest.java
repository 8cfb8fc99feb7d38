package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageDeframerTest {
    /** Counts references per owner; every owner starts with one (the deframer's). */
    static final class CountingRefs implements BufferRefs {
        final Map<Object, Integer> counts = new IdentityHashMap<>();

        Object newOwner() {
            Object o = new Object();
            counts.put(o, 1);
            return o;
        }

        @Override
        public void retain(Object owner) {
            counts.merge(owner, 1, Integer::sum);
        }

        @Override
        public void release(Object owner) {
            int c = counts.get(owner) - 1;
            if (c < 0) {
                throw new AssertionError("released twice");
            }
            counts.put(owner, c);
        }

        boolean allReleased() {
            return counts.values().stream().allMatch(c -> c == 0);
        }
    }

    static byte[] frame(List<byte[]> messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            out.write(0);
            out.write(m.length >>> 24);
            out.write(m.length >>> 16);
            out.write(m.length >>> 8);
            out.write(m.length);
            out.writeBytes(m);
        }
        return out.toByteArray();
    }

    /** Splits {@code wire} at random points into direct buffers that share one backing buffer, like netty slices. */
    static void feed(MessageDeframer d, CountingRefs refs, byte[] wire, int from, int to) {
        ByteBuffer base = ByteBuffer.allocateDirect(wire.length + 16);
        base.put(8, wire, from, to - from);
        d.add(base, 8, to - from, refs.newOwner());
    }

    @Test
    void arbitrarySplitsYieldTheSameMessages() {
        Random r = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            List<byte[]> msgs = new ArrayList<>();
            int n = 1 + r.nextInt(8);
            for (int i = 0; i < n; i++) {
                byte[] m = new byte[r.nextInt(4) == 0 ? 0 : r.nextInt(r.nextBoolean() ? 40 : 70_000)];
                r.nextBytes(m);
                msgs.add(m);
            }
            byte[] wire = frame(msgs);
            CountingRefs refs = new CountingRefs();
            MessageDeframer d = new MessageDeframer(refs, 1 << 20);
            List<byte[]> got = new ArrayList<>();
            long returned = 0;
            int pos = 0;
            while (pos < wire.length) {
                int len = Math.min(wire.length - pos, 1 + r.nextInt(r.nextBoolean() ? 7 : 20_000));
                feed(d, refs, wire, pos, pos + len);
                pos += len;
                int rc;
                while ((rc = d.poll()) == MessageDeframer.MESSAGE) {
                    InboundMessage m = d.message();
                    assertEquals(m.length(), m.buffers().stream().mapToInt(ByteBuffer::remaining).sum());
                    got.add(m.toByteArray());
                    d.messageDone();
                }
                assertEquals(MessageDeframer.NEED_MORE, rc);
                returned += d.takeReturnableBytes();
            }
            assertFalse(d.hasPartialMessage());
            assertEquals(msgs.size(), got.size());
            for (int i = 0; i < msgs.size(); i++) {
                assertArrayEquals(msgs.get(i), got.get(i));
            }
            assertEquals(wire.length, returned, "every byte's window comes back once");
            assertTrue(refs.allReleased(), "each frame released exactly once");
            d.close();
            assertTrue(refs.allReleased());
        }
    }

    @Test
    void manyMessagesInOneFrameUseTheSharedViewWithoutSlicing() {
        List<byte[]> msgs = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            msgs.add(new byte[] {(byte) i, (byte) (i + 1)});
        }
        byte[] wire = frame(msgs);
        CountingRefs refs = new CountingRefs();
        MessageDeframer d = new MessageDeframer(refs, 1024);
        feed(d, refs, wire, 0, wire.length);
        ByteBuffer first = null;
        for (int i = 0; i < 100; i++) {
            assertEquals(MessageDeframer.MESSAGE, d.poll());
            InboundMessage m = d.message();
            assertEquals(1, m.bufferCount());
            assertTrue(m.buffer().isDirect());
            assertEquals((byte) i, m.buffer().get(m.buffer().position()));
            if (first == null) {
                first = m.buffer();
            }
            org.junit.jupiter.api.Assertions.assertSame(first, m.buffer(), "no per-message view allocation");
        }
        assertEquals(MessageDeframer.NEED_MORE, d.poll());
        assertTrue(refs.allReleased());
    }

    @Test
    void bytesAreReturnedOnlyAsTheConsumerReads() {
        CountingRefs refs = new CountingRefs();
        MessageDeframer d = new MessageDeframer(refs, 1 << 20);
        byte[] wire = frame(List.of(new byte[1000], new byte[1000]));
        feed(d, refs, wire, 0, wire.length);
        assertEquals(0, d.takeReturnableBytes(), "nothing read yet: no window back");
        assertEquals(MessageDeframer.MESSAGE, d.poll());
        assertEquals(1005, d.takeReturnableBytes());
        d.messageDone();
        assertEquals(2010, d.queuedBytes() + 1005);
    }

    @Test
    void aPartialMessageUnderDemandIsCreditedSoLargeMessagesCanArrive() {
        CountingRefs refs = new CountingRefs();
        MessageDeframer d = new MessageDeframer(refs, 1 << 20);
        byte[] wire = frame(List.of(new byte[100_000]));
        feed(d, refs, wire, 0, 60_000);
        assertEquals(MessageDeframer.NEED_MORE, d.poll());
        assertEquals(60_000, d.takeReturnableBytes());
        feed(d, refs, wire, 60_000, wire.length);
        assertEquals(MessageDeframer.MESSAGE, d.poll());
        assertEquals(wire.length - 60_000, d.takeReturnableBytes());
        assertEquals(2, d.message().bufferCount());
        d.messageDone();
        assertTrue(refs.allReleased());
    }

    @Test
    void oversizedAndBadFlag() {
        CountingRefs refs = new CountingRefs();
        MessageDeframer d = new MessageDeframer(refs, 10);
        byte[] wire = frame(List.of(new byte[11]));
        feed(d, refs, wire, 0, wire.length);
        assertEquals(MessageDeframer.ERR_TOO_LARGE, d.poll());
        assertEquals(11, d.badValue());
        d.close();
        assertTrue(refs.allReleased());

        MessageDeframer d2 = new MessageDeframer(refs, 10);
        byte[] bad = {2, 0, 0, 0, 0};
        feed(d2, refs, bad, 0, bad.length);
        assertEquals(MessageDeframer.ERR_BAD_FLAG, d2.poll());
        d2.close();
        assertTrue(refs.allReleased());

        MessageDeframer d3 = new MessageDeframer(refs, Integer.MAX_VALUE - 8);
        byte[] huge = {0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        feed(d3, refs, huge, 0, huge.length);
        assertEquals(MessageDeframer.ERR_TOO_LARGE, d3.poll());
        assertEquals(0xffffffffL, d3.badValue());
        d3.close();
    }

    @Test
    void truncatedMessageIsVisible() {
        CountingRefs refs = new CountingRefs();
        MessageDeframer d = new MessageDeframer(refs, 100);
        byte[] wire = frame(List.of(new byte[50]));
        feed(d, refs, wire, 0, 30);
        assertEquals(MessageDeframer.NEED_MORE, d.poll());
        assertTrue(d.hasPartialMessage());
        d.close();
        assertTrue(refs.allReleased());
    }

    @Test
    void retainedMessageOutlivesTheCallbackAndReleasesOnce() {
        CountingRefs refs = new CountingRefs();
        MessageDeframer d = new MessageDeframer(refs, 1 << 20);
        byte[] payload = new byte[300];
        new Random(1).nextBytes(payload);
        byte[] wire = frame(List.of(payload));
        feed(d, refs, wire, 0, 100);
        feed(d, refs, wire, 100, wire.length);
        assertEquals(MessageDeframer.MESSAGE, d.poll());
        InboundMessage kept = d.message().retain();
        d.messageDone();
        d.close();
        assertFalse(refs.allReleased(), "the retained handle still holds both frames");
        assertArrayEquals(payload, kept.toByteArray());
        assertEquals(2, kept.bufferCount());
        kept.release();
        assertTrue(refs.allReleased());
        assertThrows(IllegalStateException.class, kept::release);
        assertThrows(IllegalStateException.class, () -> d.message().release());
    }
}
