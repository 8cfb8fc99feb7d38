package org.remotemedia.pipeline;

import org.remotemedia.config.ServerConfig;

/**
 * The server's limits for executions (from {@code execution.*} settings): the default and
 * maximum for memory, time and audio samples. Immutable.
 */
public record EngineLimits(long maxMemoryBytes, long maxTimeoutMs, long maxAudioSamples) {

    public static EngineLimits from(ServerConfig.Execution e) {
        return new EngineLimits(e.maxMemoryBytes(), e.maxTimeoutMs(), e.maxAudioSamples());
    }

    public static EngineLimits defaults() {
        return from(ServerConfig.defaults().execution());
    }

    /** The limits that apply to one request: its own where set and lower, else the server's. */
    public EngineLimits apply(ResourceLimits r) {
        if (r == null) {
            return this;
        }
        return new EngineLimits(pick(r.maxMemoryBytes(), maxMemoryBytes), pick(r.maxTimeoutMs(), maxTimeoutMs),
                pick(r.maxAudioSamples(), maxAudioSamples));
    }

    private static long pick(long requested, long server) {
        return requested <= 0 ? server : Math.min(requested, server);
    }
}
