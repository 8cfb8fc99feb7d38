package org.remotemedia.service.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.proto.v1.StreamResponse.ResponseCase;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.LeakCheck;

/**
 * A peer that ignores HTTP/2 flow control: it reads none of its responses (so the session pauses
 * and stops asking for input) and writes DATA past the stream window the server granted, with
 * netty's frame writer directly (no flow controller). Such a peer never reaches the session's
 * bounded queue: the HTTP/2 layer resets the stream with FLOW_CONTROL_ERROR (RFC 9113 6.9.1), the
 * session is released, and the other streams on the same connection go on. (A transport that did
 * deliver past the demand would get STREAM_ERROR_BUFFER_OVERFLOW: StreamCallTest.)
 */
@ExtendWith(LeakCheck.class)
class FlowControlViolationTest {

    @Test
    void aPeerWritingPastTheWindowIsResetAndTheSessionReleased() throws Exception {
        byte[] init = frame(StreamClient.init(StreamClient.manifest("p", StreamClient.node("p", "PassThrough", "{}")))
                .toByteArray());
        byte[] chunk = frame(StreamClient.chunk(0, "p", StreamClient.f32(new float[1600], 0, 1600, 16_000)).toByteArray());
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try (TestDaemon d = TestDaemon.start("transport.initial_window_bytes", "256k")) {
            LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
            CompletableFuture<Http2ConnectionHandler> h = new CompletableFuture<>();
            Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            Http2ConnectionHandler handler = new Http2ConnectionHandlerBuilder().server(false)
                                    .initialSettings(Http2Settings.defaultSettings().initialWindowSize(16 * 1024))
                                    .frameListener(new Http2FrameAdapter() {
                                        @Override
                                        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data,
                                                              int padding, boolean endOfStream) {
                                            events.add("DATA " + streamId);
                                            return 0; // never gives the window back: reads nothing
                                        }

                                        @Override
                                        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long code) {
                                            events.add("RST_STREAM " + streamId + " " + code);
                                        }

                                        @Override
                                        public void onGoAwayRead(ChannelHandlerContext ctx, int last, long code,
                                                                 ByteBuf debug) {
                                            events.add("GOAWAY " + code);
                                        }
                                    }).build();
                            c.pipeline().addLast(handler);
                            h.complete(handler);
                        }
                    }).connect("127.0.0.1", d.port()).sync().channel();
            Http2ConnectionHandler handler = h.get(5, TimeUnit.SECONDS);
            ChannelHandlerContext ctx = ch.pipeline().context(handler);
            Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http").authority("localhost")
                    .path(StreamingService.PATH).set("content-type", "application/grpc").set("te", "trailers");
            ch.eventLoop().submit(() -> {
                handler.encoder().writeHeaders(ctx, 3, headers, 0, false, ctx.newPromise());
                handler.encoder().writeData(ctx, 3, Unpooled.wrappedBuffer(init), 0, false, ctx.newPromise());
                handler.flush(ctx);
            }).get(5, TimeUnit.SECONDS);
            Await.until(() -> StreamPipelineTest.activeStreams(d) == 1, () -> "session not open");

            // 1 MiB of chunks on a 256 KiB window, straight through the frame writer
            int sent = 0;
            for (int i = 0; i < (1 << 20) / chunk.length; i++) {
                byte[] c = chunk.clone();
                ch.eventLoop().submit(() -> {
                    handler.encoder().frameWriter().writeData(ctx, 3, Unpooled.wrappedBuffer(c), 0, false,
                            ctx.newPromise());
                    ctx.flush();
                }).get(5, TimeUnit.SECONDS);
                sent += c.length;
                if (events.stream().anyMatch(e -> e.startsWith("RST_STREAM"))) {
                    break;
                }
            }
            String rst = null;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (rst == null && System.nanoTime() < until) {
                String e = events.poll(100, TimeUnit.MILLISECONDS);
                if (e != null && e.startsWith("RST_STREAM")) {
                    rst = e;
                }
            }
            assertNotNull(rst, "expected RST_STREAM after " + sent + " bytes; got " + events);
            assertEquals("RST_STREAM 3 " + Http2Error.FLOW_CONTROL_ERROR.code(), rst);
            assertTrue(events.stream().noneMatch(e -> e.startsWith("GOAWAY")), "only the stream is reset: " + events);
            StreamPipelineTest.awaitReleased(d);

            // the server and other clients are unaffected
            try (StreamClient other = new StreamClient(d.channel())) {
                other.send(StreamClient.init(StreamClient.resample16k()));
                other.next(ResponseCase.READY);
            }
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static byte[] frame(byte[] body) {
        byte[] out = new byte[5 + body.length];
        out[1] = (byte) (body.length >>> 24);
        out[2] = (byte) (body.length >>> 16);
        out[3] = (byte) (body.length >>> 8);
        out[4] = (byte) body.length;
        System.arraycopy(body, 0, out, 5, body.length);
        return out;
    }
}
