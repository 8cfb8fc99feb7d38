package org.remotemedia.perf;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A deliberately broken client for the bad-input scenario: an HTTP/2 connection written by hand
 * (preface, SETTINGS, one request's HEADERS and DATA frames, HPACK literals without indexing or
 * Huffman), so that it can stop where no real client library would: half-way through a gRPC
 * message, then drop the TCP connection. The server must clean the stream up.
 *
 * <p>Threads: one caller at a time.
 */
final class RawH2Client implements AutoCloseable {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int SETTINGS = 4;
    private static final int FLAG_END_HEADERS = 0x4;
    private static final int STREAM = 1;

    private final Socket socket;
    private final OutputStream out;

    RawH2Client(String host, int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(host, port), 10_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
        out.flush();
        // what the server writes (its SETTINGS, answers) is left unread in the socket buffer:
        // a few KiB, well inside it; this client never reads
    }

    /** Opens stream 1 for gRPC method {@code path}. */
    void startCall(String path, String authority) throws IOException {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        literal(h, ":method", "POST");
        literal(h, ":scheme", "http");
        literal(h, ":path", path);
        literal(h, ":authority", authority);
        literal(h, "content-type", "application/grpc");
        literal(h, "te", "trailers");
        frame(HEADERS, FLAG_END_HEADERS, STREAM, h.toByteArray());
        out.flush();
    }

    /** One whole gRPC message (5-byte prefix, uncompressed) in one DATA frame. */
    void message(byte[] body) throws IOException {
        frame(DATA, 0, STREAM, prefixed(body, body.length));
        out.flush();
    }

    /** The first {@code sentBytes} bytes of a message whose prefix announces all of {@code body}. */
    void partialMessage(byte[] body, int sentBytes) throws IOException {
        byte[] all = prefixed(body, body.length);
        byte[] part = new byte[5 + sentBytes];
        System.arraycopy(all, 0, part, 0, part.length);
        frame(DATA, 0, STREAM, part);
        out.flush();
    }

    private static byte[] prefixed(byte[] body, int announced) {
        byte[] b = new byte[5 + body.length];
        b[1] = (byte) (announced >>> 24);
        b[2] = (byte) (announced >>> 16);
        b[3] = (byte) (announced >>> 8);
        b[4] = (byte) announced;
        System.arraycopy(body, 0, b, 5, body.length);
        return b;
    }

    private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        int n = payload.length;
        out.write(new byte[] {(byte) (n >>> 16), (byte) (n >>> 8), (byte) n, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
    }

    /** HPACK "literal header field without indexing, new name" (RFC 7541 6.2.2), no Huffman. */
    private static void literal(ByteArrayOutputStream h, String name, String value) {
        h.write(0);
        string(h, name);
        string(h, value);
    }

    private static void string(ByteArrayOutputStream h, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        int n = b.length; // 7-bit prefix integer (RFC 7541 5.1)
        if (n < 127) {
            h.write(n);
        } else {
            h.write(127);
            n -= 127;
            while (n >= 128) {
                h.write((n & 0x7f) | 0x80);
                n >>>= 7;
            }
            h.write(n);
        }
        h.write(b, 0, b.length);
    }

    /** Drops the TCP connection without any HTTP/2 goodbye. */
    @Override
    public void close() throws IOException {
        socket.setSoLinger(true, 0); // RST, as a crashed client or a pulled cable would look
        socket.close();
    }
}
