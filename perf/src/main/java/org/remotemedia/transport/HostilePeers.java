package org.remotemedia.transport;

import com.google.protobuf.ByteString;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Settings;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.proto.v1.PipelineManifest;

/**
 * The hostile and broken HTTP/2 clients of the hostile-clients work, as bounded loads against a real daemon
 * (perf's AttackMemoryBench), built from the attack suite's own pieces (test scope, this
 * package): {@link RawH2Client} and its frame recipes, {@code FloodTest}'s unfinished header
 * block, {@code ConnectionChurnTest}'s open-and-close. Each attack runs until its deadline from
 * several connections at once and opens a new connection whenever the server ends one (GOAWAY
 * ENHANCE_YOUR_CALM, or a close); {@link Tally} counts what came back.
 *
 * <p>Threads: {@link #run} blocks its caller and starts its own attacker threads (platform
 * threads, one per parallel connection; virtual threads for the many stalled header blocks),
 * all joined before it returns. A {@link Tally} is written by those threads and read after.
 */
public final class HostilePeers {
    /** Every attack, in the order the bench runs them. */
    public static final List<String> NAMES = List.of("continuation-empty", "continuation-bytes", "header-block-stall",
            "settings-flood", "ping-flood", "window-update-flood", "rapid-reset", "settings-no-read", "ping-no-read",
            "slow-readers", "oversized-uploads", "churn");

    static final String EXECUTE = "/" + PipelineExecutionServiceGrpc.getExecutePipelineMethod().getFullMethodName();
    private static final byte[] SETTINGS = RawH2Client.rawFrame(0x4, 0, 0, new byte[0]);
    private static final byte[] PING = RawH2Client.rawFrame(0x6, 0, 0, new byte[8]);
    private static final byte[] WINDOW_UPDATE = RawH2Client.rawFrame(0x8, 0, 0, new byte[] {0, 0, 0, 1});
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private HostilePeers() {
    }

    /**
     * How hard each attack pushes.
     *
     * @param parallel          attacker connections at once (floods, resets, uploads)
     * @param stallConnections  connections holding an unfinished header block at once
     * @param slowConnections   slow-reader connections (initial window 0, never read)
     * @param slowStreams       ExecutePipeline calls on each of them
     * @param slowResponseBytes audio bytes each of those calls sends and gets back (PassThrough)
     * @param churnConnections  connections opened and closed at most (two in three with the handshake)
     */
    public record Load(int parallel, int stallConnections, int slowConnections, int slowStreams,
                       int slowResponseBytes, int churnConnections) {
    }

    /** What one attack did and what the server answered. Counters: any thread; read after {@link #run}. */
    public static final class Tally {
        public final LongAdder connections = new LongAdder();
        /** Connections the server ended with GOAWAY ENHANCE_YOUR_CALM. */
        public final LongAdder calm = new LongAdder();
        /** Connections the server ended some other way (another GOAWAY code, or a close with no GOAWAY read). */
        public final LongAdder otherEnd = new LongAdder();
        /** Connections still open when the attacker gave up on them (deadline). */
        public final LongAdder leftOpen = new LongAdder();
        public final LongAdder streams = new LongAdder();
        /** Calls answered with a non-OK gRPC status (refused uploads, admission) or reset. */
        public final LongAdder refused = new LongAdder();
        public final LongAdder errors = new LongAdder();
        /** Bytes the attacker wrote (frames and uploads; churn's handshakes not counted). */
        public final AtomicLong bytesSent = new AtomicLong();
        /** GOAWAY debug text (or error code) per count. */
        public final Map<String, LongAdder> goAways = new ConcurrentHashMap<>();
        /** Why calls were refused or reset: grpc-status and grpc-message, or RST_STREAM's code. */
        public final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
        private volatile String firstError;

        void goAway(long code, String debug) {
            (code == Http2Error.ENHANCE_YOUR_CALM.code() ? calm : otherEnd).increment();
            String key = Http2Error.valueOf(code) + (debug == null || debug.isBlank() ? "" : " " + debug.strip());
            goAways.computeIfAbsent(key.length() > 60 ? key.substring(0, 60) : key, k -> new LongAdder()).increment();
        }

        void refused(String why) {
            refused.increment();
            refusals.computeIfAbsent(why.length() > 80 ? why.substring(0, 80) : why, k -> new LongAdder()).increment();
        }

        void error(Exception e) {
            errors.increment();
            if (firstError == null) {
                firstError = e.toString();
            }
        }

        public String firstError() {
            return firstError;
        }

        /** One line: connections, how they ended, GOAWAY reasons. */
        public String summary() {
            Map<String, Long> g = new TreeMap<>();
            goAways.forEach((k, v) -> g.put(k, v.sum()));
            Map<String, Long> r = new TreeMap<>();
            refusals.forEach((k, v) -> r.put(k, v.sum()));
            return connections.sum() + " conns, " + calm.sum() + " calm, " + otherEnd.sum() + " other end, "
                    + leftOpen.sum() + " left open" + (streams.sum() > 0 ? ", " + streams.sum() + " streams ("
                    + refused.sum() + " refused/reset)" : "") + (errors.sum() > 0 ? ", " + errors.sum() + " errors" : "")
                    + (g.isEmpty() ? "" : "; goaway " + g) + (r.isEmpty() ? "" : "; refused " + r);
        }
    }

    /** Runs attack {@code name} against 127.0.0.1:{@code port} for {@code durationMs}; returns its tally. */
    public static Tally run(String name, int port, long durationMs, Load load) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(durationMs);
        Tally t = new Tally();
        switch (name) {
            case "continuation-empty" -> floods(load.parallel(), port, deadline, t, 0, c -> {
                send(c, t, FloodTest.headersWithoutEndHeaders(1));
                send(c, t, RawH2Client.repeat(RawH2Client.rawFrame(0x9, 0, 1, new byte[0]), 10_000));
            });
            case "continuation-bytes" -> floods(load.parallel(), port, deadline, t, 0, c -> {
                send(c, t, FloodTest.headersWithoutEndHeaders(1));
                send(c, t, RawH2Client.repeat(RawH2Client.rawFrame(0x9, 0, 1, new byte[9000]), 20));
            });
            case "header-block-stall" -> stalls(load.stallConnections(), port, deadline, t);
            case "settings-flood" -> floods(load.parallel(), port, deadline, t, 0,
                    c -> untilEnded(c, t, deadline, RawH2Client.repeat(SETTINGS, 1_000)));
            case "ping-flood" -> floods(load.parallel(), port, deadline, t, 0,
                    c -> untilEnded(c, t, deadline, RawH2Client.repeat(PING, 1_000)));
            case "window-update-flood" -> floods(load.parallel(), port, deadline, t, 0,
                    c -> untilEnded(c, t, deadline, RawH2Client.repeat(WINDOW_UPDATE, 10_000)));
            case "rapid-reset" -> {
                byte[] body = RawH2Client.frame(request(4_800).toByteArray(), false); // 100 ms of 48 kHz
                floods(load.parallel(), port, deadline, t, 0, c -> rapidResets(c, t, deadline, body));
            }
            case "settings-no-read" -> floods(load.parallel(), port, deadline, t, 4096,
                    c -> neverReads(c, t, RawH2Client.repeat(SETTINGS, 1_000)));
            case "ping-no-read" -> floods(load.parallel(), port, deadline, t, 4096,
                    c -> neverReads(c, t, RawH2Client.repeat(PING, 20_000)));
            case "slow-readers" -> slowReaders(load, port, deadline, t);
            case "oversized-uploads" -> floods(load.parallel(), port, deadline, t, 0,
                    c -> refusedUploads(c, t, deadline));
            case "churn" -> churn(load.churnConnections(), port, deadline, t);
            default -> throw new IllegalArgumentException("unknown attack " + name + ": " + NAMES);
        }
        return t;
    }

    private interface Body {
        void run(RawH2Client c) throws Exception;
    }

    private static void send(RawH2Client c, Tally t, byte[] bytes) throws Exception {
        c.raw(bytes);
        t.bytesSent.addAndGet(bytes.length);
    }

    private static boolean before(long deadline) {
        return System.nanoTime() < deadline;
    }

    /** {@code parallel} threads, each opening connection after connection and running {@code body} on it. */
    private static void floods(int parallel, int port, long deadline, Tally t, int receiveBufferBytes, Body body)
            throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < parallel; i++) {
            threads.add(Thread.ofPlatform().name("attacker-" + i).daemon().start(() -> {
                while (before(deadline)) {
                    connection(port, deadline, t, receiveBufferBytes, body);
                }
            }));
        }
        joinAll(threads, deadline);
    }

    private static void joinAll(List<Thread> threads, long deadline) throws InterruptedException {
        for (Thread th : threads) {
            th.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + 30_000);
        }
    }

    /** One attacker connection: handshake, {@code body}, then how the server ended it. */
    private static void connection(int port, long deadline, Tally t, int receiveBufferBytes, Body body) {
        try (RawH2Client c = new RawH2Client(port, Http2Settings.defaultSettings(), receiveBufferBytes)) {
            t.connections.increment();
            if (!c.awaitServerSettings(5_000)) {
                t.error(new IOException("no server SETTINGS in 5 s"));
                return;
            }
            try {
                body.run(c);
            } catch (Exception closedUnderUs) {
                // the server closed while the flood was still being written: the point of it
            }
            c.autoRead(true);
            RawH2Client.Event g = awaitGoAway(c, before(deadline) ? 10_000 : 1_000);
            if (g != null) {
                t.goAway(g.code(), g.debug());
                c.awaitClosed(5_000);
            } else if (!c.isOpen()) {
                // closed under a write of ours: the TCP reset can drop the GOAWAY before it is read
                t.otherEnd.increment();
                t.goAways.computeIfAbsent("closed, no GOAWAY read", k -> new LongAdder()).increment();
            } else {
                t.leftOpen.increment();
            }
        } catch (Exception e) {
            t.error(e);
            sleepQuietly(10);
        }
    }

    /** The server's GOAWAY, or null once the connection closed without one read, or after {@code timeoutMs}. */
    private static RawH2Client.Event awaitGoAway(RawH2Client c, long timeoutMs) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() < until) {
            RawH2Client.Event g = c.awaitType("GOAWAY", 50);
            if (g != null) {
                return g;
            }
            if (!c.isOpen()) {
                return c.awaitType("GOAWAY", 0);
            }
        }
        return null;
    }

    /** Writes {@code batch} again and again until the server ends the connection or the deadline. */
    private static void untilEnded(RawH2Client c, Tally t, long deadline, byte[] batch) throws Exception {
        while (before(deadline) && c.isOpen() && c.goAways().isEmpty()) {
            send(c, t, batch);
        }
    }

    /**
     * HEADERS, a whole request message, RST_STREAM(CANCEL), again and again until the GOAWAY. No
     * PING round trips in between (FloodTest's pacing): the default keepalive policy answers a
     * PING from a peer the server sends nothing to with too_many_pings after three.
     */
    private static void rapidResets(RawH2Client c, Tally t, long deadline, byte[] body) throws Exception {
        while (before(deadline) && c.isOpen() && c.goAways().isEmpty()) {
            for (int i = 0; i < 20; i++) {
                int id = c.headers(RawH2Client.grpcHeaders(EXECUTE), false);
                c.data(id, body, false);
                c.rst(id, Http2Error.CANCEL.code());
                t.streams.increment();
                t.bytesSent.addAndGet(body.length + 200);
            }
        }
    }

    /**
     * A peer that never reads (a 4 KiB receive buffer, reading off) sends {@code flood}: the
     * acknowledgements back up in the server. It reads again after 2 s, to see the end.
     */
    private static void neverReads(RawH2Client c, Tally t, byte[] flood) throws Exception {
        c.autoRead(false);
        try {
            send(c, t, flood);
        } finally {
            sleepQuietly(2_000);
            c.autoRead(true);
        }
    }

    /**
     * Uploads that announce a 100 MiB message (over the default 64 MiB limit): 64 KiB of it, the
     * refusal (RESOURCE_EXHAUSTED, RST_STREAM), then what a client still had in flight on the
     * stream (256 KiB of DATA, trailers, WINDOW_UPDATE, RST_STREAM), as StrayFrameTest sends it.
     */
    private static void refusedUploads(RawH2Client c, Tally t, long deadline) throws Exception {
        byte[] part = new byte[5 + 64 * 1024];
        int announced = 100 << 20;
        part[1] = (byte) (announced >>> 24);
        part[2] = (byte) (announced >>> 16);
        part[3] = (byte) (announced >>> 8);
        part[4] = (byte) announced;
        while (before(deadline) && c.isOpen() && c.goAways().isEmpty()) {
            int id = c.headers(RawH2Client.grpcHeaders(EXECUTE), false);
            t.streams.increment();
            c.data(id, part, false);
            t.bytesSent.addAndGet(part.length);
            RawH2Client.Response r = c.await(id, 5_000);
            if (!r.ended()) {
                if (c.isOpen() && c.goAways().isEmpty()) {
                    t.error(new IOException("upload on stream " + id + " not refused in 5 s"));
                }
                return; // else: past the GOAWAY's last stream id, never to be answered
            }
            if (r.grpcStatus() == null || r.grpcStatus() != 0) {
                t.refused("grpc-status " + r.grpcStatus());
            }
            c.awaitType("RST_STREAM", 1_000);
            send(c, t, RawH2Client.inFlight(id, 16, 16 * 1024));
        }
    }

    // ---- slow readers

    /** An ExecutePipeline request of {@code frames} 48 kHz f32 mono frames through PassThrough. */
    static ExecuteRequest request(int frames) {
        ByteBuffer bb = ByteBuffer.allocate(frames * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < frames; i++) {
            bb.putFloat((float) (0.5 * Math.sin(2 * Math.PI * 440 * i / 48_000.0)));
        }
        AudioBuffer audio = AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(bb.array())).setSampleRate(48_000)
                .setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(frames).build();
        PipelineManifest m = PipelineManifest.newBuilder().setVersion("v1")
                .setMetadata(ManifestMetadata.newBuilder().setName("attack"))
                .addNodes(NodeManifest.newBuilder().setId("in").setNodeType("PassThrough").setParams("{}"))
                .build();
        return ExecuteRequest.newBuilder().setManifest(m).putAudioInputs("in", audio).setClientVersion("v1").build();
    }

    /**
     * {@code slowConnections} connections that give the server no flow-control window (initial
     * window 0) and never read, each with {@code slowStreams} ExecutePipeline calls whose answers
     * are {@code slowResponseBytes} of audio (issued 8 at a time, each batch answered before the
     * next, as SlowReaderTest does); they hold on until the deadline, then drop the connections.
     */
    private static void slowReaders(Load load, int port, long deadline, Tally t) throws InterruptedException {
        byte[] body = RawH2Client.frame(request(load.slowResponseBytes() / 4).toByteArray(), false);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < load.slowConnections(); i++) {
            threads.add(Thread.ofPlatform().name("slow-reader-" + i).daemon().start(() -> {
                try (RawH2Client c = new RawH2Client(port, Http2Settings.defaultSettings().initialWindowSize(0))) {
                    t.connections.increment();
                    if (!c.awaitServerSettings(5_000)) {
                        t.error(new IOException("no server SETTINGS in 5 s"));
                        return;
                    }
                    for (int s = 0; s < load.slowStreams() && before(deadline); s += 8) {
                        List<Integer> batch = new ArrayList<>();
                        for (int k = 0; k < 8 && s + k < load.slowStreams(); k++) {
                            int id = c.headers(RawH2Client.grpcHeaders(EXECUTE), false);
                            c.data(id, body, true);
                            t.streams.increment();
                            t.bytesSent.addAndGet(body.length);
                            batch.add(id);
                        }
                        for (int id : batch) {
                            awaitAnswerHeaders(c, id, t, deadline);
                        }
                    }
                    while (before(deadline) && c.isOpen()) {
                        Thread.sleep(100);
                    }
                    List<RawH2Client.Event> g = c.goAways();
                    if (!g.isEmpty()) {
                        t.goAway(g.get(0).code(), g.get(0).debug());
                    } else if (c.isOpen()) {
                        t.leftOpen.increment(); // the normal end: the attacker drops it
                    } else {
                        t.otherEnd.increment();
                    }
                    c.events.stream().filter(e -> e.type().equals("RST_STREAM"))
                            .forEach(e -> t.refused("RST_STREAM " + Http2Error.valueOf(e.code())));
                } catch (Exception e) {
                    t.error(e);
                }
            }));
        }
        joinAll(threads, deadline);
    }

    /** Waits (up to 30 s, or the deadline) for the answer's HEADERS; a Trailers-Only refusal counts as refused. */
    private static void awaitAnswerHeaders(RawH2Client c, int id, Tally t, long deadline) throws InterruptedException {
        long until = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        while (System.nanoTime() < until) {
            for (RawH2Client.Event e : c.events) {
                if (e.type().equals("HEADERS") && e.streamId() == id) {
                    if (e.headers().get("grpc-status") != null) {
                        t.refused("grpc-status " + e.headers().get("grpc-status") + " " + e.headers().get("grpc-message"));
                    }
                    return;
                }
            }
            Thread.sleep(2);
        }
    }

    // ---- header blocks never completed, from many bare sockets

    /**
     * {@code connections} sockets at once, each sending a HEADERS frame without END_HEADERS and
     * one CONTINUATION piece, then nothing: the server must end each after
     * {@code transport.max_header_block_ms}; a new one replaces each until the deadline.
     */
    private static void stalls(int connections, int port, long deadline, Tally t) throws InterruptedException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(PREFACE);
        b.writeBytes(SETTINGS);
        b.writeBytes(FloodTest.headersWithoutEndHeaders(1));
        b.writeBytes(RawH2Client.rawFrame(0x9, 0, 1, new byte[] {(byte) 0x86}));
        byte[] opening = b.toByteArray();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            threads.add(Thread.ofVirtual().name("stall-" + i).start(() -> {
                while (before(deadline)) {
                    try (Socket s = new Socket()) {
                        s.setSoLinger(true, 0);
                        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                        t.connections.increment();
                        s.getOutputStream().write(opening);
                        t.bytesSent.addAndGet(opening.length);
                        s.setSoTimeout((int) Math.max(1, Math.min(15_000,
                                TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1)));
                        long code = goAwayCode(s.getInputStream());
                        if (code >= 0) {
                            t.goAway(code, null);
                        } else {
                            t.otherEnd.increment();
                        }
                    } catch (java.net.SocketTimeoutException stillOpen) {
                        t.leftOpen.increment();
                    } catch (IOException e) {
                        t.error(e);
                        sleepQuietly(10);
                    }
                }
            }));
        }
        joinAll(threads, deadline);
    }

    /** Reads frames until a GOAWAY (its error code) or the end of the stream (-1). */
    private static long goAwayCode(InputStream raw) throws IOException {
        DataInputStream in = new DataInputStream(raw);
        byte[] header = new byte[9];
        try {
            while (true) {
                in.readFully(header);
                int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
                byte[] payload = new byte[length];
                in.readFully(payload);
                if (header[3] == 0x7 && length >= 8) {
                    return ByteBuffer.wrap(payload, 4, 4).getInt() & 0xffffffffL;
                }
            }
        } catch (EOFException | java.net.SocketException ended) {
            return -1;
        }
    }

    // ---- connection churn

    /** Up to {@code count} connections opened and closed from two threads, as ConnectionChurnTest does. */
    private static void churn(int count, int port, long deadline, Tally t) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            int first = w;
            threads.add(Thread.ofPlatform().name("churn-" + w).daemon().start(() -> {
                for (int i = first; i < count && before(deadline); i += 2) {
                    try {
                        org.remotemedia.testkit.ResetConnections.openAndClose(port, i % 3 != 0);
                        t.connections.increment();
                    } catch (Exception | AssertionError e) {
                        t.error(e instanceof Exception ex ? ex : new IOException(e));
                        sleepQuietly(10);
                    }
                }
            }));
        }
        joinAll(threads, deadline);
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
