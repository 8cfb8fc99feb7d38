package org.remotemedia.daemon;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point: {@code remotemedia serve | process | call | ...}. Each subcommand is its own class;
 * this one only lists them ({@code call} runs on the client's classpath: {@link CallEntry}).
 */
@Command(
        name = "remotemedia",
        mixinStandardHelpOptions = true,
        versionProvider = BuildInfo.VersionProvider.class,
        description = "Low-latency gRPC daemon running audio pipelines (remotemedia.v1).",
        subcommands = {ServeCommand.class, ProcessCommand.class, CallEntry.class, CommandLine.HelpCommand.class})
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }

    /** As {@link #run(String...)}, printing to the given writers (tests read what a user would see). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return new CommandLine(new Main()).setOut(out).setErr(err).execute(args);
    }
}
