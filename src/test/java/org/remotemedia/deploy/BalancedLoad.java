package org.remotemedia.deploy;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.rpc.RetryInfo;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;

/**
 * A grpc-java client's load through a balancer: {@code sessions} StreamPipeline sessions (20 ms
 * chunks of 16 kHz every 100 ms, PassThrough) and {@code callers} ExecutePipeline callers (100 ms
 * of audio each, 10 ms apart), all on one channel to the balancer, which spreads the calls.
 *
 * <p>Like a careful client it opens a session again when one ends for any reason but its own
 * close (StreamClosed "server shutting down", a refusal at open, a failure). Unary calls that
 * were refused before any daemon ran them are retried while {@link #retryRefused} is set (up to
 * 5 tries), as gRPC's transparent retry does for streams a GOAWAY refused: the balancer's own
 * HTTP 502/503/504 answer (no daemon answered) and the daemon's UNAVAILABLE with RetryInfo (refused
 * at admission, e.g. DRAINING). Everything else is recorded as it ended.
 *
 * <p>Records: every logical unary call (start, end, tries, status: one small record each, a few
 * thousand in a test's minute of load), so that tests judge failures call by call; per daemon (session-id
 * prefix) the sessions open now, opened, and closed by a drain; sessions that failed after
 * StreamReady (with their daemon) and those refused at open.
 * Threads: answers on the channel's threads; chunks and retries on one scheduler thread.
 */
final class BalancedLoad implements AutoCloseable {
    /** One logical unary call; {@code code} OK when answered with a result. */
    record Call(long startNanos, long endNanos, int tries, Status.Code code, String description) {
        boolean ok() {
            return code == Status.Code.OK;
        }
    }

    /** A session that ended with an error after StreamReady, on daemon {@code server}. */
    record SessionFailure(String server, long atNanos, Status.Code code, String description) {
    }

    private static final int RATE = 16_000;
    private static final ByteString CHUNK_AUDIO = ByteString.copyFrom(new byte[320 * 4]); // 20 ms, f32 mono
    private static final PipelineManifest MANIFEST = PipelineManifest.newBuilder().setVersion("v1")
            .setMetadata(ManifestMetadata.newBuilder().setName("balancer-test"))
            .addNodes(NodeManifest.newBuilder().setId("in").setNodeType("PassThrough").setParams("{}")).build();
    private static final ExecuteRequest UNARY = ExecuteRequest.newBuilder().setManifest(MANIFEST).setClientVersion("v1")
            .putAudioInputs("in", audio(ByteString.copyFrom(new byte[1600 * 4]), 1600)).build();
    private static final StreamRequest INIT = StreamRequest.newBuilder().setInit(StreamInit.newBuilder()
            .setManifest(MANIFEST).setClientVersion("v1")).build();

    private final ManagedChannel channel;
    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "balanced-load");
        t.setDaemon(true);
        return t;
    });
    private static final String DAEMON_REFUSED = "daemon refused with RetryInfo: ";
    private volatile boolean stopping;
    /** Retry unary calls that no daemon ran (see the class comment). */
    volatile boolean retryRefused = true;
    /**
     * Retry a daemon's own refusal with RetryInfo (overload shedding) even when {@link #retryRefused}
     * is off: the kill case counts the balancer's answers for calls it lost, not a call a loaded
     * daemon declined to start, which a client retries as its RetryInfo says.
     */
    volatile boolean retryDaemonRefusals = true;
    /**
     * Chunks after which a session closes itself (COMMAND_CLOSE) and another opens in its place,
     * as real calls end and begin; 0: sessions run until stopped. Set before {@link #start}.
     */
    volatile int chunksPerSession;

    final List<Call> calls = new ArrayList<>(); // guarded by itself
    final Map<String, AtomicInteger> liveSessions = new ConcurrentHashMap<>();
    final Map<String, LongAdder> sessionsOpened = new ConcurrentHashMap<>();
    final Map<String, LongAdder> closedByShutdown = new ConcurrentHashMap<>();
    final Map<String, LongAdder> refusedAtOpen = new ConcurrentHashMap<>();
    final Map<String, LongAdder> retriedBecause = new ConcurrentHashMap<>();
    final List<SessionFailure> sessionFailures = new ArrayList<>(); // guarded by itself
    private final AtomicInteger out = new AtomicInteger(); // callers and sessions not yet ended

    BalancedLoad(ManagedChannel channel) {
        this.channel = channel;
    }

    private static AudioBuffer audio(ByteString samples, int frames) {
        return AudioBuffer.newBuilder().setSamples(samples).setSampleRate(RATE).setChannels(1)
                .setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(frames).build();
    }

    void start(int sessions, int callers) {
        for (int i = 0; i < sessions; i++) {
            out.incrementAndGet();
            new Session().open();
        }
        for (int i = 0; i < callers; i++) {
            out.incrementAndGet();
            call(System.nanoTime(), 1);
        }
    }

    private void call(long start, int tries) {
        if (stopping) {
            out.decrementAndGet();
            return;
        }
        ClientCalls.asyncUnaryCall(channel.newCall(org.remotemedia.proto.v1.PipelineExecutionServiceGrpc
                .getExecutePipelineMethod(), CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS)), UNARY,
                new StreamObserver<ExecuteResponse>() {
                    private boolean result;

                    @Override
                    public void onNext(ExecuteResponse r) {
                        result = r.hasResult();
                        if (!result) {
                            done(start, tries, Status.Code.INTERNAL, "in-band " + r.getError().getErrorType());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        Status s = Status.fromThrowable(t);
                        String refused = refusedBeforeAnyDaemonRanIt(s, Status.trailersFromThrowable(t));
                        boolean retry = retryRefused || (retryDaemonRefusals && refused != null
                                && refused.startsWith(DAEMON_REFUSED));
                        if (refused != null && retry && tries < 5 && !stopping) {
                            count(retriedBecause, refused);
                            pacer.schedule(() -> call(start, tries + 1), 20, TimeUnit.MILLISECONDS);
                            return;
                        }
                        done(start, tries, s.getCode(), String.valueOf(s.getDescription()));
                    }

                    @Override
                    public void onCompleted() {
                        if (result) {
                            done(start, tries, Status.Code.OK, "");
                        }
                    }
                });
    }

    private void done(long start, int tries, Status.Code code, String description) {
        synchronized (calls) {
            calls.add(new Call(start, System.nanoTime(), tries, code, description));
        }
        pacer.schedule(() -> call(System.nanoTime(), 1), 10, TimeUnit.MILLISECONDS);
    }

    /** Why no daemon ran this call, or null when one may have. */
    static String refusedBeforeAnyDaemonRanIt(Status s, Metadata trailers) {
        if (s.getCode() != Status.Code.UNAVAILABLE) {
            return null;
        }
        String d = String.valueOf(s.getDescription());
        if (d.startsWith("HTTP status code 50")) { // the balancer's own error page, not a gRPC answer
            return "balancer answered HTTP " + d.substring("HTTP status code ".length(), "HTTP status code 50x".length());
        }
        com.google.rpc.Status details = trailers == null ? null : StatusProto.fromStatusAndTrailers(s, trailers);
        if (details != null) {
            for (Any a : details.getDetailsList()) {
                if (a.is(RetryInfo.class)) {
                    return DAEMON_REFUSED + d;
                }
            }
        }
        return null;
    }

    /** Stops issuing work, closes the sessions, waits (bounded) until everything ended; false if not. */
    boolean stop(long timeoutMs) throws InterruptedException {
        stopping = true;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (out.get() > 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        return out.get() == 0;
    }

    List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    List<SessionFailure> sessionFailures() {
        synchronized (sessionFailures) {
            return List.copyOf(sessionFailures);
        }
    }

    long unaryOk() {
        return calls().stream().filter(Call::ok).count();
    }

    int liveOn(String server) {
        AtomicInteger n = liveSessions.get(server);
        return n == null ? 0 : n.get();
    }

    int live() {
        return liveSessions.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** One line of figures. */
    String summary() {
        List<Call> all = calls();
        Map<String, Long> failed = new TreeMap<>();
        for (Call c : all) {
            if (!c.ok()) {
                failed.merge(c.code() + " " + c.description().lines().findFirst().orElse(""), 1L, Long::sum);
            }
        }
        return "unary OK " + all.stream().filter(Call::ok).count() + ", failed " + failed + ", retried " + sums(retriedBecause)
                + "; sessions live " + live() + " " + liveSessions + ", opened " + sums(sessionsOpened)
                + ", closed by shutdown " + sums(closedByShutdown) + ", refused at open " + sums(refusedAtOpen)
                + ", failed after StreamReady " + sessionFailures().size() + " "
                + sessionFailures().stream().map(f -> f.server() + " " + f.code()).distinct().toList();
    }

    static Map<String, Long> sums(Map<String, LongAdder> m) {
        Map<String, Long> o = new TreeMap<>();
        m.forEach((k, v) -> o.put(k, v.sum()));
        return o;
    }

    private static void count(Map<String, LongAdder> m, String key) {
        m.computeIfAbsent(key, k -> new LongAdder()).increment();
    }

    @Override
    public void close() {
        stopping = true;
        pacer.shutdownNow();
    }

    /** One session; another opens in its place when it ends other than by our close. */
    private final class Session implements ClientResponseObserver<StreamRequest, StreamResponse> {
        private ClientCallStreamObserver<StreamRequest> requests;
        private volatile String server; // session-id prefix, set by StreamReady
        private boolean closing; // guarded by this
        private long sequence; // pacer thread only
        private boolean byShutdown; // channel thread only
        private boolean done; // its chunks are all sent: another opens when it closes; guarded by this

        void open() {
            ClientCalls.asyncBidiStreamingCall(channel.newCall(StreamingPipelineServiceGrpc.getStreamPipelineMethod(),
                    CallOptions.DEFAULT), this);
            requests.onNext(INIT);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<StreamRequest> r) {
            requests = r;
        }

        private void tick() {
            synchronized (this) {
                if (closing) {
                    return;
                }
                int limit = chunksPerSession;
                if (stopping || (limit > 0 && sequence >= limit)) {
                    closing = true;
                    done = !stopping;
                    requests.onNext(StreamRequest.newBuilder().setControl(StreamControl.newBuilder()
                            .setCommand(StreamControl.Command.COMMAND_CLOSE)).build());
                    requests.onCompleted();
                    return;
                }
                requests.onNext(StreamRequest.newBuilder().setAudioChunk(AudioChunk.newBuilder().setNodeId("in")
                        .setSequence(sequence++).setBuffer(audio(CHUNK_AUDIO, 320))).build());
            }
            pacer.schedule(this::tick, 100, TimeUnit.MILLISECONDS);
        }

        @Override
        public void onNext(StreamResponse r) {
            switch (r.getResponseCase()) {
                case READY -> {
                    String id = r.getReady().getSessionId();
                    server = id.substring(0, id.indexOf('-') + 1);
                    liveSessions.computeIfAbsent(server, k -> new AtomicInteger()).incrementAndGet();
                    count(sessionsOpened, server);
                    pacer.schedule(this::tick, 100, TimeUnit.MILLISECONDS);
                }
                case CLOSED -> {
                    if (r.getClosed().getReason().startsWith("server shutting down")) {
                        byShutdown = true;
                        count(closedByShutdown, String.valueOf(server));
                    }
                }
                case ERROR -> {
                    synchronized (sessionFailures) {
                        sessionFailures.add(new SessionFailure(server, System.nanoTime(), Status.Code.INTERNAL,
                                "in-band " + r.getError().getErrorType() + " " + r.getError().getMessage()));
                    }
                }
                default -> {
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            Status s = Status.fromThrowable(t);
            if (server == null) {
                count(refusedAtOpen, s.getCode() + " " + String.valueOf(s.getDescription()).lines().findFirst().orElse(""));
            } else {
                synchronized (sessionFailures) {
                    sessionFailures.add(new SessionFailure(server, System.nanoTime(), s.getCode(),
                            String.valueOf(s.getDescription())));
                }
            }
            ended(true);
        }

        @Override
        public void onCompleted() {
            boolean again;
            synchronized (this) {
                again = byShutdown || done;
            }
            ended(again);
        }

        private void ended(boolean openAnother) {
            synchronized (this) {
                closing = true; // nothing more goes out on this call
            }
            if (server != null) {
                liveSessions.get(server).decrementAndGet();
            }
            if (openAnother && !stopping) {
                pacer.schedule(() -> new Session().open(), 20, TimeUnit.MILLISECONDS);
            } else {
                out.decrementAndGet();
            }
        }
    }
}
