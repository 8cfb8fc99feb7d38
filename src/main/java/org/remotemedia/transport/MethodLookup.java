package org.remotemedia.transport;

import org.remotemedia.grpc.RequestHeaderRules;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.RegisteredMethod;

/**
 * The registry as the request-header rules see it, remembering the last path: most
 * connections call one method again and again. HPACK hands over the same AsciiString for a
 * repeated path and netty caches its toString(), so an identity check finds the repeat without
 * a map lookup.
 *
 * <p>Threads: one per connection, on its event loop.
 */
final class MethodLookup implements RequestHeaderRules.MethodTable<RegisteredMethod> {
    private final MethodRegistry registry;
    private String lastPath;
    private RegisteredMethod lastMethod;

    MethodLookup(MethodRegistry registry) {
        this.registry = registry;
    }

    @Override
    public RegisteredMethod lookup(String path) {
        if (path != lastPath) {
            lastMethod = registry.lookup(path);
            lastPath = path;
        }
        return lastMethod;
    }

    @Override
    public boolean hasService(String service) {
        return registry.hasService(service);
    }
}
