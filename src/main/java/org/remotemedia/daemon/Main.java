package org.remotemedia.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Entry point: {@code remotemedia serve | process | token | call | ...}. Each subcommand is its
 * own class; this one only lists them. {@code call} and any other client command of an installed
 * distribution ({@code lib/client/commands}) run on the client's own classpath, started by the
 * launcher ({@code bin/remotemedia}, {@code scripts/remotemedia}); they are listed here so that
 * {@code --help} shows every subcommand ({@link CallEntry}).
 */
@Command(
        name = "remotemedia",
        mixinStandardHelpOptions = true,
        versionProvider = BuildInfo.VersionProvider.class,
        description = "Low-latency gRPC daemon running audio pipelines (remotemedia.v1).",
        subcommands = {ServeCommand.class, ProcessCommand.class, TokenCommand.class, CallEntry.class,
                CommandLine.HelpCommand.class})
public final class Main {
    /** The distribution's directory, set by bin/remotemedia. */
    static final String HOME_PROPERTY = "remotemedia.home";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of main). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** As {@link #run(String...)}, printing to the given writers (tests read what a user would see). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return commandLine().setOut(out).setErr(err).execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null) {
            addClientCommands(cl, Path.of(home, "lib", "client", "commands"));
        }
        return cl;
    }

    /** Lists the client commands of {@code file} (NAME MAIN-CLASS DESCRIPTION lines) as subcommands. */
    static void addClientCommands(CommandLine cl, Path file) {
        if (!Files.isReadable(file)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                String[] parts = line.strip().split("\\s+", 3);
                if (parts.length < 2 || parts[0].startsWith("#") || cl.getSubcommands().containsKey(parts[0])) {
                    continue;
                }
                CommandSpec spec = CommandSpec.wrapWithoutInspection((Runnable) () -> {
                    throw new CommandLine.ExecutionException(cl, parts[0] + " is a client command: run it through"
                            + " bin/remotemedia, which starts it on lib/client/");
                });
                spec.name(parts[0]);
                spec.usageMessage().description(parts.length > 2 ? parts[2] : "client command (lib/client)");
                cl.addSubcommand(parts[0], new CommandLine(spec));
            }
        } catch (IOException e) {
            // the launcher reads the same file; a help listing without client commands is still right about the rest
        }
    }
}
