package org.remotemedia.config;

import java.util.List;

/**
 * Configuration that cannot be used; lists every problem found, each one line naming its
 * setting, the value, what is allowed and where the value came from.
 */
public final class ConfigException extends RuntimeException {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super("invalid configuration: " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
