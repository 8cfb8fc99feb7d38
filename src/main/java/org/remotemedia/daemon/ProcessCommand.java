package org.remotemedia.daemon;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code remotemedia process}: runs a pipeline locally on WAV files (issue 3). */
@Command(name = "process", mixinStandardHelpOptions = true, description = "Run a pipeline locally on WAV files.")
final class ProcessCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("process: not built yet (issue 3)");
        return 1;
    }
}
