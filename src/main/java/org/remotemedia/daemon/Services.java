package org.remotemedia.daemon;

import org.remotemedia.config.ServerConfig;
import org.remotemedia.observe.Metrics;
import org.remotemedia.rpc.MethodRegistry;

/**
 * The one place that decides which services the daemon serves. With nothing registered every
 * call answers UNIMPLEMENTED; the standard services (health, reflection) and remotemedia.v1
 * register here as they land.
 */
final class Services {
    private Services() {
    }

    /** Called after the metrics server is up, so services can register their own metrics. */
    static MethodRegistry registry(ServerConfig cfg, Metrics metrics) {
        MethodRegistry.Builder b = MethodRegistry.builder();
        return b.build();
    }
}
