package org.remotemedia.testkit;

import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * A grpc-java channel over a fixed set of servers ({@code round_robin}), as a client behind a
 * load balancer or a DNS name with several addresses sees them: when one server drains, its
 * GOAWAY takes it out of the rotation and the client's later calls (and transparent retries)
 * go to the others. Stateless; any thread.
 */
public final class StaticAddresses {
    private StaticAddresses() {
    }

    /** {@code builder} (made with {@code forTarget("static:///servers")}) over {@code ports} on 127.0.0.1. */
    @SuppressWarnings("deprecation") // nameResolverFactory: the way to give a channel its own resolver
    public static <T extends ManagedChannelBuilder<T>> T over(T builder, int... ports) {
        List<EquivalentAddressGroup> groups = new ArrayList<>();
        for (int p : ports) {
            groups.add(new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", p)));
        }
        NameResolverRegistry registry = new NameResolverRegistry();
        registry.register(new NameResolverProvider() {
            @Override
            protected boolean isAvailable() {
                return true;
            }

            @Override
            protected int priority() {
                return 5;
            }

            @Override
            public String getDefaultScheme() {
                return "static";
            }

            @Override
            public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
                return List.of(InetSocketAddress.class);
            }

            @Override
            public NameResolver newNameResolver(URI target, NameResolver.Args args) {
                return new NameResolver() {
                    @Override
                    public String getServiceAuthority() {
                        return "servers";
                    }

                    @Override
                    public void start(Listener2 listener) {
                        listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
                    }

                    @Override
                    public void shutdown() {
                    }
                };
            }
        });
        return builder.nameResolverFactory(registry.asFactory()).defaultLoadBalancingPolicy("round_robin");
    }
}
