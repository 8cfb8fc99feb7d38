package org.remotemedia.tools;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.buffer.wav.WavAudio;
import org.remotemedia.buffer.wav.WavReader;
import org.remotemedia.buffer.wav.WavWriter;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;
import org.remotemedia.service.ProtoConvert;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code remotemedia call}: runs a pipeline on a remote server with a standard grpc-java client
 * (test/perf classpath only: the daemon itself has no grpc-java). Unary by default
 * (ExecutePipeline with the manifest's JSON form in {@code manifest_json}); with {@code --stream}
 * the inputs are cut into {@code --chunk-ms} chunks and sent over StreamPipeline (sequences 0, 1,
 * 2, ..., then COMMAND_CLOSE), with a progress bar on stderr. Writes each {@code --output} sink's
 * audio as WAV, prints data outputs and metrics as JSON on stdout. Exit codes: 0 ok, 2 the server
 * answered with an error (printed as JSON on stderr), 3 the call failed (gRPC status).
 */
@Command(name = "call", mixinStandardHelpOptions = true,
        description = "Run a pipeline on a remotemedia server (WAV in, WAV out).",
        footer = {"", "Examples:",
                "  remotemedia call --server 127.0.0.1:50051 --manifest examples/resample-16k.json \\",
                "      --input resample=in.wav --output resample=out.wav",
                "  remotemedia call --server 127.0.0.1:50051 --manifest examples/resample-vad.json \\",
                "      --input resample=long.wav --output vad=out.wav --stream --chunk-ms 100"})
public final class CallCommand implements Callable<Integer> {
    @Option(names = "--server", required = true, paramLabel = "HOST:PORT", description = "Server address (plaintext h2c).")
    String server;

    @Option(names = "--manifest", required = true, paramLabel = "FILE", description = "Pipeline manifest, JSON form.")
    Path manifest;

    @Option(names = "--input", paramLabel = "NODE=FILE.wav", description = "Audio input of a source node (repeatable).")
    Map<String, Path> inputs = new LinkedHashMap<>();

    @Option(names = "--output", paramLabel = "NODE=FILE.wav", description = "Where to write a sink's audio (repeatable).")
    Map<String, Path> outputs = new LinkedHashMap<>();

    @Option(names = "--stream", description = "Use StreamPipeline, sending the input in chunks.")
    boolean stream;

    @Option(names = "--chunk-ms", paramLabel = "MS", defaultValue = "100", description = "Chunk length with --stream (default 100).")
    int chunkMs;

    @Option(names = "--token", paramLabel = "TOKEN", description = "Bearer token (or env REMOTEMEDIA_TOKEN).")
    String token = System.getenv("REMOTEMEDIA_TOKEN");

    @Option(names = "--client-version", paramLabel = "V", defaultValue = "v1", description = "client_version to send (default v1).")
    String clientVersion;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "600000", description = "Deadline of the call (default 600000).")
    long timeoutMs;

    @Option(names = "--no-progress", description = "No progress bar with --stream.")
    boolean noProgress;

    PrintStream out = System.out;
    PrintStream err = System.err;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new CallCommand()).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        if (chunkMs < 1) {
            err.println("--chunk-ms must be >= 1");
            return 2;
        }
        int colon = server.lastIndexOf(':');
        if (colon <= 0) {
            err.println("--server " + server + ": expected HOST:PORT, e.g. 127.0.0.1:50051");
            return 2;
        }
        String json = Files.readString(manifest);
        Map<String, AudioBuffer> audio = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : inputs.entrySet()) {
            audio.put(e.getKey(), wav(e.getValue()));
        }
        ManagedChannel ch = NettyChannelBuilder.forAddress(server.substring(0, colon),
                Integer.parseInt(server.substring(colon + 1))).usePlaintext().maxInboundMessageSize(1 << 30).build();
        try {
            Metadata headers = new Metadata();
            if (token != null && !token.isBlank()) {
                headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            }
            return stream ? streamCall(ch, headers, json, audio) : unaryCall(ch, headers, json, audio);
        } catch (StatusRuntimeException e) {
            err.println("call failed: " + e.getStatus().getCode() + ": " + e.getStatus().getDescription());
            return 3;
        } finally {
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private int unaryCall(ManagedChannel ch, Metadata headers, String json, Map<String, AudioBuffer> audio)
            throws Exception {
        var stub = PipelineExecutionServiceGrpc.newBlockingStub(ch)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
        ExecuteResponse r = stub.executePipeline(ExecuteRequest.newBuilder().setManifestJson(json)
                .putAllAudioInputs(audio).setClientVersion(clientVersion).build());
        if (r.hasError()) {
            return serverError(r.getError());
        }
        var res = r.getResult();
        for (Map.Entry<String, Path> o : outputs.entrySet()) {
            AudioBuffer b = res.getAudioOutputsMap().get(o.getKey());
            if (b == null) {
                err.println("no audio output for node " + o.getKey() + "; outputs: " + res.getAudioOutputsMap().keySet());
                return 2;
            }
            write(o.getValue(), b.getSamples(), b);
        }
        StringBuilder sb = new StringBuilder("{\"status\":\"").append(res.getStatus().name()).append("\",\"audio_outputs\":{");
        boolean first = true;
        for (Map.Entry<String, AudioBuffer> e : res.getAudioOutputsMap().entrySet()) {
            sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(describe(e.getValue()));
            first = false;
        }
        sb.append("},\"data_outputs\":{");
        first = true;
        for (Map.Entry<String, String> e : res.getDataOutputsMap().entrySet()) {
            sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
            first = false;
        }
        sb.append("},\"metrics\":").append(JsonFormat.printer().omittingInsignificantWhitespace().print(res.getMetrics()))
                .append('}');
        out.println(sb);
        return 0;
    }

    private int streamCall(ManagedChannel ch, Metadata headers, String json, Map<String, AudioBuffer> audio)
            throws Exception {
        if (audio.size() != 1) {
            err.println("--stream takes exactly one --input (one source node), got " + audio.size());
            return 2;
        }
        Map.Entry<String, AudioBuffer> in = audio.entrySet().iterator().next();
        AudioBuffer whole = in.getValue();
        int frameBytes = bytesPerSample(whole.getFormat()) * whole.getChannels();
        int chunkFrames = Math.max(1, (int) ((long) whole.getSampleRate() * chunkMs / 1000));
        long frames = whole.getNumSamples() / whole.getChannels();
        long chunks = (frames + chunkFrames - 1) / chunkFrames;

        Map<String, ByteArrayOutputStream> collected = new LinkedHashMap<>();
        Map<String, AudioBuffer> shapes = new LinkedHashMap<>();
        StringBuilder data = new StringBuilder();
        AtomicReference<ErrorResponse> error = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<StreamResponse> closed = new AtomicReference<>();
        CountDownLatch ready = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        long[] results = new long[1];
        Object lock = new Object();

        ClientResponseObserver<StreamRequest, StreamResponse> obs = new ClientResponseObserver<>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<StreamRequest> requestStream) {
                requestStream.setOnReadyHandler(() -> {
                    synchronized (lock) {
                        lock.notifyAll();
                    }
                });
            }

            @Override
            public void onNext(StreamResponse r) {
                switch (r.getResponseCase()) {
                    case READY -> ready.countDown();
                    case RESULT -> {
                        synchronized (collected) {
                            results[0]++;
                            r.getResult().getAudioOutputsMap().forEach((node, b) -> {
                                shapes.putIfAbsent(node, b);
                                ByteArrayOutputStream bo = collected.computeIfAbsent(node, k -> new ByteArrayOutputStream());
                                bo.writeBytes(b.getSamples().toByteArray());
                            });
                            r.getResult().getDataOutputsMap().forEach((node, d) ->
                                    data.append(data.isEmpty() ? "" : ",").append("{\"node\":\"").append(node)
                                            .append("\",\"sequence\":").append(r.getResult().getSequence())
                                            .append(",\"data\":").append(d).append('}'));
                        }
                        progress(results[0], chunks + 1);
                    }
                    case ERROR -> {
                        error.compareAndSet(null, r.getError());
                        ready.countDown();
                    }
                    case CLOSED -> closed.set(r);
                    default -> { }
                }
            }

            @Override
            public void onError(Throwable t) {
                failure.set(t);
                ready.countDown();
                done.countDown();
            }

            @Override
            public void onCompleted() {
                ready.countDown();
                done.countDown();
            }
        };
        var stub = StreamingPipelineServiceGrpc.newStub(ch)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
        @SuppressWarnings("unchecked")
        ClientCallStreamObserver<StreamRequest> req = (ClientCallStreamObserver<StreamRequest>) stub.streamPipeline(obs);
        req.onNext(StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setManifestJson(json)
                .setClientVersion(clientVersion).setExpectedChunkSize(chunkFrames * (long) whole.getChannels())).build());
        if (!ready.await(timeoutMs, TimeUnit.MILLISECONDS) || failure.get() != null || error.get() != null) {
            req.cancel("no StreamReady", null);
            return finishStream(error.get(), failure.get());
        }
        ByteString samples = whole.getSamples();
        for (long c = 0; c < chunks && error.get() == null && failure.get() == null; c++) {
            long f0 = c * chunkFrames;
            int n = (int) Math.min(chunkFrames, frames - f0);
            synchronized (lock) {
                while (!req.isReady() && failure.get() == null) {
                    lock.wait(10); // HTTP/2 flow control: wait for the server to take more
                }
            }
            req.onNext(StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder()
                    .setNodeId(in.getKey()).setSequence(c).setTimestampMs(f0 * 1000 / whole.getSampleRate())
                    .setBuffer(whole.toBuilder().setSamples(samples.substring((int) (f0 * frameBytes),
                            (int) ((f0 + n) * frameBytes))).setNumSamples((long) n * whole.getChannels()))).build());
        }
        req.onNext(StreamRequest.newBuilder().setControl(StreamControl.newBuilder()
                .setCommand(StreamControl.Command.COMMAND_CLOSE)).build());
        req.onCompleted();
        if (!done.await(timeoutMs, TimeUnit.MILLISECONDS)) {
            req.cancel("timed out", null);
            err.println("the stream did not end within --timeout-ms");
            return 3;
        }
        if (!noProgress) {
            err.println();
        }
        if (error.get() != null || failure.get() != null) {
            return finishStream(error.get(), failure.get());
        }
        for (Map.Entry<String, Path> o : outputs.entrySet()) {
            ByteArrayOutputStream bo = collected.get(o.getKey());
            if (bo == null) {
                err.println("no audio output for node " + o.getKey() + "; outputs: " + collected.keySet());
                return 2;
            }
            AudioBuffer shape = shapes.get(o.getKey());
            byte[] all = bo.toByteArray();
            write(o.getValue(), ByteString.copyFrom(all), shape.toBuilder()
                    .setNumSamples(all.length / bytesPerSample(shape.getFormat())).build());
        }
        StreamResponse c = closed.get();
        out.println("{\"chunks_sent\":" + chunks + ",\"results\":" + results[0] + ",\"data\":[" + data + "],\"closed\":"
                + (c == null ? "null" : JsonFormat.printer().omittingInsignificantWhitespace().print(c.getClosed())) + "}");
        return 0;
    }

    private int finishStream(ErrorResponse e, Throwable t) {
        if (e != null) {
            return serverError(e);
        }
        if (t instanceof StatusRuntimeException s) {
            err.println("call failed: " + s.getStatus().getCode() + ": " + s.getStatus().getDescription());
        } else {
            err.println("call failed: " + t);
        }
        return 3;
    }

    private void progress(long done, long total) {
        if (noProgress) {
            return;
        }
        int width = 30;
        int filled = (int) Math.min(width, done * width / Math.max(1, total));
        StringBuilder sb = new StringBuilder("\r[");
        for (int i = 0; i < width; i++) {
            sb.append(i < filled ? '#' : '.');
        }
        sb.append("] ").append(Math.min(100, done * 100 / Math.max(1, total))).append("% ")
                .append(done).append('/').append(total).append(" chunks");
        err.print(sb);
        err.flush();
    }

    private int serverError(ErrorResponse e) {
        try {
            err.println(JsonFormat.printer().omittingInsignificantWhitespace().print(e));
        } catch (com.google.protobuf.InvalidProtocolBufferException x) {
            err.println(e);
        }
        return 2;
    }

    private static AudioBuffer wav(Path p) throws Exception {
        WavAudio w = WavReader.read(p);
        byte[] bytes = new byte[w.lengthBytes()];
        w.samples().getBytes(0, bytes);
        return AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(bytes)).setSampleRate(w.sampleRate())
                .setChannels(w.channels()).setFormat(ProtoConvert.format(w.format())).setNumSamples(w.numSamples()).build();
    }

    private static void write(Path p, ByteString samples, AudioBuffer shape) throws Exception {
        ByteBuffer d = ByteBuffer.allocateDirect(Math.max(1, samples.size()));
        samples.copyTo(d);
        WavWriter.write(p, new UnsafeBuffer(d), 0, (int) (shape.getNumSamples() / shape.getChannels()),
                shape.getChannels(), shape.getSampleRate(), sampleFormat(shape.getFormat()));
    }

    /** The engine's format of an answer's AUDIO_FORMAT_*; the server always sets one, F32 otherwise. */
    private static SampleFormat sampleFormat(AudioFormat f) {
        SampleFormat s = ProtoConvert.format(f.getNumber());
        return s == null ? SampleFormat.F32 : s;
    }

    private static int bytesPerSample(AudioFormat f) {
        return sampleFormat(f).bytesPerSample();
    }

    private static String describe(AudioBuffer b) {
        return "{\"sample_rate\":" + b.getSampleRate() + ",\"channels\":" + b.getChannels() + ",\"format\":\""
                + b.getFormat().name() + "\",\"num_samples\":" + b.getNumSamples() + "}";
    }
}
