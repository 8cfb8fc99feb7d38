package org.remotemedia.daemon;

import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.ArrayList;
import java.util.List;
import org.remotemedia.proto.grpc.health.v1.HealthCheckResponse.ServingStatus;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.service.health.HealthService;
import org.remotemedia.service.reflection.ReflectionService;

/**
 * The standard services every daemon serves: {@code grpc.health.v1.Health} and server
 * reflection (v1, v1alpha). Wiring, in {@link Services}:
 * <pre>
 *   StandardServices std = StandardServices.register(methods, described); // after the other services
 *   MethodRegistry registry = methods.build();
 *   std.serving(registry);                                                 // check + SERVING
 *   ... on SIGTERM, before the transport drains: std.beginDrain();
 * </pre>
 * {@code described} holds the {@code ServiceDescriptor} of every other service registered on
 * {@code methods}; {@link #serving} refuses a registry with a service reflection cannot
 * describe, so reflection never lists a service it cannot explain.
 *
 * <p>Threads: built on the main thread at start-up; {@link #beginDrain()} from the signal path.
 */
final class StandardServices {
    private final HealthService health;
    private final ReflectionService reflection;

    private StandardServices(HealthService health, ReflectionService reflection) {
        this.health = health;
        this.reflection = reflection;
    }

    /** Registers health and reflection; reflection describes {@code described}, health and itself. */
    static StandardServices register(MethodRegistry.Builder methods, List<ServiceDescriptor> described) {
        return register(methods, described, false);
    }

    /**
     * As {@link #register(MethodRegistry.Builder, List)}; with {@code firstWins}, two different proto
     * files of one name are allowed and the first described is served ({@link ReflectionService#firstWins}):
     * for test servers that mix grpc-java's interop and benchmark protos, which both ship a
     * grpc/testing/messages.proto. The daemon's own services never clash, and it passes false.
     */
    static StandardServices register(MethodRegistry.Builder methods, List<ServiceDescriptor> described,
                                     boolean firstWins) {
        HealthService health = new HealthService().register(methods);
        List<ServiceDescriptor> all = new ArrayList<>(described);
        all.add(HealthService.descriptor());
        ReflectionService reflection = (firstWins ? ReflectionService.firstWins(all) : ReflectionService.of(all))
                .register(methods);
        return new StandardServices(health, reflection);
    }

    /**
     * Checks that reflection describes every service of {@code registry} and reports each one
     * (and the server, {@code ""}) SERVING.
     *
     * @throws IllegalStateException naming the services registered without a descriptor
     */
    StandardServices serving(MethodRegistry registry) {
        List<String> missing = new ArrayList<>();
        for (String s : registry.services()) {
            if (!reflection.serviceNames().contains(s)) {
                missing.add(s);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("registered without a descriptor for reflection: " + missing
                    + " (pass their ServiceDescriptors to StandardServices.register)");
        }
        for (String s : registry.services()) {
            health.setStatus(s, ServingStatus.SERVING);
        }
        health.setStatus(HealthService.LIVENESS, ServingStatus.SERVING); // readiness never changes it
        return this;
    }

    /** The drain begins: health turns NOT_SERVING everywhere and ends its watches. */
    void beginDrain() {
        health.enterDrain();
    }

    HealthService health() {
        return health;
    }

    ReflectionService reflection() {
        return reflection;
    }
}
