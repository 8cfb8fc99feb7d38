package org.remotemedia.rpc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Methods keyed by full path ({@code /package.Service/Method}), plus the interceptors every
 * call passes. Built once at start-up by the daemon ({@link Builder}); immutable afterwards
 * and read by every event loop without locks.
 */
public final class MethodRegistry {
    private final Map<String, RegisteredMethod> methods;
    private final List<CallInterceptor> interceptors;
    private final CallObserver[] observers;
    private final Set<String> services;

    private MethodRegistry(Map<String, RegisteredMethod> methods, List<CallInterceptor> interceptors,
            List<CallObserver> observers) {
        this.methods = Map.copyOf(methods);
        this.interceptors = List.copyOf(interceptors);
        this.observers = observers.toArray(new CallObserver[0]);
        Set<String> s = new LinkedHashSet<>();
        for (RegisteredMethod m : methods.values()) {
            s.add(m.serviceName());
        }
        this.services = Collections.unmodifiableSet(s);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An empty registry: every call answers UNIMPLEMENTED. */
    public static MethodRegistry empty() {
        return builder().build();
    }

    /** The method at {@code path}, or null. */
    public RegisteredMethod lookup(String path) {
        return methods.get(path);
    }

    /** True if some method of {@code service} is registered (for a precise UNIMPLEMENTED message). */
    public boolean hasService(String service) {
        return services.contains(service);
    }

    /** Registered service names (e.g. for reflection). */
    public Set<String> services() {
        return services;
    }

    public Map<String, RegisteredMethod> methods() {
        return methods;
    }

    public List<CallInterceptor> interceptors() {
        return interceptors;
    }

    /** Told of every call to a registered method when it ends; the array is shared, do not modify. */
    public CallObserver[] observers() {
        return observers;
    }

    /** Collects methods and interceptors; not thread-safe. */
    public static final class Builder {
        private final Map<String, RegisteredMethod> methods = new HashMap<>();
        private final List<CallInterceptor> interceptors = new ArrayList<>();
        private final List<CallObserver> observers = new ArrayList<>();

        public Builder unary(String path, UnaryHandler handler) {
            return add(path, MethodKind.UNARY, handler);
        }

        public Builder serverStreaming(String path, UnaryHandler handler) {
            return add(path, MethodKind.SERVER_STREAMING, handler);
        }

        public Builder clientStreaming(String path, StreamingHandler handler) {
            return add(path, MethodKind.CLIENT_STREAMING, handler);
        }

        public Builder bidiStreaming(String path, StreamingHandler handler) {
            return add(path, MethodKind.BIDI_STREAMING, handler);
        }

        /** Registers {@code path} ({@code /package.Service/Method}) as {@link Workload#LIGHT}. */
        public Builder add(String path, MethodKind kind, CallHandler handler) {
            return add(path, kind, Workload.LIGHT, handler);
        }

        /** Registers {@code path} ({@code /package.Service/Method}); a path may be registered once. */
        public Builder add(String path, MethodKind kind, Workload workload, CallHandler handler) {
            checkPath(path);
            if (methods.containsKey(path)) {
                throw new IllegalArgumentException(path + ": registered twice");
            }
            methods.put(path, new RegisteredMethod(path, kind, handler, path.substring(1), workload));
            return this;
        }

        /** Adds an observer told of every finished call, in the order added. */
        public Builder observe(CallObserver observer) {
            observers.add(observer);
            return this;
        }

        /** Adds a check every call passes before its handler, in the order added. */
        public Builder intercept(CallInterceptor interceptor) {
            interceptors.add(interceptor);
            return this;
        }

        public MethodRegistry build() {
            return new MethodRegistry(methods, interceptors, observers);
        }

        private static void checkPath(String path) {
            int slash = path == null ? -1 : path.indexOf('/', 1);
            if (path == null || !path.startsWith("/") || slash < 2 || slash == path.length() - 1
                    || path.indexOf('/', slash + 1) >= 0) {
                throw new IllegalArgumentException("method path '" + path
                        + "': expected /package.Service/Method, e.g. /grpc.health.v1.Health/Check");
            }
        }
    }
}
