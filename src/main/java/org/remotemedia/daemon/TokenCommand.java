package org.remotemedia.daemon;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.remotemedia.auth.TokenSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code remotemedia token new NAME}: a fresh token for a client, and the line that makes the server accept it. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Manage API tokens (the server keeps only their SHA-256).",
        subcommands = TokenCommand.New.class)
final class TokenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    @Command(name = "new", mixinStandardHelpOptions = true,
            description = {"Print a new random 256-bit token (once: it is not stored anywhere) and the line to append to",
                "the server's auth.tokens_file; then send the server SIGHUP (systemctl reload remotemedia)."},
            footer = {"", "Example:", "  remotemedia token new alice >> /dev/tty   # give the token to alice, append the line"})
    static final class New implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "NAME", description = "Who the token is for: 1-64 of A-Z a-z 0-9 _ . @ - (the identity in logs and metrics).")
        String name;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            String token = TokenSet.newToken();
            String line;
            try {
                line = TokenSet.entry(name, token);
            } catch (IllegalArgumentException e) {
                spec.commandLine().getErr().println("remotemedia token new: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return 2;
            }
            out.println("token:  " + token);
            out.println("line:   " + line);
            out.println();
            out.println("Give the token to the client (it sends 'authorization: Bearer <token>' or 'x-api-key: <token>');");
            out.println("append the line to the file of auth.tokens_file, then reload the server (SIGHUP).");
            out.flush();
            return 0;
        }
    }
}
