package org.remotemedia.perf;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.proto.v1.StreamingPipelineServiceGrpc;

/**
 * The streaming workload: {@code sessions} concurrent StreamPipeline sessions through grpc-java
 * stubs, spread over the channels, each sending {@code chunk_ms} chunks.
 *
 * <p>Open loop: chunk k of session s is due at {@code T0 + s * (interval / sessions) + k * interval}
 * (sessions evenly staggered) and sent then by one scheduler thread, whatever the answers are
 * doing; a chunk's latency runs from its due time to its ChunkResult's arrival (the
 * coordinated-omission correction: a stall shows in every chunk due during it). How late the scheduler itself sent is
 * recorded apart. Closed loop: each session sends its next chunk when the last result arrived.
 *
 * <p>Every result is checked: sequences in order, audio from the pipeline's sink once the
 * resampler's filter has filled, the tail (pipelines that have one) and StreamClosed after COMMAND_CLOSE. Only clean
 * sessions count in the latency.
 *
 * <p>Misbehaving sessions ({@code misbehave} share, every n-th session, the kinds in turn), each
 * checked for its own expected outcome:
 * <ul>
 *   <li>{@link Misbehaviour#WRONG_SEQUENCE}: repeats a chunk's sequence once; expects one
 *       STREAM_ERROR_INVALID_SEQUENCE (dropped) and then a normal session;</li>
 *   <li>{@link Misbehaviour#STOP_READING}: reads StreamReady, then never another response, while it
 *       goes on sending whenever flow control lets it; the server must hold it back without failing
 *       it or anyone else; it cancels at the end;</li>
 *   <li>{@link Misbehaviour#DISCONNECT_MID_CHUNK}: a hand-written HTTP/2 client sends init, then half
 *       of a chunk's message, and drops the TCP connection;</li>
 *   <li>{@link Misbehaviour#OVERSIZE_CHUNK}: sends a chunk over {@code transport.max_inbound_message_bytes}
 *       (given as {@code --limit-bytes}); expects RESOURCE_EXHAUSTED;</li>
 *   <li>{@link Misbehaviour#MALFORMED_MANIFEST}: init names a node type that does not exist; expects
 *       an in-band VALIDATION error and the call ending OK.</li>
 * </ul>
 *
 * <p>Threads: the driver's thread opens sessions and runs the scheduler; responses arrive on the
 * channels' event loops (direct executor), which in closed loop also send the next chunk.
 */
final class StreamLoad {
    enum Misbehaviour {
        WRONG_SEQUENCE, STOP_READING, DISCONNECT_MID_CHUNK, OVERSIZE_CHUNK, MALFORMED_MANIFEST
    }

    /**
     * A session with this many chunks unanswered skips its next slots (each one counted as a
     * failure) until answers catch up: 5 s of 100 ms audio, far beyond any latency target; it
     * bounds the generator's memory when the server cannot keep up (grpc-java would queue without
     * limit). Not for good: a session that fell behind in a start-up burst sends again.
     */
    static final int MAX_BEHIND_CHUNKS = 50;

    /** The chunk (of each misbehaving session's own count) at which it misbehaves. */
    private static final int MISBEHAVE_AT = 10;

    private final LoadSettings s;
    private final LoadPayload payload;
    private final List<ManagedChannel> channels;
    private final LoadRecorder rec;
    private final String host;
    private final int port;
    private final int limitBytes;
    private final Map<Misbehaviour, int[]> outcomes = new EnumMap<>(Misbehaviour.class); // {sessions, as expected}
    private final Map<Misbehaviour, String> firstUnexpected = new EnumMap<>(Misbehaviour.class);

    StreamLoad(LoadSettings s, LoadPayload payload, List<ManagedChannel> channels, LoadRecorder rec, String host,
               int port, int limitBytes) {
        this.s = s;
        this.payload = payload;
        this.channels = channels;
        this.rec = rec;
        this.host = host;
        this.port = port;
        this.limitBytes = limitBytes;
    }

    /** What the run did besides the latency: one line per misbehaviour kind. */
    List<String> misbehaviourLines() {
        List<String> lines = new ArrayList<>();
        synchronized (outcomes) {
            for (Map.Entry<Misbehaviour, int[]> e : outcomes.entrySet()) {
                int[] c = e.getValue();
                lines.add(String.format(Locale.ROOT, "%s: %d session(s), %d as expected%s", e.getKey(), c[0], c[1],
                        firstUnexpected.containsKey(e.getKey()) ? "; first unexpected: " + firstUnexpected.get(e.getKey())
                                : ""));
            }
        }
        return lines;
    }

    boolean misbehavedAsExpected() {
        synchronized (outcomes) {
            return outcomes.values().stream().allMatch(c -> c[0] == c[1]);
        }
    }

    private void outcome(Misbehaviour m, boolean expected, String what) {
        synchronized (outcomes) {
            int[] c = outcomes.computeIfAbsent(m, k -> new int[2]);
            c[0]++;
            if (expected) {
                c[1]++;
            } else {
                firstUnexpected.putIfAbsent(m, what);
            }
        }
    }

    void run() throws Exception {
        long intervalNs = s.chunkMs() * 1_000_000L;
        long warmChunks = (long) Math.ceil(s.warmupS() * 1000 / s.chunkMs());
        long measuredChunks = (long) Math.ceil(s.durationS() * 1000 / s.chunkMs());
        int total = (int) (warmChunks + measuredChunks);
        StreamRequest[] chunks = payload.chunks(s.chunkMs(), total);
        int period = s.misbehaveShare() > 0 ? (int) Math.max(2, Math.round(1 / s.misbehaveShare())) : 0;

        Session[] ss = new Session[s.sessions()];
        CountDownLatch ready = new CountDownLatch(s.sessions());
        List<CompletableFuture<Void>> ended = new ArrayList<>();
        for (int i = 0; i < s.sessions(); i++) {
            Misbehaviour m = period > 0 && i % period == 0
                    ? Misbehaviour.values()[(i / period) % Misbehaviour.values().length] : null;
            Session x = new Session(i, m, total, warmChunks, intervalNs, ready);
            ss[i] = x;
            ended.add(x.ended);
            x.open(channels.get(i % channels.size()));
        }
        if (!ready.await(60 + s.sessions() / 50, TimeUnit.SECONDS)) {
            throw new IllegalStateException("sessions not ready after " + (60 + s.sessions() / 50) + " s: "
                    + ready.getCount() + " of " + s.sessions() + " missing");
        }
        long stagger = intervalNs / s.sessions();
        long t0 = System.nanoTime() + 50_000_000;
        for (Session x : ss) {
            x.start = t0 + x.index * stagger;
        }
        if (s.open()) {
            schedule(ss, chunks, total, warmChunks, intervalNs);
        } else {
            closedLoop(ss, chunks, warmChunks, intervalNs);
        }
        for (Session x : ss) {
            x.finish();
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(ended.toArray(new CompletableFuture[0]));
        try {
            all.get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            long open = ended.stream().filter(f -> !f.isDone()).count();
            rec.failedAlways("session not ended 60 s after close (client side)");
            System.err.println("# " + open + " session(s) did not end within 60 s of COMMAND_CLOSE");
        }
        rec.stopMeasuring();
    }

    /** Open loop: every chunk of every session at its due time, in due-time order, from this thread. */
    private void schedule(Session[] ss, StreamRequest[] chunks, int total, long warmChunks, long intervalNs) {
        int n = ss.length;
        for (long i = 0; i < (long) total * n; i++) {
            int k = (int) (i / n);
            Session x = ss[(int) (i % n)];
            long due = x.start + k * intervalNs;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                // park, never spin: pinned to one CPU, a spinning scheduler starves the event loop
                // that writes what it schedules (the cost: ~50-100 us of timer slack, in lateness)
                LockSupport.parkNanos(wait);
            }
            if (k == warmChunks && x.index == 0) {
                rec.startMeasuring();
            }
            if (k >= warmChunks) {
                rec.late(System.nanoTime() - due);
            }
            x.sendChunk(k, due, chunks);
        }
    }

    /** Closed loop: each session's first chunk now, the next one from its last result's callback. */
    private void closedLoop(Session[] ss, StreamRequest[] chunks, long warmChunks, long intervalNs)
            throws InterruptedException {
        for (Session x : ss) {
            x.closedLoopChunks = chunks;
            x.sendChunk(0, System.nanoTime(), chunks);
        }
        Thread.sleep((long) (warmChunks * intervalNs / 1e6));
        rec.startMeasuring();
        Thread.sleep((long) (s.durationS() * 1000));
        for (Session x : ss) {
            x.stopSending = true;
        }
    }

    /** One session's client side. */
    private final class Session implements ClientResponseObserver<StreamRequest, StreamResponse> {
        final int index;
        final Misbehaviour misbehaviour;
        final int total;
        final long warmChunks;
        final long intervalNs;
        final CountDownLatch ready;
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        final long[] sentAt;
        final AtomicInteger sent = new AtomicInteger();
        volatile long start;
        volatile boolean stopSending;
        volatile StreamRequest[] closedLoopChunks;
        ClientCallStreamObserver<StreamRequest> out;
        RawH2Client raw;
        boolean readySeen;
        boolean failedHere;
        long nextResult;
        volatile long answeredCount;
        /** Per sequence: sent in the measured part of the run (not the warm-up). */
        final boolean[] measured;
        boolean tail;
        int sequenceErrors;
        long heldBack;

        Session(int index, Misbehaviour m, int total, long warmChunks, long intervalNs, CountDownLatch ready) {
            this.index = index;
            this.misbehaviour = m;
            this.total = total;
            this.warmChunks = warmChunks;
            this.intervalNs = intervalNs;
            this.ready = ready;
            this.sentAt = new long[total + 1];
            this.measured = new boolean[total + 1];
        }

        void open(ManagedChannel ch) throws Exception {
            if (misbehaviour == Misbehaviour.DISCONNECT_MID_CHUNK) {
                raw = new RawH2Client(host, port);
                raw.startCall("/" + StreamingPipelineServiceGrpc.SERVICE_NAME + "/StreamPipeline", host + ":" + port);
                raw.message(payload.init().toByteArray());
                ready.countDown();
                return;
            }
            ClientCalls.asyncBidiStreamingCall(ch.newCall(StreamingPipelineServiceGrpc.getStreamPipelineMethod(),
                    CallOptions.DEFAULT), this);
            StreamRequest init = payload.init();
            if (misbehaviour == Misbehaviour.MALFORMED_MANIFEST) {
                init = StreamRequest.newBuilder().setInit(StreamInit.newBuilder().setClientVersion("v1")
                        .setManifest(payload.manifest.toBuilder().addNodes(NodeManifest.newBuilder().setId("bogus")
                                .setNodeType("NoSuchNodeType").setParams("{}")))).build();
            }
            out.onNext(init);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<StreamRequest> r) {
            out = r;
            if (misbehaviour == Misbehaviour.STOP_READING) {
                r.disableAutoRequestWithInitial(1); // StreamReady, then nothing more
            }
        }

        /** Chunk k (open loop: due at {@code due}); misbehaving sessions do their thing instead. */
        void sendChunk(int k, long due, StreamRequest[] chunks) {
            if (ended.isDone() || stopSending) {
                return;
            }
            if (misbehaviour == Misbehaviour.DISCONNECT_MID_CHUNK && k < MISBEHAVE_AT) {
                return; // it only ever sends half of chunk MISBEHAVE_AT
            }
            try {
                if (misbehaviour != null && k >= MISBEHAVE_AT) {
                    if (misbehave(k, chunks)) {
                        return;
                    }
                }
                // the next chunk in sequence: after a skipped slot the sequence stays whole and
                // the rest of the audio shifts by one interval, as a live source that dropped a
                // chunk would
                int next = sent.get();
                if (next - answeredCount >= MAX_BEHIND_CHUNKS) {
                    // the server is this far behind: this slot is skipped (a failure of the run),
                    // so that the generator's memory stays bounded; the session sends again once
                    // answers catch up
                    rec.failed("chunk not sent: session " + MAX_BEHIND_CHUNKS + " chunks behind");
                    return;
                }
                sentAt[next] = due;
                measured[next] = k >= warmChunks;
                sent.set(next + 1);
                out.onNext(chunks[next]);
            } catch (Exception e) {
                failHere("send of chunk " + k + " failed: " + e);
            }
        }

        /** True when the misbehaviour replaced chunk k. */
        private boolean misbehave(int k, StreamRequest[] chunks) throws Exception {
            switch (misbehaviour) {
                case WRONG_SEQUENCE -> {
                    int last = sent.get() - 1;
                    if (k == MISBEHAVE_AT && last >= 0) {
                        out.onNext(chunks[last]); // a repeat of the last sequence: dropped with an error
                    }
                    return false;
                }
                case STOP_READING -> {
                    if (!out.isReady()) {
                        heldBack++;
                        return true; // flow control holds it back: as a well-behaved sender, wait
                    }
                    out.onNext(chunks[k]);
                    return true;
                }
                case DISCONNECT_MID_CHUNK -> {
                    if (raw != null) {
                        byte[] body = chunks[k].toByteArray();
                        raw.partialMessage(body, body.length / 2);
                        raw.close();
                        raw = null;
                        outcome(misbehaviour, true, "");
                        ended.complete(null);
                    }
                    return true;
                }
                case OVERSIZE_CHUNK -> {
                    if (k == MISBEHAVE_AT) {
                        AudioChunk c = chunks[k].getAudioChunk();
                        int frames = (limitBytes + 4096) / (4 * payload.channels);
                        out.onNext(StreamRequest.newBuilder().setAudioChunk(c.toBuilder()
                                .setBuffer(payload.audio(0, frames))).build());
                    }
                    return true;
                }
                default -> {
                    return true; // MALFORMED_MANIFEST: the session ended at init
                }
            }
        }

        /** After the last chunk: COMMAND_CLOSE and the end of the client's side; or a cancel. */
        void finish() {
            if (ended.isDone()) {
                return;
            }
            try {
                if (misbehaviour == Misbehaviour.STOP_READING) {
                    out.cancel("the misbehaving client gives up (it never read its results)", null);
                    outcome(misbehaviour, true, "");
                    ended.complete(null);
                    return;
                }
                if (raw != null) { // never reached its chunk: drop it now
                    raw.close();
                    ended.complete(null);
                    return;
                }
                out.onNext(StreamRequest.newBuilder().setControl(StreamControl.newBuilder()
                        .setCommand(StreamControl.Command.COMMAND_CLOSE)).build());
                out.onCompleted();
            } catch (Exception e) {
                failHere("close failed: " + e);
            }
        }

        @Override
        public void onNext(StreamResponse r) {
            long now = System.nanoTime();
            switch (r.getResponseCase()) {
                case READY -> {
                    readySeen = true;
                    ready.countDown();
                }
                case RESULT -> result(r, now);
                case METRICS -> {
                }
                case ERROR -> error(r);
                case CLOSED -> {
                    if (misbehaviour == null || misbehaviour == Misbehaviour.WRONG_SEQUENCE) {
                        long expected = sent.get();
                        // the server sends a flush result after COMMAND_CLOSE only when the flush yields
                        // something: the resampler's tail does, a PassThrough pipeline has none
                        boolean tailExpected = !s.pipeline().equals("passthrough");
                        if (nextResult != expected || tail != tailExpected) {
                            failHere("closed after " + nextResult + " of " + expected + " results, tail " + tail);
                        }
                    }
                }
                default -> failHere("unexpected response " + r.getResponseCase());
            }
        }

        private void result(StreamResponse r, long now) {
            long seq = r.getResult().getSequence();
            if (seq == sent.get() && !tail && seq == nextResult) {
                tail = true; // the flushed tail after COMMAND_CLOSE
                return;
            }
            if (seq != nextResult) {
                failHere("result " + seq + " where " + nextResult + " was expected");
                return;
            }
            if (seq > 2 && r.getResult().getAudioOutputsCount() == 0) {
                failHere("result " + seq + " without audio");
                return;
            }
            nextResult++;
            answeredCount = nextResult;
            if (misbehaviour != null) {
                return;
            }
            if (measured[(int) seq]) {
                rec.answered(System.nanoTime() - sentAt[(int) seq]);
            }
            StreamRequest[] cl = closedLoopChunks;
            if (cl != null && seq + 1 < total && !stopSending) {
                sendChunk((int) seq + 1, System.nanoTime(), cl);
            }
        }

        private void error(StreamResponse r) {
            String type = r.getError().getContext().replaceAll(".*\"stream_error_type\":\\s*\"([A-Z_]+)\".*", "$1");
            if (misbehaviour == Misbehaviour.WRONG_SEQUENCE && type.equals("STREAM_ERROR_INVALID_SEQUENCE")) {
                sequenceErrors++;
                return;
            }
            if (misbehaviour == Misbehaviour.MALFORMED_MANIFEST) {
                boolean ok = r.getError().getErrorType().name().equals("ERROR_TYPE_VALIDATION")
                        && r.getError().getMessage().contains("NoSuchNodeType");
                outcome(misbehaviour, ok, ok ? "" : "error " + r.getError().getErrorType() + ": "
                        + r.getError().getMessage());
                failedHere = true; // counted above, not as a failure of the run
                if (!readySeen) {
                    ready.countDown();
                }
                return;
            }
            failHere("in-band error " + type + ": " + r.getError().getMessage());
            rec.failedAlways(type);
        }

        @Override
        public void onError(Throwable t) {
            Status st = Status.fromThrowable(t);
            if (!readySeen) {
                ready.countDown();
            }
            if (misbehaviour == Misbehaviour.OVERSIZE_CHUNK) {
                boolean ok = st.getCode() == Status.Code.RESOURCE_EXHAUSTED;
                outcome(misbehaviour, ok, ok ? "" : st.toString());
            } else if (misbehaviour == Misbehaviour.STOP_READING && st.getCode() == Status.Code.CANCELLED) {
                // its own cancel
            } else {
                rec.failedAlways(st.getCode().name());
                failHere(st.toString());
            }
            ended.complete(null);
        }

        @Override
        public void onCompleted() {
            if (misbehaviour == Misbehaviour.WRONG_SEQUENCE) {
                boolean ok = sequenceErrors == 1 && !failedHere;
                outcome(misbehaviour, ok, "sequence errors " + sequenceErrors + ", other failure " + failedHere);
            } else if (misbehaviour == Misbehaviour.OVERSIZE_CHUNK) {
                outcome(misbehaviour, false, "the call ended OK; RESOURCE_EXHAUSTED was expected");
            } else if (misbehaviour == Misbehaviour.MALFORMED_MANIFEST && !failedHere) {
                outcome(misbehaviour, false, "the call ended OK without an error");
            }
            ended.complete(null);
        }

        private void failHere(String what) {
            if (misbehaviour != null) {
                if (!failedHere) {
                    failedHere = true;
                    if (misbehaviour != Misbehaviour.WRONG_SEQUENCE) {
                        outcome(misbehaviour, false, what);
                    }
                }
                return;
            }
            if (!failedHere) {
                failedHere = true;
                rec.failedAlways("wrong answer");
                System.err.println("# session " + index + ": " + what);
            }
        }
    }
}
