package org.remotemedia.service.stream;

import com.google.protobuf.InvalidProtocolBufferException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.remotemedia.buffer.PooledBuffer;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Metadata;
import org.remotemedia.grpc.Status;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.ChunkResult;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.ErrorType;
import org.remotemedia.pipeline.ExecutionControl;
import org.remotemedia.pipeline.PipelineException;
import org.remotemedia.pipeline.StreamingSession;
import org.remotemedia.proto.v1.AudioChunk;
import org.remotemedia.proto.v1.StreamControl;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.proto.v1.StreamResponse;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.Workload;
import org.remotemedia.service.Compatibility;
import org.remotemedia.service.ProtoCodec;
import org.remotemedia.service.ProtoConvert;
import org.remotemedia.service.StatusDetails;

/**
 * One StreamPipeline call: a stateful streaming session of the pipeline given in the first
 * message ({@code init}), fed chunk by chunk, answered chunk by chunk, in order.
 *
 * <p>Threads. The transport's callbacks ({@link CallListener}) run on the connection's event
 * loop, which only parses each message (protobuf aliasing: a chunk's samples stay in the
 * network buffer, which is retained) and queues it in the {@link InputRing}. Everything else --
 * the session, sequence checks, DSP, responses, the end of the call -- runs in {@link #drain()},
 * which runs on one thread at a time: the event loop itself with {@code execution.dsp_mode:
 * inline}, the session's pinned DSP worker with {@code workers} (one worker per session keeps
 * chunks in order). A CAS on {@code scheduled} hands the drain from thread to thread and gives
 * the happens-before between runs. Events from other threads (cancel, disconnect, idle
 * timeout, half-close) are bits in {@code signals}, read by the drain.
 *
 * <p>Flow control. The ring holds at most {@code streaming.input_queue_chunks} messages; the
 * call asks the transport for one message per free slot ({@code request(1)} as each one is
 * consumed), so a fast sender is held back by the HTTP/2 window, never by an error. Outbound,
 * chunks wait in the ring while {@link ServerCall#isReady()} is false and resume on
 * {@link #onReady()}.
 */
final class StreamCall implements CallListener {
    private static final int SIG_HALF_CLOSED = 1;
    private static final int SIG_CANCEL = 1 << 1;
    private static final int SIG_GONE = 1 << 2;
    private static final int SIG_TIMEOUT = 1 << 3;
    private static final int SIG_OVERFLOW = 1 << 4;
    private static final int SIG_OVERLOADED = 1 << 5;
    private static final int SIG_UNDECODABLE = 1 << 6;
    /** The server drains: close after the chunks already queued (not one of ENDING). */
    private static final int SIG_SHUTDOWN = 1 << 7;
    /** Signals that end the session at once, whatever is queued. */
    private static final int ENDING = SIG_CANCEL | SIG_GONE | SIG_TIMEOUT | SIG_OVERFLOW | SIG_OVERLOADED
            | SIG_UNDECODABLE;
    private static final VarHandle SIGNALS;
    private static final VarHandle SLOT;
    private static final int SLOT_NONE = 0;
    private static final int SLOT_HELD = 1;
    private static final int SLOT_GONE = 2;

    static {
        try {
            SIGNALS = MethodHandles.lookup().findVarHandle(StreamCall.class, "signals", int.class);
            SLOT = MethodHandles.lookup().findVarHandle(StreamCall.class, "slot", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final StreamingService svc;
    private final ServerCall call;
    private final String sessionId;
    private final InputRing ring;
    private final boolean inline;
    private final Executor worker;
    private final ExecutionControl control;
    private final StreamingMetrics metrics;
    private final Runnable drainTask = this::drain;
    private final Runnable idleTask = this::idleCheck;
    private final AtomicBoolean scheduled = new AtomicBoolean();

    // ---- written by the event loop / timer, read by the drain ----
    @SuppressWarnings("unused") // through SIGNALS
    private volatile int signals;
    /** The session slot: none yet (waiting), held, or gone (given back, or never to be taken). */
    @SuppressWarnings("unused") // through SLOT
    private volatile int slot;
    private volatile long lastMessageNanos;
    private volatile long overflowSequence;
    private volatile String undecodable;
    private volatile Status cancelReason;
    private volatile ScheduledFuture<?> idleTimer;
    /** Set by the drain when the session has ended; the event loop then drops new messages. */
    private volatile boolean done;

    // ---- event loop only ----
    private final PooledBuffer[] gathered = new PooledBuffer[1];

    // ---- the drain's thread only ----
    private final ChunkResultEncoder resultEncoder = new ChunkResultEncoder();
    private StreamingSession session;
    private String soleSource;
    private boolean initDone;
    private boolean ended;
    private long expectedSequence;
    private long chunksIn;
    private long openedNanos;
    private long answered;
    private long dropped;
    private long sinceMetrics;
    private long latencyNanos;
    private long serializationNanos;
    /** Messages still to process before a shutdown close; -1 until SIG_SHUTDOWN is seen. */
    private int shutdownLeft = -1;

    StreamCall(StreamingService svc, ServerCall call, long key, String sessionId) {
        this.svc = svc;
        this.call = call;
        this.sessionId = sessionId;
        this.metrics = svc.metrics;
        this.ring = new InputRing(svc.settings.inputQueueChunks());
        this.inline = svc.ctx.dsp().sessionsInline();
        this.worker = inline ? null : svc.ctx.dsp().pinned(key);
        this.control = call.hasDeadline() ? ExecutionControl.withDeadline(call.deadlineNanoTime())
                : ExecutionControl.create();
    }

    /**
     * On the event loop, once the session holds its slot (at once from startCall, or later from
     * the gate's queue): ask for the init, arm the idle timer. A call that ended while it waited
     * gives the slot back at once.
     */
    void admitted() {
        if (!SLOT.compareAndSet(this, SLOT_NONE, SLOT_HELD)) {
            svc.ctx.gate().exit(Workload.SESSION);
            return;
        }
        svc.opened(this);
        lastMessageNanos = System.nanoTime();
        armIdleTimer(svc.idleTimeoutNanos);
        call.request(1);
    }

    /** The gate refused the session (queue full, wait too long, draining). */
    void refused() {
        if (SLOT.compareAndSet(this, SLOT_NONE, SLOT_GONE)) {
            done = true;
            svc.rejected();
        }
    }

    // ------------------------------------------------------------------ event loop

    @Override
    public void onMessage(InboundMessage m) {
        long t0 = System.nanoTime();
        lastMessageNanos = t0;
        if (done) {
            return;
        }
        gathered[0] = null;
        StreamRequest req;
        try {
            req = ProtoCodec.parse(m, StreamRequest.parser(), svc.ctx.engine().pool(), gathered);
        } catch (InvalidProtocolBufferException e) {
            releaseGathered();
            undecodable = e.getMessage();
            signal(SIG_UNDECODABLE);
            return;
        }
        if (req.getRequestCase() == StreamRequest.RequestCase.CONTROL
                && req.getControl().getCommand() == StreamControl.Command.COMMAND_CANCEL) {
            releaseGathered();
            signal(SIG_CANCEL); // not queued: it overtakes the chunks still waiting
            return;
        }
        InputRing.Slot slot = ring.claim();
        if (slot == null) {
            releaseGathered();
            overflowSequence = req.hasAudioChunk() ? req.getAudioChunk().getSequence() : -1;
            signal(SIG_OVERFLOW);
            return;
        }
        slot.request = req;
        slot.gathered = gathered[0];
        slot.retained = keepNetworkBuffer(m, gathered[0]);
        slot.arrivalNanos = t0;
        gathered[0] = null;
        ring.publish();
        schedule();
    }

    /**
     * The network buffer a request queued for the session's thread still points into, retained;
     * null when it was gathered into a pooled block instead. Every request parsed in place is
     * kept, not only a chunk: protobuf aliases any {@code bytes} field and every unknown field
     * (a newer client's field in StreamInit), and the session reads them after this callback.
     */
    static InboundMessage keepNetworkBuffer(InboundMessage m, PooledBuffer gathered) {
        return gathered == null ? m.retain() : null;
    }

    private void releaseGathered() {
        if (gathered[0] != null) {
            gathered[0].release();
            gathered[0] = null;
        }
    }

    @Override
    public void onHalfClose() {
        signal(SIG_HALF_CLOSED);
    }

    @Override
    public void onCancel(Status reason) {
        cancelReason = reason;
        control.cancel(); // a chunk being processed stops at the engine's next check
        signal(SIG_GONE);
    }

    @Override
    public void onReady() {
        schedule();
    }

    /** The server drains (any thread): see {@link StreamingService#beginDrain()}. */
    void shutdown() {
        signal(SIG_SHUTDOWN);
    }

    // ------------------------------------------------------------------ any thread

    private void signal(int bit) {
        SIGNALS.getAndBitwiseOr(this, bit);
        schedule();
    }

    private int signals() {
        return (int) SIGNALS.getVolatile(this);
    }

    /** Makes sure the drain runs (again) on the session's thread; at most one run at a time. */
    private void schedule() {
        if (!scheduled.compareAndSet(false, true)) {
            return;
        }
        if (inline) {
            if (call.inEventLoop()) {
                drain();
            } else {
                call.eventLoop().execute(drainTask);
            }
            return;
        }
        try {
            worker.execute(drainTask);
        } catch (RejectedExecutionException e) {
            // the worker's queue is full: end the session from the event loop instead
            SIGNALS.getAndBitwiseOr(this, SIG_OVERLOADED);
            call.eventLoop().execute(drainTask);
        }
    }

    private void armIdleTimer(long delayNanos) {
        try {
            idleTimer = svc.timer().schedule(idleTask, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down: the transport ends the call
        }
    }

    /** On the idle-timer thread. */
    private void idleCheck() {
        if (done) {
            return;
        }
        long idle = System.nanoTime() - lastMessageNanos;
        if (idle >= svc.idleTimeoutNanos) {
            signal(SIG_TIMEOUT);
        } else {
            armIdleTimer(svc.idleTimeoutNanos - idle);
        }
    }

    // ------------------------------------------------------------------ the session's thread

    private void drain() {
        while (true) {
            try {
                step();
            } catch (Throwable t) {
                bug(t);
            }
            scheduled.set(false);
            if (!hasWork() || !scheduled.compareAndSet(false, true)) {
                return;
            }
        }
    }

    private boolean hasWork() {
        InputRing.Slot head = ring.peek();
        if (ended) {
            return head != null;
        }
        int s = signals();
        if ((s & ENDING) != 0) {
            return true;
        }
        if ((s & SIG_SHUTDOWN) != 0 && (!initDone || shutdownLeft <= 0)) {
            return true; // shutdownStep acts at once; with messages still to process, as usual below
        }
        if (head == null) {
            return (s & SIG_HALF_CLOSED) != 0;
        }
        return !waitsForReady(head);
    }

    /** A chunk waits while the client's window is full (it would queue a result it cannot read yet). */
    private boolean waitsForReady(InputRing.Slot head) {
        return initDone && head.request.getRequestCase() == StreamRequest.RequestCase.AUDIO_CHUNK && !call.isReady();
    }

    private void step() {
        while (true) {
            if (ended) {
                ring.drain();
                return;
            }
            int s = signals();
            if ((s & ENDING) != 0) {
                endBySignal(s);
                continue;
            }
            if ((s & SIG_SHUTDOWN) != 0 && shutdownStep()) {
                continue;
            }
            InputRing.Slot slot = ring.peek();
            if (slot == null) {
                if ((s & SIG_HALF_CLOSED) != 0) {
                    halfClosed();
                }
                return;
            }
            if (waitsForReady(slot)) {
                return; // onReady schedules the drain again
            }
            try {
                process(slot);
            } finally {
                ring.advance(); // releases the chunk's network buffer
            }
            if (shutdownLeft > 0) {
                shutdownLeft--;
            }
            if (!ended) {
                call.request(1);
            }
        }
    }

    private void process(InputRing.Slot slot) {
        StreamRequest r = slot.request;
        switch (r.getRequestCase()) {
            case INIT -> {
                if (initDone) {
                    send(StreamMessages.secondInit(expectedSequence, sessionId));
                } else {
                    init(r.getInit());
                }
            }
            case AUDIO_CHUNK -> {
                if (initDone) {
                    chunk(r.getAudioChunk(), slot);
                } else {
                    initRequired("audio_chunk", r.getAudioChunk().getSequence());
                }
            }
            case CONTROL -> {
                if (!initDone) {
                    initRequired("control", 0);
                } else if (r.getControl().getCommand() == StreamControl.Command.COMMAND_CLOSE) {
                    close(StreamMessages.CLOSED_BY_CLIENT);
                } else {
                    send(StreamMessages.unsupportedCommand(r.getControl().getCommandValue(), expectedSequence,
                            sessionId));
                }
            }
            default -> {
                if (!initDone) {
                    initRequired("an empty StreamRequest", 0);
                } else {
                    send(StreamMessages.emptyRequest(expectedSequence, sessionId));
                }
            }
        }
    }

    // ---- init ----

    private void init(StreamInit init) {
        Compatibility.Verdict v = Compatibility.negotiate(init.getClientVersion());
        if (!v.compatible()) {
            fail(StreamMessages.initFailed(ProtoConvert.versionMismatch(v), sessionId), "client_version not supported");
            return;
        }
        if (v.empty()) {
            svc.ctx.emptyClientVersion(call.requestId(), StreamingService.PATH);
        }
        try {
            CompiledPlan plan = svc.ctx.plans().compile(init.hasManifest() ? init.getManifest() : null,
                    init.getManifestJson());
            session = svc.ctx.engine().openSession(plan, init.getDataInputsMap(),
                    ProtoConvert.limits(init.hasResourceLimits() ? init.getResourceLimits() : null));
            soleSource = plan.sources().size() == 1 ? plan.sources().get(0).id() : null;
            call.notes().pipeline(plan.name(), plan.size());
        } catch (PipelineException e) {
            fail(StreamMessages.initFailed(ProtoConvert.error(e.error(), svc.ctx.debugErrors()), sessionId),
                    "init failed: " + e.getMessage());
            return;
        }
        initDone = true;
        openedNanos = System.nanoTime();
        send(StreamMessages.ready(sessionId, svc.settings.recommendedChunkFrames(), svc.settings.maxBufferLatencyMs()));
        if (ring.capacity() > 1) {
            call.request(ring.capacity() - 1); // with the request(1) after this message: one per slot
        }
    }

    private void initRequired(String got, long sequence) {
        fail(StreamMessages.initRequired(got, sequence, sessionId), "init required");
    }

    // ---- chunks ----

    private void chunk(AudioChunk c, InputRing.Slot slot) {
        long seq = c.getSequence();
        if (seq != expectedSequence && !sequenceProblem(seq)) {
            return;
        }
        expectedSequence = seq + 1;
        if (!c.hasBuffer()) {
            dropped++;
            send(StreamMessages.noBuffer(seq, sessionId));
            return;
        }
        String node = c.getNodeId().isEmpty() && soleSource != null ? soleSource : c.getNodeId();
        AudioInput in = ProtoConvert.audioInput(c.getBuffer());
        chunksIn++;
        audioIn(c.getBuffer());
        long e0 = System.nanoTime();
        ChunkResult result;
        try {
            result = session.push(node, in, control);
        } catch (PipelineException e) {
            metrics.engine.recordNanos(System.nanoTime() - e0);
            chunkFailed(e, seq);
            return;
        }
        long s0 = System.nanoTime();
        metrics.engine.recordNanos(s0 - e0);
        try {
            for (org.remotemedia.pipeline.AudioOutput o : result.audio()) {
                svc.ctx.metrics().audioOut(o.numSamples(), o.lengthBytes());
            }
            call.sendMessage(resultEncoder.of(seq, result), resultEncoder);
        } finally {
            result.release();
        }
        long now = System.nanoTime();
        serializationNanos += now - s0;
        long took = now - slot.arrivalNanos;
        metrics.chunk.recordNanos(took);
        metrics.chunk();
        latencyNanos += took;
        answered++;
        if (++sinceMetrics >= svc.settings.metricsEveryChunks()) {
            sinceMetrics = 0;
            send(StreamMessages.metrics(sessionId, answered, latencyNanos / 1e6 / answered, session.totalSamples(),
                    session.bufferedSamples(), dropped, session.peakMemoryBytes()));
        }
    }

    /**
     * A chunk whose sequence is not the expected one. Returns true if the chunk is still
     * processed (a gap, not strict), false if it was dropped or the session ended.
     */
    private boolean sequenceProblem(long seq) {
        boolean strict = svc.settings.strictSequence();
        boolean old = Long.compareUnsigned(seq, expectedSequence) < 0;
        StreamMessages.ErrorMessage err = StreamMessages.badSequence(seq, expectedSequence, strict, sessionId);
        if (strict) {
            dropped++;
            fail(err, "invalid sequence (strict)");
            return false;
        }
        send(err);
        if (old) {
            dropped++;
            return false;
        }
        return true;
    }

    /** Counts a chunk's audio and charges its duration to the caller's audio rate. */
    private void audioIn(org.remotemedia.proto.v1.AudioBuffer b) {
        svc.ctx.metrics().audioIn(b.getNumSamples(), b.getSamples().size());
        if (b.getSampleRate() > 0 && b.getChannels() > 0) {
            svc.ctx.gate().chargeAudio(call, (double) b.getNumSamples() / b.getChannels() / b.getSampleRate());
        }
    }

    private void chunkFailed(PipelineException e, long seq) {
        ErrorType t = e.type();
        if (t == ErrorType.CANCELLED || t == ErrorType.DEADLINE_EXCEEDED) {
            return; // the call is over: the transport has answered; SIG_GONE ends the session
        }
        if (t == ErrorType.INTERNAL) {
            svc.ctx.log().error("stream_internal_error", call.requestId(), "session_id", sessionId, "error",
                    e.getMessage(), "stack_trace", e.error().cause() == null ? null
                            : JsonLog.stackTrace(e.error().cause()));
        }
        StreamMessages.ErrorMessage err = StreamMessages.chunkFailed(
                ProtoConvert.error(e.error(), svc.ctx.debugErrors()), seq, session.isOpen(), sessionId);
        if (session.isOpen()) {
            dropped++; // a bad chunk (validation): the session's state is intact
            send(err);
        } else {
            fail(err, "execution failed: " + e.getMessage());
        }
    }

    // ---- the end ----

    /**
     * COMMAND_CLOSE or a half-close: flush the tails, StreamClosed, OK. The flush becomes a last
     * ChunkResult only when it yields audio or data: clients count one result per chunk they sent,
     * so a pipeline that holds nothing back answers N chunks with exactly N results.
     */
    private void close(String reason) {
        close(reason, StreamingMetrics.Outcome.CLOSED);
    }

    private void close(String reason, StreamingMetrics.Outcome outcome) {
        String why = reason;
        if (session.chunksProcessed() == 0 && !session.latencyFinal()) {
            // audio sources that sent nothing; a pipeline of data sources alone is complete at init
            why = StreamMessages.nothingToFlush(reason);
        } else {
            long e0 = System.nanoTime();
            ChunkResult last;
            try {
                last = session.finish(control);
            } catch (PipelineException e) {
                metrics.engine.recordNanos(System.nanoTime() - e0);
                chunkFailed(e, expectedSequence);
                if (!ended) { // a validation error at the end still ends the stream
                    end(StreamingMetrics.Outcome.FAILED, Status.OK, "close failed");
                }
                return;
            }
            long s0 = System.nanoTime();
            metrics.engine.recordNanos(s0 - e0);
            try {
                if (!last.audio().isEmpty() || !last.data().isEmpty()) {
                    call.sendMessage(resultEncoder.of(expectedSequence, last), resultEncoder);
                }
            } finally {
                last.release();
            }
            serializationNanos += System.nanoTime() - s0;
        }
        send(StreamMessages.closed(sessionId, why, session.metrics(), (System.nanoTime() - openedNanos) / 1e6,
                serializationNanos / 1e6));
        end(outcome, Status.OK, why);
    }

    private void halfClosed() {
        if (!initDone) {
            fail(StreamMessages.endedWithoutInit(sessionId), "init required");
            return;
        }
        close(StreamMessages.HALF_CLOSED);
    }

    /**
     * The server drains: a session not started yet is refused (UNAVAILABLE + RetryInfo); a
     * started one first processes the messages it had already received when it saw the drain,
     * then closes as COMMAND_CLOSE would, with the reason {@link StreamMessages#shutdown}. True when the
     * session ended here.
     */
    private boolean shutdownStep() {
        if (!initDone) {
            call.close(svc.ctx.gate().drainRefusal());
            end(StreamingMetrics.Outcome.REJECTED, null, "the server drains: session refused before its init");
            return true;
        }
        if (shutdownLeft < 0) {
            shutdownLeft = ring.size();
        }
        if (shutdownLeft > 0) {
            return false;
        }
        close(StreamMessages.shutdown(answered, expectedSequence), StreamingMetrics.Outcome.SHUTDOWN);
        return true;
    }

    private void endBySignal(int s) {
        if ((s & SIG_GONE) != 0) {
            Status why = cancelReason;
            end(StreamingMetrics.Outcome.DISCONNECTED, null, why == null ? "call ended"
                    : why.code() + (why.description() == null ? "" : ": " + why.description()));
        } else if ((s & SIG_UNDECODABLE) != 0) {
            StatusDetails.Rejection r = StatusDetails.undecodable("remotemedia.v1.StreamRequest", undecodable);
            end(StreamingMetrics.Outcome.FAILED, r.status(), r.trailers(), "undecodable message");
        } else if ((s & SIG_OVERFLOW) != 0) {
            long seq = overflowSequence;
            fail(StreamMessages.bufferOverflow(ring.capacity(), seq < 0 ? expectedSequence : seq, sessionId),
                    "input buffer overflow");
        } else if ((s & SIG_OVERLOADED) != 0) {
            StatusDetails.Rejection r = StatusDetails.dspQueueFull("the session's DSP worker queue");
            end(StreamingMetrics.Outcome.FAILED, r.status(), r.trailers(), "DSP worker queue full");
        } else if ((s & SIG_TIMEOUT) != 0) {
            fail(StreamMessages.idleTimeout(svc.settings.idleTimeoutMs(), expectedSequence, sessionId), "idle timeout");
        } else {
            String why = StreamMessages.cancelled(answered, ring.size());
            send(StreamMessages.closed(sessionId, why, session == null ? null : session.metrics(),
                    initDone ? (System.nanoTime() - openedNanos) / 1e6 : 0, serializationNanos / 1e6));
            end(StreamingMetrics.Outcome.CANCELLED, Status.OK, why);
        }
    }

    /** Sends a fatal error, then ends the call with OK (the error is in-band). */
    private void fail(StreamMessages.ErrorMessage error, String why) {
        send(error);
        end(StreamingMetrics.Outcome.FAILED, Status.OK, why);
    }

    private void bug(Throwable t) {
        svc.ctx.log().error("stream_internal_error", call.requestId(), "session_id", sessionId, "error", t.toString(),
                "stack_trace", JsonLog.stackTrace(t));
        if (!ended) {
            try {
                fail(StreamMessages.internal(ProtoConvert.internal(t, call.requestId(), svc.ctx.debugErrors()),
                        expectedSequence, sessionId), "internal error");
            } catch (Throwable again) {
                end(StreamingMetrics.Outcome.FAILED, StreamMessages.internalStatus(call.requestId()), "internal error");
            }
        }
    }

    private void send(StreamResponse r) {
        call.sendMessage(r, ProtoCodec.ENCODER);
    }

    /** Sends an error and counts it by its stream error type. */
    private void send(StreamMessages.ErrorMessage error) {
        metrics.error(error.type());
        send(error.response());
    }

    private void end(StreamingMetrics.Outcome outcome, Status status, String why) {
        end(outcome, status, null, why);
    }

    /**
     * Releases everything once (the queued messages are released by {@link #step()}, which owns
     * the ring's consumer side); closes the call with {@code status} unless null (the call is gone). */
    private void end(StreamingMetrics.Outcome outcome, Status status, Metadata trailers, String why) {
        if (ended) {
            return;
        }
        ended = true;
        done = true;
        ScheduledFuture<?> t = idleTimer;
        if (t != null) {
            t.cancel(false);
        }
        long chunks = session == null ? 0 : session.chunksProcessed();
        if (session != null) {
            session.close();
        }
        call.notes().chunks(chunksIn, answered);
        int discarded = ring.size(); // released by step() once this returns
        if (SLOT.compareAndSet(this, SLOT_HELD, SLOT_GONE)) {
            svc.ctx.gate().exit(Workload.SESSION);
            svc.closed(this, outcome);
        } else {
            SLOT.compareAndSet(this, SLOT_NONE, SLOT_GONE); // ended while waiting: admitted() gives the slot back
        }
        if (status != null) {
            call.close(status, trailers);
        }
        JsonLog log = svc.ctx.log();
        JsonLog.Level level = outcome == StreamingMetrics.Outcome.FAILED ? JsonLog.Level.INFO : JsonLog.Level.DEBUG;
        if (log.enabled(level)) {
            log.log(level, "stream_ended", call.requestId(), "session_id", sessionId, "outcome", outcome.label,
                    "reason", why, "chunks", chunks, "answered", answered, "dropped", dropped, "discarded", discarded);
        }
    }
}
