package org.remotemedia.daemon;

import java.util.function.Supplier;

/**
 * Whether the server takes work, for {@code /ready} and grpc.health.v1: not while it warms up,
 * not once it drains (set before the drain starts, so a load balancer sees it first), and not
 * while the limits refuse new work (admission full, pressure). {@code /health} only says the
 * process runs.
 *
 * <p>Thread-safe: the main thread sets the phase; the metrics thread and the health ticker read.
 */
final class Readiness {
    enum Phase { WARMING_UP, SERVING, DRAINING }

    private volatile Phase phase = Phase.WARMING_UP;
    private volatile Supplier<String> limits = () -> null;

    void phase(Phase p) {
        phase = p;
    }

    Phase phase() {
        return phase;
    }

    /** Where the reason admission gives for refusing work comes from ({@code Limits::notReadyReason}). */
    void limits(Supplier<String> reason) {
        limits = reason;
    }

    /** Null while the server takes work; else one line saying why not. */
    String notReadyReason() {
        return switch (phase) {
            case WARMING_UP -> "warming up: the gRPC port opens when the warm-up is done (execution.warmup_ms)";
            case DRAINING -> "draining: the server is shutting down";
            case SERVING -> limits.get();
        };
    }
}
