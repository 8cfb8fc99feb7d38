package org.remotemedia.daemon;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code remotemedia call} as the daemon's help lists it. The command itself is the Java client
 * (clients/java, {@code org.remotemedia.client.cli.CallCommand}) on a classpath of its own, since
 * the daemon carries no grpc-java: the launcher (scripts/remotemedia, a distribution's
 * bin/remotemedia) starts it before this class is reached. Reaching it means the launcher was
 * bypassed, which this says, with what to run instead.
 */
@Command(name = "call",
        description = {"Run a pipeline on a remote remotemedia server (WAV in, WAV out; --stream for long files;"
                + " --tls, --ca-cert, --token). Runs the Java client: `remotemedia call --help` lists its options."})
final class CallEntry implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        System.err.println("remotemedia call runs the Java client, which is not on the daemon's classpath: start it"
                + " through the launcher (bin/remotemedia call ... in a distribution, scripts/remotemedia call ... in"
                + " the repository), or java -jar clients/java/target/remotemedia-client.jar ...");
        return 2;
    }
}
