package org.remotemedia.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.remotemedia.config.ServerConfig;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.SpeechModel;
import org.remotemedia.inference.Models;

/**
 * The models the daemon runs, for tests: loaded once per test JVM from where scripts/fetch-models
 * (run by scripts/test) puts them, models/ under the working directory (the repository). A test
 * that needs a model fails with the loader's reason, which names that script.
 */
public final class TestModels {
    private static Models models;

    private TestModels() {
    }

    /** The daemon's models (SileroVAD without its model when the file is missing: its tests then fail saying why). */
    public static synchronized Models models() {
        if (models == null) {
            models = Models.load(ServerConfig.defaults().models());
        }
        return models;
    }

    /** The built-in nodes with the daemon's models. */
    public static NodeRegistry registry() {
        return models().registry();
    }

    /** The Silero VAD model; fails the test (naming scripts/fetch-models) when it is not there. */
    public static SpeechModel silero() {
        Models m = models();
        assertTrue(m.sileroLoaded(), "SileroVAD's model did not load: " + m.sileroStatus());
        return m.sileroVad().model();
    }
}
