package org.remotemedia.perf;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.netty.channel.epoll.EpollEventLoopGroup;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;

/**
 * The grpc-java side of perf/python-baseline: rounds of sequential ExecutePipeline calls
 * (concurrency 1), each round asked for on stdin, so one warm client serves every round against
 * every server and the driver reads the servers' /proc between rounds. The request is the load
 * generator's ({@link LoadPayload}: 1 s of synthetic 44.1 kHz f32 mono, AudioResample to 16 kHz,
 * default preset) on the load generator's channel settings ({@link LoadGen#channel}).
 *
 * <pre>
 *   RoundClient --dump-request FILE   writes the serialized ExecuteRequest (the grpcio client sends the same bytes)
 *   RoundClient                       then on stdin, one line per round: HOST:PORT CALLS
 * </pre>
 * Each round answers one line on stdout: {@code OK FAILED FIRST_FAILURE LATENCY_NS...}, the
 * latency of every call in order (failed calls included), {@code -} when nothing failed. A call
 * is right when it carries a result with one 16 kHz f32 buffer of 16,000 samples. Every call has a
 * 30 s deadline, so a round is bounded.
 *
 * <p>Threads: the main thread reads commands and makes the blocking calls; the channels' one
 * event loop does their I/O.
 */
public final class RoundClient {
    private RoundClient() {
    }

    public static void main(String[] args) throws Exception {
        LoadSettings s = LoadSettings.parse(new String[] {"--workload", "unary", "--loop", "closed",
            "--target", "127.0.0.1:1", "--concurrency", "1", "--sample-rate", "44100", "--audio-ms", "1000",
            "--pipeline", "resample"});
        ExecuteRequest request = new LoadPayload(s).unaryRequest(s.audioMs());
        if (args.length == 2 && args[0].equals("--dump-request")) {
            Files.write(Path.of(args[1]), request.toByteArray());
            return;
        }
        if (args.length != 0) {
            System.err.println("usage: RoundClient [--dump-request FILE]; rounds on stdin: HOST:PORT CALLS");
            System.exit(2);
        }
        EpollEventLoopGroup group = new EpollEventLoopGroup(1);
        Map<String, ManagedChannel> channels = new HashMap<>();
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.US_ASCII);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] w = line.trim().split("\\s+");
                if (w.length != 2) {
                    continue;
                }
                String target = w[0];
                int calls = Integer.parseInt(w[1]);
                ManagedChannel ch = channels.computeIfAbsent(target, t -> {
                    int colon = t.lastIndexOf(':');
                    return LoadGen.channel(s, t.substring(0, colon), Integer.parseInt(t.substring(colon + 1)), group, 0);
                });
                out.println(round(PipelineExecutionServiceGrpc.newBlockingStub(ch), request, calls));
                out.flush();
            }
        } finally {
            for (ManagedChannel ch : channels.values()) {
                ch.shutdownNow();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static String round(PipelineExecutionServiceGrpc.PipelineExecutionServiceBlockingStub stub,
                                ExecuteRequest request, int calls) {
        long[] ns = new long[calls];
        int failed = 0;
        String first = "-";
        for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            String problem;
            try {
                ExecuteResponse r = stub.withDeadlineAfter(30, TimeUnit.SECONDS).executePipeline(request);
                problem = check(r);
            } catch (StatusRuntimeException e) {
                problem = Status.fromThrowable(e).getCode().name();
            }
            ns[i] = System.nanoTime() - t0;
            if (problem != null) {
                failed++;
                if (first.equals("-")) {
                    first = problem;
                }
            }
        }
        StringBuilder b = new StringBuilder(calls * 8 + 32);
        b.append(calls - failed).append(' ').append(failed).append(' ').append(first);
        for (long x : ns) {
            b.append(' ').append(x);
        }
        return b.toString();
    }

    /** Null when {@code r} is the expected answer, else a one-word reason. */
    private static String check(ExecuteResponse r) {
        if (r.hasError()) {
            return "in-band-" + r.getError().getErrorType().name();
        }
        if (!r.hasResult() || r.getResult().getAudioOutputsCount() != 1) {
            return "wrong-answer";
        }
        AudioBuffer a = r.getResult().getAudioOutputsMap().values().iterator().next();
        return a.getSampleRate() == 16000 && a.getNumSamples() == 16000 && a.getSamples().size() == 64000
                ? null : "wrong-audio";
    }
}
