package org.remotemedia.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.MethodRegistry;

/**
 * The gRPC server: netty native epoll (NIO where epoll is unavailable or disabled), h2c with
 * prior knowledge, or TLS with ALPN h2 when a certificate and key are configured; one
 * {@link ConnectionHandler} per connection. {@link #shutdown(long)} drains gracefully.
 *
 * <p>Threads: started and shut down by the daemon's main thread; connections live on the
 * worker event loops.
 */
public final class GrpcServer implements AutoCloseable {
    /**
     * The counter of finished calls, labelled {@code method} and {@code code} (the gRPC status
     * name), that the server registers in {@link Metrics} ({@code remotemedia_grpc_server_calls_total}).
     */
    public static final String CALLS_COUNTER = "grpc_server_calls";

    private final TransportContext context;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final boolean epoll;
    private final ConnectionRegistry live;
    private volatile boolean shutdown;

    private GrpcServer(TransportContext context, EventLoopGroup boss, EventLoopGroup workers, Channel serverChannel,
            boolean epoll, ConnectionRegistry live) {
        this.context = context;
        this.live = live;
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
        this.epoll = epoll;
    }

    /**
     * Binds {@code host:port} from the config (port 0 picks a free one) and starts serving.
     *
     * @throws Exception if the port cannot be bound or the TLS files cannot be read
     */
    public static GrpcServer start(ServerConfig config, MethodRegistry registry, Metrics metrics, JsonLog log)
            throws Exception {
        ServerConfig.Transport t = config.transport();
        ConnectionRegistry connections = new ConnectionRegistry();
        TransportContext context = new TransportContext(t, registry,
                new TransportMetrics(metrics, registry, connections::size), log);
        context.echoRequestId = config.logging().access();
        context.metrics.unreadBytes(context.unreadBytes::get);
        SslContext ssl = t.tlsEnabled() ? sslContext(t) : null;
        applyLeakDetection(t.leakDetection(), log);
        boolean useEpoll = t.preferEpoll() && Epoll.isAvailable();
        int threads = t.eventLoopThreads() > 0 ? t.eventLoopThreads() : Runtime.getRuntime().availableProcessors();
        EventLoopGroup boss;
        EventLoopGroup workers;
        Class<? extends ServerChannel> channelClass;
        if (useEpoll) {
            boss = new EpollEventLoopGroup(1, new DefaultThreadFactory("grpc-accept", true));
            workers = t.spinBeforeSleepMicros() > 0
                    ? new EpollEventLoopGroup(threads, new DefaultThreadFactory("grpc-loop", true),
                            SpinThenSleepStrategy.factory(t.spinBeforeSleepMicros()))
                    : new EpollEventLoopGroup(threads, new DefaultThreadFactory("grpc-loop", true));
            channelClass = EpollServerSocketChannel.class;
        } else {
            boss = new NioEventLoopGroup(1, new DefaultThreadFactory("grpc-accept", true));
            workers = new NioEventLoopGroup(threads, new DefaultThreadFactory("grpc-loop", true));
            channelClass = NioServerSocketChannel.class;
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelClass)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl == null) {
                            ch.pipeline().addLast(newConnection(context, connections, ch));
                        } else {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                            ch.pipeline().addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_2) {
                                @Override
                                protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                        ctx.pipeline().addLast(newConnection(context, connections, ctx.channel()));
                                    } else {
                                        context.log.info("alpn_refused", null, "protocol", protocol,
                                                "remote", String.valueOf(ctx.channel().remoteAddress()));
                                        ctx.close();
                                    }
                                }

                                @Override
                                protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                                    context.log.info("tls_handshake_failed", null, "remote",
                                            String.valueOf(ctx.channel().remoteAddress()), "error", cause.toString());
                                    ctx.close();
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    context.log.info("tls_connection_error", null, "remote",
                                            String.valueOf(ctx.channel().remoteAddress()), "error", cause.toString());
                                    ctx.close();
                                }
                            });
                        }
                    }
                });
        Channel ch;
        try {
            ch = b.bind(config.server().host(), config.server().port()).sync().channel();
        } catch (Exception e) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (e instanceof java.io.IOException) {
                // epoll reports EADDRINUSE as its own IOException: say it as a BindException
                java.net.BindException b2 = new java.net.BindException("cannot bind " + config.server().host() + ":"
                        + config.server().port() + ": " + e.getMessage());
                b2.initCause(e);
                throw b2;
            }
            throw e;
        }
        GrpcServer server = new GrpcServer(context, boss, workers, ch, useEpoll, connections);
        log.info("grpc_listening", null, "address", String.valueOf(ch.localAddress()), "transport",
                useEpoll ? "epoll" : "nio", "tls", ssl != null, "event_loops", threads, "spin_before_sleep_us",
                useEpoll ? t.spinBeforeSleepMicros() : 0, "methods", registry.methods().size());
        return server;
    }

    /**
     * Sets netty's buffer leak detector as {@code transport.leak_detection} says: off in production
     * by default (at netty's own default it records a stack trace for one buffer in 128). A level
     * given as {@code -Dio.netty.leakDetection.level} (the tests run PARANOID) always wins. The
     * daemon calls it before its warm-up too; a second call with the same level does nothing.
     */
    /**
     * Direct memory pinned by network buffers in use (frames being read, partial uploads,
     * answers being written) in the pooled allocator every connection uses: the
     * {@code grpc_server_network_buffer_in_use_bytes} gauge. Netty keeps the count per chunk as
     * buffers come and go; free space and its thread caches are not in it, so it falls back as
     * soon as the buffers are released (the arenas' chunks, {@code grpc_server_network_buffer_bytes},
     * may stay). Reading it sums the chunks under each arena's lock, so callers sample it (the
     * limits timer), never per frame or per call.
     */
    public static long networkBufferBytesInUse() {
        return PooledByteBufAllocator.DEFAULT.pinnedDirectMemory();
    }

    public static void applyLeakDetection(String level, JsonLog log) {
        if (System.getProperty("io.netty.leakDetection.level") != null
                || System.getProperty("io.netty.leakDetectionLevel") != null) {
            return;
        }
        ResourceLeakDetector.Level l = ResourceLeakDetector.Level.valueOf(level.toUpperCase(java.util.Locale.ROOT));
        if (ResourceLeakDetector.getLevel() != l) {
            ResourceLeakDetector.setLevel(l);
            log.debug("leak_detection", null, "level", l.name());
        }
    }

    private static ConnectionHandler newConnection(TransportContext context, ConnectionRegistry connections,
            Channel channel) {
        ConnectionHandler h = new ConnectionHandlerBuilder(context).build();
        connections.add(h, channel);
        return h;
    }

    private static SslContext sslContext(ServerConfig.Transport t) throws Exception {
        return SslContextBuilder.forServer(t.tlsCertChain().toFile(), t.tlsPrivateKey().toFile())
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2))
                .build();
    }

    /** The bound address (with the real port when 0 was configured). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    /** True if serving on native epoll, false on NIO. */
    public boolean isEpoll() {
        return epoll;
    }

    /** Open connections: those whose channel has not closed yet (tests, metrics). */
    public int connectionCount() {
        return live.size();
    }

    /**
     * Graceful drain: stop accepting, two-phase GOAWAY on every connection, let calls finish for
     * up to {@code graceMs}, then cancel what is left and close. Blocks until done.
     */
    public void shutdown(long graceMs) throws InterruptedException {
        if (shutdown) {
            return;
        }
        shutdown = true;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs);
        serverChannel.close().await(5, TimeUnit.SECONDS);
        context.log.info("drain_started", null, "connections", connectionCount(), "grace_ms", graceMs);
        live.forEach(ConnectionHandler::startDrain);
        while (System.nanoTime() < deadline && connectionCount() > 0) {
            Thread.sleep(10);
        }
        int left = connectionCount();
        live.forEach(ConnectionHandler::forceClose);
        long forceDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < forceDeadline && connectionCount() > 0) {
            Thread.sleep(10);
        }
        context.log.info("drain_finished", null, "connections_cancelled", left);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** Immediate stop: no grace period. */
    @Override
    public void close() throws InterruptedException {
        shutdown(0);
    }
}
