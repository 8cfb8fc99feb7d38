package org.remotemedia.transport;

import io.grpc.ChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.util.concurrent.TimeUnit;

/** The standard clients the transport is tested with: grpc-java over its Netty and its OkHttp transports. */
enum Clients {
    NETTY, OKHTTP;

    ManagedChannel channel(int port) {
        return switch (this) {
            case NETTY -> NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build();
            case OKHTTP -> OkHttpChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                    .maxInboundMessageSize(64 << 20).build();
        };
    }

    ManagedChannel channel(int port, ChannelCredentials creds) {
        return switch (this) {
            case NETTY -> NettyChannelBuilder.forAddress("localhost", port, creds).build();
            case OKHTTP -> OkHttpChannelBuilder.forAddress("localhost", port, creds).build();
        };
    }

    static void close(ManagedChannel ch) throws InterruptedException {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
