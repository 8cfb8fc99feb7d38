package org.remotemedia.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The call's inbound state machine without a transport: demand, delivery, half-close, errors, terminate once, deadline. */
class ServerCallStateTest {
    private static final int LIMIT = 1 << 16;

    /** Records what the call delivers; ends the call on an inbound failure, as the transport does. */
    final class Recorder implements ServerCallState.Listener {
        final List<String> events = new ArrayList<>();
        final List<byte[]> messages = new ArrayList<>();
        long windowReturned;
        ServerCallState call;
        Runnable onMessageHook = () -> { };
        RuntimeException throwFromHandler;

        @Override
        public void onMessage(InboundMessage m) {
            record("message", m);
            onMessageHook.run();
        }

        @Override
        public void onRequest(InboundMessage m) {
            record("request", m);
        }

        private void record(String what, InboundMessage m) {
            byte[] b = new byte[m.length()];
            m.copyTo(ByteBuffer.wrap(b));
            messages.add(b);
            events.add(what + " " + b.length + (m.wasCompressed() ? " gzip" : ""));
            if (throwFromHandler != null) {
                throw throwFromHandler;
            }
        }

        @Override
        public void onHalfClose() {
            events.add("halfClose");
        }

        @Override
        public void inboundFailed(Status status) {
            events.add("failed " + status.code() + ": " + status.description());
            call.terminate();
        }

        @Override
        public void handlerFailed(Throwable t, String where) {
            events.add("handlerFailed " + where);
            call.terminate();
        }

        @Override
        public void returnWindow(int bytes) {
            windowReturned += bytes;
        }
    }

    private final MessageFramerTest.TestBuffers buffers = new MessageFramerTest.TestBuffers();
    private final Recorder rec = new Recorder();
    private final DeframerPool deframers = new DeframerPool(buffers, LIMIT);

    private ServerCallState call(boolean unary, String encoding, long startNanos, long timeoutNanos) {
        ServerCallState c = new ServerCallState(rec, unary, "/t.S/M", unary ? "unary" : "server-streaming",
                buffers, deframers, LIMIT, encoding, () -> new GzipCodec(1), startNanos, timeoutNanos);
        rec.call = c;
        return c;
    }

    /** Sends {@code wire} as DATA frames split at random points, each its own buffer. */
    private void send(ServerCallState c, byte[] wire, boolean end, Random rnd) {
        int at = 0;
        while (at < wire.length) {
            int n = Math.min(wire.length - at, 1 + rnd.nextInt(40));
            Object owner = buffers.allocate(n);
            ByteBuffer v = buffers.view(owner, 0, n);
            int pos = v.position();
            v.put(wire, at, n);
            at += n;
            c.data(v, pos, n, owner, end && at == wire.length);
        }
        if (wire.length == 0 && end) {
            c.data(null, 0, 0, null, true);
        }
    }

    private static byte[] frames(boolean compressed, byte[]... messages) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] m : messages) {
            out.write(compressed ? 1 : 0);
            out.writeBytes(ByteBuffer.allocate(4).putInt(m.length).array());
            out.writeBytes(m);
        }
        return out.toByteArray();
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private void assertAllReleased() {
        assertEquals(0, buffers.held(), "every buffer given back");
    }

    @Test
    void streamingDeliversOneMessagePerUnitOfDemandThenHalfCloseOnce() {
        ServerCallState c = call(false, null, 0, -1);
        byte[] a = bytes(100, 1);
        byte[] b = bytes(0, 2);
        byte[] d = bytes(300, 3);
        send(c, frames(false, a, b, d), true, new Random(7));
        assertEquals(List.of(), rec.events, "no demand, no delivery");
        c.request(1);
        assertEquals(List.of("message 100"), rec.events);
        c.request(5);
        assertEquals(List.of("message 100", "message 0", "message 300", "halfClose"), rec.events);
        assertArrayEquals(d, rec.messages.get(2));
        c.request(1);
        c.endOfStream();
        assertEquals(4, rec.events.size(), "half-close once");
        assertEquals(frames(false, a, b, d).length, rec.windowReturned, "every byte read is given back");
        assertTrue(c.terminate());
        assertFalse(c.terminate(), "terminate once");
        assertAllReleased();
    }

    @Test
    void demandAskedForDuringADeliveryIsFoldedIntoTheLoop() {
        ServerCallState c = call(false, null, 0, -1);
        rec.onMessageHook = () -> c.request(1); // the handler asks for the next one from onMessage
        send(c, frames(false, bytes(10, 1), bytes(20, 2), bytes(30, 3)), true, new Random(1));
        c.request(1);
        assertEquals(List.of("message 10", "message 20", "message 30", "halfClose"), rec.events);
    }

    @Test
    void unaryTakesExactlyOneMessageAfterTheClientEnded() {
        ServerCallState c = call(true, null, 0, -1);
        byte[] m = bytes(1000, 4);
        send(c, frames(false, m), false, new Random(3));
        assertEquals(List.of(), rec.events, "not before END_STREAM");
        c.endOfStream();
        assertEquals(List.of("request 1000"), rec.events);
        assertArrayEquals(m, rec.messages.get(0));
        c.terminate();
        assertAllReleased();
    }

    /**
     * A connection's calls one after another share its deframers (DeframerPool): each call gets
     * exactly its own bytes, whatever the one before left half-read, and a frame that arrives for
     * a call already released is only given back, never seen by the call that reuses the deframer.
     */
    @Test
    void callsThatReuseADeframerSeeOnlyTheirOwnBytes() {
        Random rnd = new Random(9);
        ServerCallState stale = null;
        for (int i = 0; i < 40; i++) {
            rec.events.clear();
            rec.messages.clear();
            ServerCallState c = call(true, null, 0, -1);
            // mostly up to ~50 frames (kept for the next call); every 5th ~1,000 frames (grown: let go)
            byte[] m = bytes(i % 5 == 4 ? 20_000 : 1 + rnd.nextInt(1_000), i);
            if (i % 3 == 1) { // a call that ends with half a message queued
                byte[] wire = frames(false, m);
                send(c, java.util.Arrays.copyOf(wire, wire.length / 2), false, rnd);
                c.terminate();
                c.release();
                stale = c;
                continue;
            }
            if (stale != null) { // a late frame for the released call, while this one is open
                send(stale, bytes(7, i), false, rnd);
            }
            send(c, frames(false, m), true, rnd);
            assertEquals(List.of("request " + m.length), rec.events, "call " + i);
            assertArrayEquals(m, rec.messages.get(0), "call " + i);
            c.terminate();
            c.release();
            c.release(); // idempotent: given back once
            assertAllReleased();
        }
        // 40 calls: a new deframer only after each of the 8 grown ones was let go (and the first)
        assertTrue(deframers.created() <= 9, "created " + deframers.created());
        assertTrue(deframers.kept() <= DeframerPool.MAX_KEPT);
    }

    /** A handler that ends and releases its call while it is being delivered still gets the window back for what was read. */
    @Test
    void releasedDuringDeliveryTheReadBytesStillGoBackToTheWindow() {
        ServerCallState c = call(false, null, 0, -1);
        byte[] wire = frames(false, bytes(3000, 5));
        rec.onMessageHook = () -> {
            c.terminate();
            c.release(); // the deframer goes back to the pool inside the callback
        };
        c.request(1);
        send(c, wire, false, new Random(6));
        assertEquals(List.of("message 3000"), rec.events);
        assertEquals(wire.length, rec.windowReturned, "every byte read is given back");
        assertAllReleased();
        ServerCallState next = call(true, null, 0, -1); // takes the deframer given back
        byte[] m = bytes(10, 7);
        send(next, frames(false, m), true, new Random(8));
        assertArrayEquals(m, rec.messages.get(1));
    }

    @Test
    void unaryWithNoneOrTwoMessagesOrATruncatedOneFails() {
        call(true, null, 0, -1);
        send(rec.call, new byte[0], true, new Random(1));
        assertEquals(List.of("failed INTERNAL: no request message: the client ended the stream without one, but "
                + "/t.S/M is a unary method and takes exactly one"), rec.events);

        rec.events.clear();
        call(true, null, 0, -1);
        send(rec.call, frames(false, bytes(5, 1), bytes(5, 2)), true, new Random(1));
        assertEquals(List.of("failed INTERNAL: too many request messages: /t.S/M is a unary method and takes "
                + "exactly one"), rec.events);

        rec.events.clear();
        call(true, null, 0, -1);
        byte[] wire = frames(false, bytes(50, 1));
        send(rec.call, java.util.Arrays.copyOf(wire, 30), true, new Random(1)); // the prefix, then 25 body bytes
        assertEquals(List.of("failed INTERNAL: truncated message: the client ended the stream with 25 bytes of an "
                + "unfinished length-prefixed message"), rec.events);
        assertAllReleased();
    }

    @Test
    void prefixErrorsEndTheCallWithTheirStatus() {
        call(false, null, 0, -1);
        rec.call.request(1);
        send(rec.call, new byte[] {0, 0x7f, 0, 0, 0}, false, new Random(1));
        assertEquals(List.of("failed RESOURCE_EXHAUSTED: received message of 2130706432 bytes exceeds the limit of "
                + LIMIT + " bytes (transport.max_inbound_message_bytes)"), rec.events);
        rec.call.request(1);
        send(rec.call, frames(false, bytes(3, 1)), true, new Random(1));
        assertEquals(1, rec.events.size(), "nothing delivered after the end");

        rec.events.clear();
        call(false, null, 0, -1);
        rec.call.request(1);
        send(rec.call, new byte[] {7, 0, 0, 0, 0}, false, new Random(1));
        assertEquals(List.of("failed INTERNAL: invalid message prefix: compressed flag 7, expected 0 or 1 (the stream "
                + "is not gRPC length-prefixed messages)"), rec.events);
        assertAllReleased();
    }

    @Test
    void gzipMessagesAreInflatedAndBounded() throws IOException {
        byte[] plain = "la la la la la la la la ".repeat(100).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(z)) {
            g.write(plain);
        }
        ServerCallState c = call(false, "gzip", 0, -1);
        c.request(2);
        send(c, frames(true, z.toByteArray()), false, new Random(5)); // split: inflated from a gathered copy
        send(c, frames(false, plain), true, new Random(5));
        assertEquals(List.of("message " + plain.length + " gzip", "message " + plain.length, "halfClose"), rec.events);
        assertArrayEquals(plain, rec.messages.get(0));
        c.terminate();
        assertAllReleased();

        rec.events.clear();
        call(false, null, 0, -1);
        rec.call.request(1);
        send(rec.call, frames(true, z.toByteArray()), false, new Random(5));
        assertTrue(rec.events.get(0).startsWith("failed INTERNAL: a message has the compressed flag set but the "
                + "request has no grpc-encoding header"), rec.events.toString());

        rec.events.clear();
        call(false, "gzip", 0, -1);
        rec.call.request(1);
        byte[] corrupt = z.toByteArray().clone();
        corrupt[corrupt.length - 6] ^= 1; // CRC
        send(rec.call, frames(true, corrupt), false, new Random(5));
        assertEquals(List.of("failed INTERNAL: could not decompress a gzip message of " + corrupt.length
                + " bytes: corrupt data, or a CRC or size mismatch"), rec.events);

        rec.events.clear();
        byte[] big = new byte[LIMIT + 1];
        ByteArrayOutputStream zb = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(zb)) {
            g.write(big);
        }
        call(false, "gzip", 0, -1);
        rec.call.request(1);
        send(rec.call, frames(true, zb.toByteArray()), false, new Random(5));
        assertEquals(List.of("failed RESOURCE_EXHAUSTED: decompressed message of " + (LIMIT + 1) + " bytes exceeds "
                + "the limit of " + LIMIT + " bytes (transport.max_inbound_message_bytes)"), rec.events);
        assertAllReleased();
    }

    @Test
    void aThrowingHandlerEndsTheCallAndItsMessageIsGivenBack() {
        ServerCallState c = call(false, null, 0, -1);
        rec.throwFromHandler = new IllegalStateException("bug");
        c.request(3);
        send(c, frames(false, bytes(10, 1), bytes(10, 2)), true, new Random(2));
        assertEquals(List.of("message 10", "handlerFailed onMessage"), rec.events);
        assertAllReleased();
    }

    @Test
    void nothingIsDeliveredAfterTerminate() {
        ServerCallState c = call(false, null, 0, -1);
        assertTrue(c.terminate());
        c.request(5);
        send(c, frames(false, bytes(10, 1)), true, new Random(2));
        assertEquals(List.of(), rec.events);
        assertAllReleased();
    }

    @Test
    void theDeadlineIsStartPlusTimeoutSaturated() {
        ServerCallState c = call(true, null, 1_000, 250_000_000L);
        assertTrue(c.hasDeadline());
        assertEquals(250_001_000L, c.deadlineNanoTime());
        assertEquals(1_000L, c.nanosUntilDeadline(250_000_000L));
        assertEquals("deadline exceeded: the call ran past its grpc-timeout of 250 ms", c.deadlineExceeded().description());
        assertEquals(StatusCode.DEADLINE_EXCEEDED, c.deadlineExceeded().code());
        assertEquals("deadline exceeded: the call ran past its grpc-timeout of 1500 us",
                call(true, null, 0, 1_500_000L).deadlineExceeded().description());
        assertEquals(Long.MAX_VALUE, call(true, null, Long.MAX_VALUE - 5, 1_000_000L).deadlineNanoTime());
        ServerCallState none = call(true, null, 0, -1);
        assertFalse(none.hasDeadline());
        assertEquals(Long.MAX_VALUE, none.deadlineNanoTime());
    }
}
