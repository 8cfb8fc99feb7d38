package org.remotemedia.rpc;

import java.util.Objects;

/**
 * One method in the registry: full path, kind, handler, and what its calls cost. Immutable.
 *
 * @param metricName path without the leading '/', used as a metric label
 * @param workload   how authentication and limits treat its calls
 */
public record RegisteredMethod(String path, MethodKind kind, CallHandler handler, String metricName,
        Workload workload) {
    public RegisteredMethod {
        Objects.requireNonNull(path);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(handler);
        Objects.requireNonNull(workload);
        boolean unaryRequest = !kind.clientStreams();
        if (unaryRequest != (handler instanceof UnaryHandler)) {
            throw new IllegalArgumentException(path + ": a " + kind + " method needs a "
                    + (unaryRequest ? "UnaryHandler" : "StreamingHandler"));
        }
    }

    /** The service part of the path: {@code pkg.Service}. */
    public String serviceName() {
        int slash = path.indexOf('/', 1);
        return path.substring(1, slash);
    }
}
