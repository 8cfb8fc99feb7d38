package org.remotemedia.client.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.remotemedia.client.Audio;
import org.remotemedia.client.ExecuteResult;
import org.remotemedia.client.PipelineException;
import org.remotemedia.client.PipelineStream;
import org.remotemedia.client.RemoteMediaClient;
import org.remotemedia.client.RemoteMediaException;
import org.remotemedia.client.RpcException;
import org.remotemedia.client.WavReader;
import org.remotemedia.proto.v1.StreamClosed;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code remotemedia call}: runs a pipeline on a remote server through the Java client. Unary by
 * default (ExecutePipeline); with {@code --stream} the single input WAV is read and sent in
 * {@code --chunk-ms} chunks over StreamPipeline (never whole in memory) and each sink's audio is
 * written to its WAV as it arrives, with a progress bar on stderr. Prints data outputs and metrics
 * as JSON on stdout. Exit codes: 0 ok, 2 the server answered with an error (its ErrorResponse as
 * JSON on stderr) or the command line / a file is wrong, 3 the call failed (a gRPC status).
 */
@Command(name = "call", mixinStandardHelpOptions = true, versionProvider = CallCommand.Version.class,
        description = "Run a pipeline on a remotemedia server (WAV in, WAV out).",
        footer = {"", "Examples:",
                "  remotemedia call --server 127.0.0.1:50051 --manifest examples/resample-16k.json \\",
                "      --input resample=in.wav --output resample=out.wav",
                "  remotemedia call --server 127.0.0.1:50051 --manifest examples/resample-vad.json \\",
                "      --input resample=long.wav --output vad=out.wav --stream --chunk-ms 100",
                "  remotemedia call --server host:50051 --tls --ca-cert ca.pem --token \"$TOKEN\" ...",
                "",
                "Exit codes: 0 ok, 2 the server answered with an error (JSON on stderr) or bad arguments,",
                "3 the call failed (server down, wrong token, TLS, deadline)."})
public final class CallCommand implements Callable<Integer> {
    @Option(names = "--server", required = true, paramLabel = "HOST:PORT", description = "Server address.")
    String server;

    @Option(names = "--manifest", required = true, paramLabel = "FILE", description = "Pipeline manifest, JSON form.")
    Path manifest;

    @Option(names = "--input", paramLabel = "NODE=FILE.wav", description = "Audio input of a source node (repeatable).")
    Map<String, Path> inputs = new LinkedHashMap<>();

    @Option(names = "--data", paramLabel = "NODE=JSON|@FILE", description = "Data input of a source node (repeatable).")
    Map<String, String> data = new LinkedHashMap<>();

    @Option(names = "--output", paramLabel = "NODE=FILE.wav", description = "Where to write a sink's audio (repeatable).")
    Map<String, Path> outputs = new LinkedHashMap<>();

    @Option(names = "--stream", description = "Use StreamPipeline, sending the input in chunks as it is read.")
    boolean stream;

    @Option(names = "--chunk-ms", paramLabel = "MS", defaultValue = "100", description = "Chunk length with --stream (default ${DEFAULT-VALUE}).")
    int chunkMs;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (default: env REMOTEMEDIA_TOKEN).")
    String token = System.getenv("REMOTEMEDIA_TOKEN");

    @Option(names = "--tls", description = "Use TLS (trusting the system's CAs, or --ca-cert).")
    boolean tls;

    @Option(names = "--ca-cert", paramLabel = "PEM", description = "CA certificate(s) to trust; implies --tls.")
    Path caCert;

    @Option(names = "--authority", paramLabel = "HOST", description = "Host name the server certificate must name, if not the --server host.")
    String authority;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "600000", description = "Deadline of a unary call (default ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(names = "--retry", paramLabel = "N", defaultValue = "1", description = "Attempts in all when the server says retry later (UNAVAILABLE + RetryInfo): a unary call, or a stream refused before its session is admitted; default ${DEFAULT-VALUE}.")
    int attempts;

    @Option(names = "--no-progress", description = "No progress bar with --stream.")
    boolean noProgress;

    PrintStream out = System.out;
    PrintStream err = System.err;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line; returns the exit code. */
    public static int run(String... args) {
        quietLogging();
        return new CommandLine(new CallCommand()).execute(args);
    }

    /** grpc-java and its shaded netty log through java.util.logging: a CLI's stderr is for the user. */
    static void quietLogging() {
        java.util.logging.LogManager.getLogManager().reset();
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.OFF);
    }

    @Override
    public Integer call() {
        if (chunkMs < 1) {
            err.println("--chunk-ms must be >= 1, got " + chunkMs);
            return 2;
        }
        if (!server.contains(":")) {
            err.println("--server " + server + ": expected HOST:PORT, e.g. 127.0.0.1:50051");
            return 2;
        }
        String json;
        Map<String, String> dataInputs = new LinkedHashMap<>();
        try {
            json = Files.readString(manifest);
            for (Map.Entry<String, String> e : data.entrySet()) {
                String v = e.getValue();
                dataInputs.put(e.getKey(), v.startsWith("@") ? Files.readString(Path.of(v.substring(1))) : v);
            }
        } catch (NoSuchFileException e) {
            err.println("no such file: " + e.getFile());
            return 2;
        } catch (IOException e) {
            err.println("cannot read: " + e.getMessage());
            return 2;
        }
        RemoteMediaClient.Builder b = RemoteMediaClient.builder(server).token(token)
                .timeout(Duration.ofMillis(timeoutMs)).retry(Math.max(1, attempts), Duration.ofSeconds(30));
        if (caCert != null) {
            b.tls(caCert);
        } else if (tls) {
            b.tls();
        }
        if (authority != null) {
            b.authority(authority);
        }
        try (RemoteMediaClient client = b.build()) {
            return stream ? streamCall(client, json, dataInputs) : unaryCall(client, json, dataInputs);
        } catch (PipelineException e) {
            err.println(printJson(e.errorResponse()));
            return 2;
        } catch (RpcException e) {
            err.println("call failed: " + e.getMessage());
            return 3;
        } catch (RemoteMediaException e) {
            err.println("call failed: " + e.getMessage());
            return 3;
        } catch (IOException e) {
            err.println(e.getMessage());
            return 2;
        }
    }

    private int unaryCall(RemoteMediaClient client, String json, Map<String, String> dataInputs) throws IOException {
        Map<String, Audio> audio = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : inputs.entrySet()) {
            try (WavReader w = WavReader.open(e.getValue())) {
                if (w.frames() > Integer.MAX_VALUE / 8) {
                    throw new IOException(e.getValue() + ": too long for one unary call; use --stream");
                }
                Audio a = w.next((int) w.frames());
                audio.put(e.getKey(), a != null ? a : Audio.ofBytes(ByteString.EMPTY, w.sampleRate(), w.channels(),
                        w.format()));
            }
        }
        ExecuteResult r = client.execute(json, audio, dataInputs);
        for (Map.Entry<String, Path> o : outputs.entrySet()) {
            Audio a = r.audio().get(o.getKey());
            if (a == null) {
                err.println("no audio output for node " + o.getKey() + "; outputs: " + r.audio().keySet());
                return 2;
            }
            try (WavSink s = new WavSink(o.getValue())) {
                s.append(a);
            }
        }
        StringBuilder sb = new StringBuilder("{\"status\":\"").append(r.status().name()).append("\",\"audio_outputs\":{");
        boolean first = true;
        for (Map.Entry<String, Audio> e : r.audio().entrySet()) {
            Audio a = e.getValue();
            sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":{\"sample_rate\":").append(a.sampleRate())
                    .append(",\"channels\":").append(a.channels()).append(",\"format\":\"").append(a.format())
                    .append("\",\"frames\":").append(a.frames()).append('}');
            first = false;
        }
        sb.append("},\"data_outputs\":{");
        first = true;
        for (Map.Entry<String, String> e : r.data().entrySet()) {
            sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
            first = false;
        }
        sb.append("},\"metrics\":").append(printJson(r.metrics())).append('}');
        out.println(sb);
        return 0;
    }

    private int streamCall(RemoteMediaClient client, String json, Map<String, String> dataInputs) throws IOException {
        if (inputs.size() != 1) {
            err.println("--stream takes exactly one --input (one source node), got " + inputs.size());
            return 2;
        }
        Map.Entry<String, Path> in = inputs.entrySet().iterator().next();
        Map<String, WavSink> sinks = new LinkedHashMap<>();
        try (WavReader wav = WavReader.open(in.getValue())) {
            for (Map.Entry<String, Path> o : outputs.entrySet()) {
                sinks.put(o.getKey(), new WavSink(o.getValue()));
            }
            int chunkFrames = Math.max(1, (int) ((long) wav.sampleRate() * chunkMs / 1000));
            long chunks = wav.frames() == Long.MAX_VALUE ? -1 : (wav.frames() + chunkFrames - 1) / chunkFrames;
            AtomicLong results = new AtomicLong();
            AtomicReference<IOException> writeFailure = new AtomicReference<>();
            StringBuilder dataOut = new StringBuilder();
            StreamClosed closed;
            try (PipelineStream s = client.stream(json, dataInputs, r -> {
                results.incrementAndGet();
                r.getAudioOutputsMap().forEach((node, b) -> {
                    WavSink sink = sinks.get(node);
                    if (sink != null && writeFailure.get() == null) {
                        try {
                            sink.append(Audio.ofBytes(b.getSamples(), b.getSampleRate(), b.getChannels(),
                                    org.remotemedia.client.SampleFormat.valueOf(b.getFormat().name().substring(13))));
                        } catch (IOException e) {
                            writeFailure.compareAndSet(null, e);
                        }
                    }
                });
                r.getDataOutputsMap().forEach((node, d) -> {
                    synchronized (dataOut) {
                        dataOut.append(dataOut.isEmpty() ? "" : ",").append("{\"node\":\"").append(node)
                                .append("\",\"sequence\":").append(r.getSequence()).append(",\"data\":").append(d)
                                .append('}');
                    }
                });
                progress(results.get(), chunks);
            })) {
                while (writeFailure.get() == null) {
                    Audio chunk = wav.next(chunkFrames);
                    if (chunk == null) {
                        break;
                    }
                    s.send(in.getKey(), chunk);
                }
                if (writeFailure.get() != null) {
                    s.cancel();
                    throw writeFailure.get();
                }
                closed = s.finish();
            } finally {
                if (!noProgress) {
                    err.println();
                }
            }
            if (writeFailure.get() != null) {
                throw writeFailure.get();
            }
            for (Map.Entry<String, WavSink> e : sinks.entrySet()) {
                if (e.getValue().isEmpty()) {
                    err.println("no audio output for node " + e.getKey() + " (the stream produced none for it)");
                    return 2;
                }
            }
            String d;
            synchronized (dataOut) {
                d = dataOut.toString();
            }
            out.println("{\"chunks_sent\":" + Math.max(chunks, 0) + ",\"results\":" + results.get() + ",\"data\":[" + d
                    + "],\"closed\":" + printJson(closed) + "}");
            return 0;
        } finally {
            for (WavSink s : sinks.values()) {
                s.close();
            }
        }
    }

    private void progress(long done, long total) {
        if (noProgress) {
            return;
        }
        int width = 30;
        StringBuilder sb = new StringBuilder("\r[");
        if (total > 0) {
            int filled = (int) Math.min(width, done * width / total);
            for (int i = 0; i < width; i++) {
                sb.append(i < filled ? '#' : '.');
            }
            sb.append("] ").append(Math.min(100, done * 100 / total)).append("% ").append(Math.min(done, total))
                    .append('/').append(total).append(" chunks");
        } else {
            sb.append(done).append(" chunks]");
        }
        err.print(sb);
        err.flush();
    }

    private static String printJson(MessageOrBuilder m) {
        try {
            return JsonFormat.printer().omittingInsignificantWhitespace().print(m);
        } catch (InvalidProtocolBufferException e) {
            return "\"" + m.toString().replace("\"", "'").replace("\n", " ") + "\"";
        }
    }

    /** The client's version, from the jar's manifest when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = CallCommand.class.getPackage().getImplementationVersion();
            return new String[] {"remotemedia call (client) " + (v == null ? "dev" : v)};
        }
    }
}
