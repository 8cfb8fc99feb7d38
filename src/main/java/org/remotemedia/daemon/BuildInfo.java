package org.remotemedia.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/** Version and build timestamp, written into build-info.properties by the build. */
public record BuildInfo(String version, String buildTimestamp) {

    public static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/org/remotemedia/build-info.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new BuildInfo(p.getProperty("version", "unknown"), p.getProperty("build_timestamp", "unknown"));
    }

    /** Feeds {@code --version}. */
    public static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            BuildInfo b = load();
            return new String[] {"remotemedia-server " + b.version() + " (built " + b.buildTimestamp() + ")"};
        }
    }
}
