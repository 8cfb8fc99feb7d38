package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/** The outbound framing without a transport: prefix, exact sizes, gzip only when it shrinks, every buffer released. */
class MessageFramerTest {
    /** Direct buffers with reference counts; each view is a fresh duplicate, as netty's shared one may be reused. */
    static final class TestBuffers implements OutboundBuffers {
        static final class Buf {
            final ByteBuffer memory;
            int refs = 1;
            int length;

            Buf(int capacity) {
                memory = ByteBuffer.allocateDirect(capacity + 3).position(3).slice(); // not at offset 0 of the view
            }

            byte[] content() {
                byte[] b = new byte[length];
                memory.get(0, b);
                return b;
            }
        }

        final List<Buf> allocated = new ArrayList<>();

        @Override
        public Object allocate(int capacity) {
            Buf b = new Buf(capacity);
            allocated.add(b);
            return b;
        }

        @Override
        public ByteBuffer view(Object owner, int index, int length) {
            // a view whose position is not 0 and whose order is little-endian: the framer must not assume either
            ByteBuffer mem = ((Buf) owner).memory;
            ByteBuffer v = mem.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            v.limit(index + length).position(index);
            return v;
        }

        @Override
        public void setByte(Object owner, int index, int value) {
            ((Buf) owner).memory.put(index, (byte) value);
        }

        @Override
        public void setInt(Object owner, int index, int value) {
            ((Buf) owner).memory.order(java.nio.ByteOrder.BIG_ENDIAN).putInt(index, value);
        }

        @Override
        public void setLength(Object owner, int length) {
            ((Buf) owner).length = length;
        }

        @Override
        public int length(Object owner) {
            return ((Buf) owner).length;
        }

        @Override
        public void retain(Object owner) {
            ((Buf) owner).refs++;
        }

        @Override
        public void release(Object owner) {
            Buf b = (Buf) owner;
            if (--b.refs < 0) {
                throw new AssertionError("released twice");
            }
        }

        int held() {
            return (int) allocated.stream().filter(b -> b.refs > 0).count();
        }
    }

    /** Writes the bytes it was given; {@code lie} makes it announce a different size than it writes. */
    static final class BytesEncoder implements MessageEncoder<byte[]> {
        final int lie;

        BytesEncoder(int lie) {
            this.lie = lie;
        }

        @Override
        public int serializedSize(byte[] m) {
            return m.length + lie;
        }

        @Override
        public void encode(byte[] m, ByteBuffer dst) {
            assertEquals(m.length + lie, dst.remaining(), "the encoder gets exactly the announced room");
            dst.put(m, 0, Math.min(m.length, dst.remaining()));
        }
    }

    private final TestBuffers buffers = new TestBuffers();
    private final MessageFramer framer = new MessageFramer(buffers);

    @Test
    void framesAMessageWithItsPrefixInOneExactBuffer() {
        byte[] payload = new byte[300];
        new Random(1).nextBytes(payload);
        Object framed = framer.frame(payload, new BytesEncoder(0));
        byte[] wire = ((TestBuffers.Buf) framed).content();
        assertEquals(5 + 300, wire.length);
        assertArrayEquals(new byte[] {0, 0, 0, 1, 44}, java.util.Arrays.copyOf(wire, 5));
        assertArrayEquals(payload, java.util.Arrays.copyOfRange(wire, 5, wire.length));
        assertEquals(1, buffers.held());
        assertRoundTrip(wire, payload);
    }

    @Test
    void anEmptyMessageIsJustThePrefix() {
        Object framed = framer.frame(new byte[0], new BytesEncoder(0));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0}, ((TestBuffers.Buf) framed).content());
        assertSame(framed, framer.compress(framed, new GzipCodec(1)), "nothing to compress");
    }

    @Test
    void anEncoderThatMisreportsItsSizeIsABugAndHoldsNothing() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> framer.frame(new byte[10], new BytesEncoder(2)));
        assertEquals("encoder wrote 10 bytes but announced 12", e.getMessage());
        assertThrows(IllegalStateException.class, () -> framer.frame(new byte[0], new BytesEncoder(-1)));
        assertEquals(0, buffers.held());
    }

    @Test
    void compressesWhenItShrinksAndReleasesTheUncompressedBuffer() throws IOException {
        byte[] payload = "a highly repetitive payload ".repeat(200).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Object framed = framer.frame(payload, new BytesEncoder(0));
        try (GzipCodec gzip = new GzipCodec(1)) {
            Object out = framer.compress(framed, gzip);
            assertNotSame(framed, out);
            assertEquals(0, ((TestBuffers.Buf) framed).refs, "the uncompressed buffer is given back");
            byte[] wire = ((TestBuffers.Buf) out).content();
            assertEquals(1, wire[0], "compressed flag");
            int n = ByteBuffer.wrap(wire, 1, 4).getInt();
            assertEquals(wire.length - 5, n);
            assertTrue(n < payload.length / 10, "compressed to " + n);
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(wire, 5, n))) {
                assertArrayEquals(payload, in.readAllBytes());
            }
            assertEquals(1, buffers.held());
        }
    }

    @Test
    void keepsAMessageUncompressedWhenGzipWouldNotShrinkIt() {
        byte[] payload = new byte[2000];
        new Random(2).nextBytes(payload);
        Object framed = framer.frame(payload, new BytesEncoder(0));
        try (GzipCodec gzip = new GzipCodec(1)) {
            assertSame(framed, framer.compress(framed, gzip));
        }
        assertEquals(0, ((TestBuffers.Buf) framed).content()[0]);
        assertEquals(1, buffers.held(), "the trial buffer is given back");
    }

    private static void assertRoundTrip(byte[] wire, byte[] payload) {
        MessageDeframerTest.CountingRefs refs = new MessageDeframerTest.CountingRefs();
        MessageDeframer d = new MessageDeframer(refs, 1 << 20);
        ByteBuffer in = ByteBuffer.wrap(wire);
        d.add(in, 0, wire.length, refs.newOwner());
        assertEquals(MessageDeframer.MESSAGE, d.poll());
        InboundMessage m = d.message();
        m.reposition();
        byte[] got = new byte[m.length()];
        m.copyTo(ByteBuffer.wrap(got));
        assertArrayEquals(payload, got);
        d.messageDone();
        d.close();
    }
}
