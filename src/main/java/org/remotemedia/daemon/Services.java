package org.remotemedia.daemon;

import java.util.List;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.MethodRegistry;

/**
 * The one place that decides which services the daemon serves. The remotemedia.v1 services
 * register here as they land (their descriptors go to {@link StandardServices#register}); the
 * standard services (health, reflection) come from {@link StandardServices}.
 *
 * <p>Threads: built on the main thread at start-up; {@link #beginDrain()} from the signal path.
 */
final class Services {
    final MethodRegistry registry;
    final StandardServices standard;

    private Services(MethodRegistry registry, StandardServices standard) {
        this.registry = registry;
        this.standard = standard;
    }

    /** Called after the metrics server is up, so services can register their own metrics. */
    static Services create(ServerConfig cfg, Metrics metrics) {
        MethodRegistry.Builder b = MethodRegistry.builder();
        StandardServices standard = StandardServices.register(b, List.of());
        MethodRegistry registry = b.build();
        standard.serving(registry);
        return new Services(registry, standard);
    }

    /** The daemon's registry alone (tests). */
    static MethodRegistry registry(ServerConfig cfg, Metrics metrics) {
        return create(cfg, metrics).registry;
    }

    /** New calls will be refused from now on: health turns NOT_SERVING (the transport then sends GOAWAY). */
    void beginDrain() {
        standard.beginDrain();
    }
}
