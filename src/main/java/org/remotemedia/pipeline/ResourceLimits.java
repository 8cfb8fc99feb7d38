package org.remotemedia.pipeline;

/**
 * A request's ResourceLimits (0 = the server's default for that limit). The server's caps
 * still apply: a request may lower a limit, not raise it past the server's maximum.
 */
public record ResourceLimits(long maxMemoryBytes, long maxTimeoutMs, long maxAudioSamples) {
    public static final ResourceLimits DEFAULTS = new ResourceLimits(0, 0, 0);
}
