package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.MethodRegistry;

/**
 * A peer that sends SETTINGS (or PINGs) and never reads: the acknowledgements queue in the
 * server. Without sockets: the connection's writes are held, never completed, as a full socket
 * holds them; past {@code transport.max_pending_control_frames} the connection is closed.
 */
class ControlFrameBacklogTest {
    /** Holds every write: the peer reads nothing. */
    static final class NeverWritten extends ChannelOutboundHandlerAdapter {
        final List<ChannelPromise> held = new ArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ReferenceCountUtil.release(msg);
            held.add(promise);
        }
    }

    private static ByteBuf prefaceAndSettings(int settingsFrames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < settingsFrames; i++) {
            out.writeBytes(RawH2Client.rawFrame(0x4, 0, 0, new byte[0]));
        }
        return Unpooled.wrappedBuffer(out.toByteArray());
    }

    private static EmbeddedChannel connection(ByteArrayOutputStream logBytes, NeverWritten sink) {
        ServerConfig.Transport t = ServerConfig.from(Map.of("transport.max_pending_control_frames", "100",
                "transport.max_settings_frames_per_window", "0")).transport();
        MethodRegistry registry = MethodRegistry.builder().build();
        JsonLog log = new JsonLog(new PrintStream(logBytes, true, StandardCharsets.UTF_8), JsonLog.Level.DEBUG);
        TransportContext context = new TransportContext(t, registry, new TransportMetrics(new Metrics(), registry,
                () -> 1), log);
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(sink);
        ch.pipeline().addLast(new ConnectionHandlerBuilder(context).build());
        return ch;
    }

    @Test
    void acknowledgementsThePeerNeverReadsEndTheConnectionAtTheCap() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        NeverWritten sink = new NeverWritten();
        EmbeddedChannel ch = connection(log, sink);
        ch.writeInbound(prefaceAndSettings(99)); // 99 acks (and our own SETTINGS, not counted) pending
        assertTrue(ch.isOpen(), log::toString);
        ch.writeInbound(prefaceAndSettingsTail(5));
        assertFalse(ch.isOpen(), "closed past 100 pending acknowledgements");
        String text = log.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("\"budget\":\"pending_control_frames\""), text);
        ch.finishAndReleaseAll();
    }

    @Test
    void acknowledgementsThatGoOutDoNotCount() {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        NeverWritten sink = new NeverWritten();
        EmbeddedChannel ch = connection(log, sink);
        ch.writeInbound(prefaceAndSettings(90));
        for (int round = 0; round < 20; round++) {
            for (ChannelPromise p : sink.held) {
                p.trySuccess(); // the peer read them
            }
            sink.held.clear();
            ch.writeInbound(prefaceAndSettingsTail(90));
        }
        assertTrue(ch.isOpen(), log::toString);
        ch.finishAndReleaseAll();
    }

    private static ByteBuf prefaceAndSettingsTail(int settingsFrames) {
        byte[] one = RawH2Client.rawFrame(0x4, 0, 0, new byte[0]);
        return Unpooled.wrappedBuffer(RawH2Client.repeat(one, settingsFrames));
    }
}
