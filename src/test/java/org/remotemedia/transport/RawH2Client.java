package org.remotemedia.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bare HTTP/2 client from netty's codec (test scope), for what standard gRPC clients never
 * send: wrong methods and headers, broken framing, pings and resets at will. Frames received
 * are queued as {@link Event}s.
 */
final class RawH2Client implements AutoCloseable {
    /** One received frame. */
    record Event(String type, int streamId, Http2Headers headers, byte[] data, boolean endStream, long code,
            int lastStreamId, String debug) {
    }

    /** What one stream received until it ended. */
    record Response(List<Http2Headers> headers, byte[] data, long rstCode, boolean ended) {
        String header(String name) {
            for (int i = headers.size() - 1; i >= 0; i--) {
                CharSequence v = headers.get(i).get(name);
                if (v != null) {
                    return v.toString();
                }
            }
            return null;
        }

        String httpStatus() {
            return headers.isEmpty() || headers.get(0).status() == null ? null : headers.get(0).status().toString();
        }

        Integer grpcStatus() {
            String s = header("grpc-status");
            return s == null ? null : Integer.valueOf(s);
        }
    }

    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final Channel channel;
    private final Http2ConnectionHandler handler;
    private volatile boolean autoConsume = true;
    private final CountDownLatch serverSettings = new CountDownLatch(1);
    private int nextStreamId = 1;

    RawH2Client(int port) throws Exception {
        this(port, Http2Settings.defaultSettings());
    }

    RawH2Client(int port, Http2Settings settings) throws Exception {
        this(port, settings, 0);
    }

    /** With {@code receiveBufferBytes > 0}: a small socket receive buffer (a peer that reads little). */
    RawH2Client(int port, Http2Settings settings, int receiveBufferBytes) throws Exception {
        CompletableFuture<Http2ConnectionHandler> h = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        Http2ConnectionHandler handler = new Http2ConnectionHandlerBuilder()
                                .server(false)
                                .encoderIgnoreMaxHeaderListSize(true)
                                .initialSettings(settings)
                                .frameListener(new Listener())
                                .build();
                        ch.pipeline().addLast(handler);
                        h.complete(handler);
                    }
                });
        if (receiveBufferBytes > 0) {
            b.option(ChannelOption.SO_RCVBUF, receiveBufferBytes);
        }
        channel = b.connect("127.0.0.1", port).sync().channel();
        handler = h.get(5, TimeUnit.SECONDS);
    }

    /** Waits until the server's first SETTINGS frame has arrived and been applied. */
    boolean awaitServerSettings(long timeoutMs) throws InterruptedException {
        return serverSettings.await(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Stop giving flow-control window back: the client "stops reading". */
    void stopReading() {
        autoConsume = false;
    }

    private final class Listener extends Http2FrameAdapter {
        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            events.add(new Event("DATA", streamId, null, ByteBufUtil.getBytes(data), endOfStream, 0, 0, null));
            return autoConsume ? data.readableBytes() + padding : 0;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                boolean endStream) {
            events.add(new Event("HEADERS", streamId, headers, null, endStream, 0, 0, null));
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                short weight, boolean exclusive, int padding, boolean endStream) {
            onHeadersRead(ctx, streamId, headers, padding, endStream);
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            events.add(new Event("RST_STREAM", streamId, null, null, true, errorCode, 0, null));
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            events.add(new Event("GOAWAY", 0, null, null, false, errorCode, lastStreamId,
                    debugData.toString(StandardCharsets.UTF_8)));
        }

        @Override
        public void onPingRead(ChannelHandlerContext ctx, long data) {
            events.add(new Event("PING", 0, null, null, false, data, 0, null));
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            serverSettings.countDown(); // netty has applied them by now
        }

        @Override
        public void onPingAckRead(ChannelHandlerContext ctx, long data) {
            events.add(new Event("PING_ACK", 0, null, null, false, data, 0, null));
        }
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return channel.eventLoop().submit(task).get(5, TimeUnit.SECONDS);
    }

    private ChannelHandlerContext ctx() {
        return channel.pipeline().context(handler);
    }

    static Http2Headers grpcHeaders(String path) {
        return new DefaultHttp2Headers().method("POST").scheme("http").path(path).authority("localhost")
                .set("content-type", "application/grpc").set("te", "trailers");
    }

    /** A gRPC length-prefixed message. */
    static byte[] frame(byte[] body, boolean compressed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(compressed ? 1 : 0);
        out.write(body.length >>> 24);
        out.write(body.length >>> 16);
        out.write(body.length >>> 8);
        out.write(body.length);
        out.writeBytes(body);
        return out.toByteArray();
    }

    /** One frame as bytes, for {@link #raw}: 9-byte header, then the payload. */
    static byte[] rawFrame(int type, int flags, int streamId, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (streamId >>> 24);
        f[6] = (byte) (streamId >>> 16);
        f[7] = (byte) (streamId >>> 8);
        f[8] = (byte) streamId;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /**
     * What a client still sends on a stream it does not know is reset yet, written past the
     * codec (which would refuse to write on a stream it has seen reset): {@code frames} DATA
     * frames of {@code bytes} each, then empty trailers (HEADERS, END_STREAM), then a
     * WINDOW_UPDATE and a RST_STREAM(CANCEL).
     */
    static byte[] inFlight(int streamId, int frames, int bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < frames; i++) {
            out.writeBytes(rawFrame(0x0, 0, streamId, new byte[bytes]));
        }
        out.writeBytes(rawFrame(0x1, 0x4 | 0x1, streamId, new byte[0])); // END_HEADERS | END_STREAM
        out.writeBytes(rawFrame(0x8, 0, streamId, new byte[] {0, 0, 0x10, 0}));
        out.writeBytes(rawFrame(0x3, 0, streamId, new byte[] {0, 0, 0, 0x8}));
        return out.toByteArray();
    }

    /** {@code count} copies of one frame, for floods written with {@link #raw}. */
    static byte[] repeat(byte[] frame, int count) {
        byte[] out = new byte[frame.length * count];
        for (int i = 0; i < count; i++) {
            System.arraycopy(frame, 0, out, i * frame.length, frame.length);
        }
        return out;
    }

    /** The GOAWAY frames received so far (none expected: the connection must survive). */
    List<Event> goAways() {
        List<Event> g = new ArrayList<>();
        for (Event e : events) {
            if (e.type().equals("GOAWAY")) {
                g.add(e);
            }
        }
        return g;
    }

    int newStreamId() {
        int id = nextStreamId;
        nextStreamId += 2;
        return id;
    }

    int headers(Http2Headers headers, boolean endStream) throws Exception {
        int id = newStreamId();
        headers(id, headers, endStream);
        return id;
    }

    void headers(int id, Http2Headers headers, boolean endStream) throws Exception {
        onLoop(() -> {
            handler.encoder().writeHeaders(ctx(), id, headers, 0, endStream, ctx().newPromise());
            ctx().flush();
            return null;
        });
    }

    void data(int id, byte[] bytes, boolean endStream) throws Exception {
        onLoop(() -> {
            handler.encoder().writeData(ctx(), id, Unpooled.wrappedBuffer(bytes), 0, endStream, ctx().newPromise());
            handler.flush(ctx());
            return null;
        });
    }

    /** Streams whose DATA still waits for the server's flow-control window in this client. */
    int streamsWithUnsentData() throws Exception {
        return onLoop(() -> {
            int[] n = {0};
            handler.connection().forEachActiveStream(st -> {
                if (handler.encoder().flowController().hasFlowControlled(st)) {
                    n[0]++;
                }
                return true;
            });
            return n[0];
        });
    }

    /** Lets this client open more streams than the server's SETTINGS allow (to see the server refuse). */
    void allowStreams(int n) throws Exception {
        onLoop(() -> {
            handler.connection().local().maxActiveStreams(n);
            return null;
        });
    }

    void rst(int id, long code) throws Exception {
        onLoop(() -> {
            handler.encoder().writeRstStream(ctx(), id, code, ctx().newPromise());
            ctx().flush();
            return null;
        });
    }

    void ping(long data) throws Exception {
        onLoop(() -> {
            handler.encoder().writePing(ctx(), false, data, ctx().newPromise());
            ctx().flush();
            return null;
        });
    }

    private long roundTrips;

    /**
     * A PING and its acknowledgement: once it is back, the server has read everything sent before
     * it. False if a GOAWAY (or the close) came instead: an attack loop stops there, so it does not
     * write into a closed connection (whose TCP reset could swallow the GOAWAY).
     */
    boolean roundTrip() throws Exception {
        long token = 0x7274000000000000L | ++roundTrips;
        try {
            ping(token);
        } catch (Exception closed) {
            return false;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (Event e : events) {
                if (e.type().equals("GOAWAY")) {
                    return false;
                }
                if (e.type().equals("PING_ACK") && e.code() == token) {
                    events.remove(e);
                    return true;
                }
            }
            if (!isOpen()) {
                return false;
            }
            Thread.sleep(1);
        }
        return false;
    }

    /** Stops (false) or resumes (true) reading from the socket: a peer that does not read. */
    void autoRead(boolean on) {
        channel.config().setAutoRead(on);
    }

    /** Bytes straight to the socket, past the codec (malformed frames). */
    void raw(byte[] bytes) throws Exception {
        channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).sync();
    }

    /** One unary-style request: headers, one message, end of stream; returns the response. */
    Response call(String path, byte[] body) throws Exception {
        int id = headers(grpcHeaders(path), false);
        data(id, frame(body, false), true);
        return await(id, 5000);
    }

    /** Collects a stream's frames until END_STREAM or RST_STREAM (others stay queued). */
    Response await(int id, long timeoutMs) throws InterruptedException {
        List<Http2Headers> headers = new ArrayList<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        List<Event> others = new ArrayList<>();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
                if (e == null) {
                    return new Response(headers, data.toByteArray(), -1, false);
                }
                if (e.streamId() != id) {
                    others.add(e);
                    continue;
                }
                switch (e.type()) {
                    case "HEADERS" -> headers.add(e.headers());
                    case "DATA" -> data.writeBytes(e.data());
                    case "RST_STREAM" -> {
                        return new Response(headers, data.toByteArray(), e.code(), true);
                    }
                    default -> { }
                }
                if (e.endStream()) {
                    // a RST_STREAM(NO_ERROR) may follow an early close; fold it in if already here
                    return new Response(headers, data.toByteArray(), -1, true);
                }
            }
        } finally {
            events.addAll(others);
        }
    }

    /** Waits for a frame of {@code type} (others stay queued). */
    Event awaitType(String type, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        List<Event> others = new ArrayList<>();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                Event e = left <= 0 ? null : events.poll(left, TimeUnit.NANOSECONDS);
                if (e == null) {
                    return null;
                }
                if (e.type().equals(type)) {
                    return e;
                }
                others.add(e);
            }
        } finally {
            events.addAll(others);
        }
    }

    boolean isOpen() {
        return channel.isActive();
    }

    /** Waits until the server closes the connection. */
    boolean awaitClosed(long timeoutMs) throws InterruptedException {
        return channel.closeFuture().await(timeoutMs);
    }

    @Override
    public void close() throws Exception {
        channel.close().await(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(3, TimeUnit.SECONDS);
    }
}
