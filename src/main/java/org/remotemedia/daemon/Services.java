package org.remotemedia.daemon;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.ArrayList;
import java.util.List;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.service.health.HealthService;
import org.remotemedia.service.reflection.ReflectionService;

/**
 * The one place that decides which services the daemon serves: each service registers its
 * methods and hands its descriptor to reflection; health then reports every registered
 * service (and the server, {@code ""}) SERVING until the drain starts.
 *
 * <p>To add a service: register its handlers on {@code methods} and add its
 * {@code ServiceDescriptor} to {@code described} in {@link #create}; the start-up check below
 * refuses a registered service without a descriptor, so reflection never lists a service it
 * cannot describe.
 *
 * <p>Threads: built on the main thread at start-up; {@link #startDrain()} from the signal path.
 */
final class Services {
    private final MethodRegistry registry;
    private final HealthService health;
    private final ReflectionService reflection;

    private Services(MethodRegistry registry, HealthService health, ReflectionService reflection) {
        this.registry = registry;
        this.health = health;
        this.reflection = reflection;
    }

    static Services create(ServerConfig cfg) {
        MethodRegistry.Builder methods = MethodRegistry.builder();
        List<ServiceDescriptor> described = new ArrayList<>();

        HealthService health = new HealthService().register(methods);
        described.add(HealthService.descriptor());

        // remotemedia.v1 services register here (handlers on `methods`, descriptor in `described`)

        ReflectionService reflection = ReflectionService.of(described).register(methods);
        MethodRegistry registry = methods.build();
        checkDescribed(registry, reflection);
        for (String service : registry.services()) {
            health.setStatus(service, ServingStatus.SERVING);
        }
        return new Services(registry, health, reflection);
    }

    /** The services of the registry for which reflection has no descriptor: a wiring bug. */
    static void checkDescribed(MethodRegistry registry, ReflectionService reflection) {
        List<String> missing = new ArrayList<>();
        for (String s : registry.services()) {
            if (!reflection.serviceNames().contains(s)) {
                missing.add(s);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("registered without a descriptor for reflection: " + missing
                    + " (add the ServiceDescriptor in daemon/Services.create)");
        }
    }

    MethodRegistry registry() {
        return registry;
    }

    HealthService health() {
        return health;
    }

    ReflectionService reflection() {
        return reflection;
    }

    /** The drain begins: health turns NOT_SERVING everywhere and ends its watches. */
    void startDrain() {
        health.enterDrain();
    }
}
