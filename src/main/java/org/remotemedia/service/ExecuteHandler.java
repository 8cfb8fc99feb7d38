package org.remotemedia.service;

import com.google.protobuf.InvalidProtocolBufferException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agrona.concurrent.UnsafeBuffer;
import org.remotemedia.buffer.PooledBuffer;
import org.remotemedia.json.Json;
import org.remotemedia.observe.JsonLog;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.ExecutionControl;
import org.remotemedia.pipeline.ExecutionResult;
import org.remotemedia.pipeline.NodeMetrics;
import org.remotemedia.pipeline.PipelineError;
import org.remotemedia.pipeline.PipelineException;
import org.remotemedia.pipeline.ResourceLimits;
import org.remotemedia.pipeline.exec.DspExecutor;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.ErrorResponse;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ExecuteResponse;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.rpc.UnaryHandler;
import org.remotemedia.rpc.WorkGate;
import org.remotemedia.rpc.Workload;

/**
 * {@code remotemedia.v1.PipelineExecutionService/ExecutePipeline}: admit, read the request (in place
 * when its manifest's bytes were seen before: ExecuteRequestReader; else parsed by protobuf, aliasing the
 * samples to the network buffer), check the client version, compile the manifest, run it on the
 * engine under the call's deadline, and answer with every sink's audio (serialized straight from
 * the engine's off-heap output into the response buffer), data outputs, node results in
 * execution order and measured metrics. Pipeline failures come back in-band
 * ({@code ExecuteResponse.error}); admission and protocol failures as gRPC statuses with
 * {@code google.rpc.Status} details.
 *
 * <p>Threads: {@link #onRequest} runs on the connection's event loop. In {@code inline} mode the
 * whole call runs there; in {@code workers} mode the request is retained and everything after
 * admission runs on a DSP worker, which sends the response (serialized on that worker) and
 * releases the request; {@code auto} runs a call inline when it is the only call open on its
 * event loop and its request is at most {@link #AUTO_INLINE_MAX_BYTES}, else as in workers. The
 * handler itself is stateless and shared.
 */
public final class ExecuteHandler implements UnaryHandler {
    public static final String PATH = "/remotemedia.v1.PipelineExecutionService/ExecutePipeline";

    /**
     * {@code auto}: a request larger than this goes to a worker even when alone on its event loop,
     * so that one long execution does not hold the loop (1 MiB is ~6 s of 44.1 kHz mono f32).
     */
    static final int AUTO_INLINE_MAX_BYTES = 1 << 20;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_TIME = THREADS.isCurrentThreadCpuTimeSupported();

    /** Per thread (event loops, DSP workers): the response being sent, reused every call. */
    private static final ThreadLocal<ExecuteResponseWriter.Response> RESPONSE =
            ThreadLocal.withInitial(ExecuteResponseWriter.Response::new);

    /** Scratch for the nodes' output_metadata JSON, per thread (event loops, DSP workers): reused every call. */
    private static final ThreadLocal<StringBuilder> METADATA = ThreadLocal.withInitial(() -> new StringBuilder(512));

    private final ServiceContext ctx;
    private final ServiceMetrics metrics;

    public ExecuteHandler(ServiceContext ctx) {
        this.ctx = ctx;
        this.metrics = ctx.metrics();
    }

    @Override
    public void onRequest(ServerCall call, InboundMessage request) {
        long t0 = System.nanoTime();
        if (ctx.gate().tryEnter(call)) {
            admitted(call, request, t0, false);
            return;
        }
        // every execution slot is taken: wait in the bounded queue, the request held meanwhile
        InboundMessage kept = request.retain();
        ctx.gate().enqueue(call, new WorkGate.Waiter() {
            @Override
            public void admitted() {
                ExecuteHandler.this.admitted(call, kept, t0, true);
            }

            @Override
            public void refused(Status status) {
                kept.release();
                metrics.count(ServiceMetrics.Outcome.REJECTED_OVERLOADED);
                call.close(status);
            }
        });
    }

    /** A slot is the call's: run it here (inline) or hand it to a DSP worker. On the event loop. */
    private void admitted(ServerCall call, InboundMessage request, long t0, boolean owned) {
        ExecutionControl control = call.hasDeadline()
                ? ExecutionControl.withDeadline(call.deadlineNanoTime()) : ExecutionControl.create();
        call.setListener(new CallListener() {
            @Override
            public void onCancel(Status reason) {
                control.cancel(); // the engine stops at its next check (between slices and nodes)
            }
        });
        if (call.isCancelled()) { // cancelled while it waited for its slot
            control.cancel();
        }
        DspExecutor dsp = ctx.dsp();
        if (dsp.inline() || (dsp.inlineWhenAlone() && call.callsOnEventLoop() <= 1
                && request.length() <= AUTO_INLINE_MAX_BYTES)) {
            metrics.placed(true);
            run(call, request, control, t0, owned);
            return;
        }
        InboundMessage kept = owned ? request : request.retain();
        long queued = System.nanoTime();
        Runnable task = () -> {
            metrics.placed(false);
            long waited = System.nanoTime() - queued;
            metrics.queueWait.recordNanos(waited);
            ctx.gate().dspQueueDelay(waited);
            run(call, kept, control, t0, true);
        };
        if (!dsp.submit(task)) {
            kept.release();
            ctx.gate().exit(Workload.EXECUTION);
            metrics.count(ServiceMetrics.Outcome.REJECTED_OVERLOADED);
            StatusDetails.dspQueueFull("every DSP worker queue").close(call);
        }
    }

    /** Everything after admission, on the thread that runs the DSP. Releases what it was given. */
    private void run(ServerCall call, InboundMessage msg, ExecutionControl control, long t0, boolean retained) {
        PooledBuffer[] gathered = new PooledBuffer[1];
        Slot slot = new Slot(ctx.gate());
        ExecutionResult result = null;
        ServiceMetrics.Outcome outcome = ServiceMetrics.Outcome.INTERNAL;
        try {
            if (call.isCancelled()) {
                outcome = ServiceMetrics.Outcome.CANCELLED;
                return;
            }
            long cpu0 = cpuNanos();
            long p0 = System.nanoTime();
            Inputs in;
            try {
                in = inputs(ProtoCodec.contiguous(msg, ctx.engine().pool(), gathered));
            } catch (InvalidProtocolBufferException e) {
                outcome = ServiceMetrics.Outcome.MALFORMED;
                slot.giveBack();
                StatusDetails.undecodable("remotemedia.v1.ExecuteRequest", e.getMessage()).close(call);
                return;
            }
            long parseNs = System.nanoTime() - p0;
            metrics.parsed(gathered[0] != null, in.parsed != null);
            audioIn(call, in.audio);

            Compatibility.Verdict v = Compatibility.negotiate(in.clientVersion);
            if (!v.compatible()) {
                outcome = ServiceMetrics.Outcome.VERSION_MISMATCH;
                slot.giveBack();
                respondError(call, ProtoConvert.versionMismatch(v));
                return;
            }
            if (v.empty()) {
                ctx.emptyClientVersion(call.requestId(), PATH);
            }

            long e0 = System.nanoTime();
            try {
                CompiledPlan plan = in.plan();
                call.notes().pipeline(plan.name(), plan.size());
                result = ctx.engine().execute(plan, in.audio, in.data, in.limits, control);
            } catch (PipelineException e) {
                metrics.engine.recordNanos(System.nanoTime() - e0);
                slot.giveBack();
                outcome = failed(call, e.error());
                return;
            }
            metrics.engine.recordNanos(System.nanoTime() - e0);

            long s0 = System.nanoTime();
            ExecuteResponseWriter.Response resp = RESPONSE.get();
            if (resp.result != null) { // not expected: a call run within another's send on this thread
                resp = new ExecuteResponseWriter.Response();
            }
            resp.result = result;
            List<AudioOutput> audioOut = result.audioOutputList();
            for (int i = 0; i < audioOut.size(); i++) {
                metrics.audioOut(audioOut.get(i).numSamples(), audioOut.get(i).lengthBytes());
            }
            StringBuilder sb = METADATA.get();
            List<NodeMetrics> nodes = result.nodeMetrics();
            String[] outputMetadata = resp.metadata(nodes.size());
            for (int i = 0; i < nodes.size(); i++) {
                NodeMetrics nm = nodes.get(i);
                metrics.nodeTime(nm.nodeType(), nm.executionTimeMs());
                outputMetadata[i] = outputMetadata(sb, nm, result);
            }
            long gatheredBytes = gathered[0] == null ? 0 : gathered[0].capacity();
            resp.memoryUsedBytes = result.metrics().memoryUsedBytes() + gatheredBytes;
            // the time figures go in last: wall time since the request arrived, CPU time of this thread
            // since parsing began, serialization = request decode + response preparation (the response's
            // bytes are written into the socket buffer after these figures are fixed and are not included)
            long now = System.nanoTime();
            resp.serializationTimeMs = (parseNs + (now - s0)) / 1e6;
            resp.wallTimeMs = (now - t0) / 1e6;
            resp.cpuTimeMs = cpu0 < 0 ? 0 : (cpuNanos() - cpu0) / 1e6;
            slot.giveBack();
            try {
                call.sendMessage(resp, ExecuteResponseWriter.INSTANCE); // encoded before it returns
            } finally {
                resp.clear();
            }
            call.close(Status.OK);
            outcome = ServiceMetrics.Outcome.SUCCESS;
        } catch (RuntimeException | Error e) {
            outcome = ServiceMetrics.Outcome.INTERNAL;
            ctx.log().error("execute_internal_error", call.requestId(), "error", e.toString(),
                    "stack_trace", JsonLog.stackTrace(e));
            slot.giveBack();
            respondError(call, ProtoConvert.internal(e, call.requestId(), ctx.debugErrors()));
        } finally {
            if (result != null) {
                result.close();
            }
            if (gathered[0] != null) {
                gathered[0].release();
            }
            if (retained) {
                msg.release();
            }
            metrics.count(outcome);
            metrics.execute.recordNanos(System.nanoTime() - t0);
            slot.giveBack(); // paths that send nothing (cancelled)
        }
    }

    /** Counts the request's audio and charges its duration to the caller's audio rate. */
    private void audioIn(ServerCall call, Map<String, AudioInput> audio) {
        double seconds = 0;
        for (AudioInput a : audio.values()) {
            metrics.audioIn(a.numSamples(), a.lengthBytes());
            if (a.sampleRate() > 0 && a.channels() > 0) {
                seconds += (double) a.numSamples() / a.channels() / a.sampleRate();
            }
        }
        ctx.gate().chargeAudio(call, seconds);
    }

    /**
     * The call's execution slot. It goes back just before the answer is sent, not after: a worker
     * sends the answer to the event loop and goes on, so a client that sends its next call as soon
     * as the answer arrives must not find the slot still taken. Used by one thread (the one in
     * {@link #run}).
     */
    private static final class Slot {
        private final WorkGate gate;
        private boolean held = true;

        Slot(WorkGate gate) {
            this.gate = gate;
        }

        void giveBack() {
            if (held) {
                held = false;
                gate.exit(Workload.EXECUTION);
            }
        }
    }

    /** Per thread: the fields of the request being read (ExecuteRequestReader), reused every call. */
    private static final ThreadLocal<ExecuteRequestReader.Fields> FIELDS =
            ThreadLocal.withInitial(ExecuteRequestReader.Fields::new);

    /**
     * What the engine needs from the request. A request of the common shape whose manifest's bytes
     * were seen before is read in place ({@link ExecuteRequestReader}, {@link PlanCache#byEncoding}):
     * no protobuf objects, no parse of the manifest. Anything else goes through protobuf; its
     * manifest's bytes are then remembered for the next call.
     */
    private Inputs inputs(ByteBuffer request) throws InvalidProtocolBufferException {
        ExecuteRequestReader.Fields f = FIELDS.get();
        boolean common = ExecuteRequestReader.read(request, f) && f.manifestField != 0;
        if (common) {
            CompiledPlan cached = ctx.plans().byEncoding(f.manifestField, request, f.manifestOffset, f.manifestLength);
            if (cached != null) {
                return new Inputs(cached, null, f.clientVersion, audioInputs(request, f), Map.of(),
                        f.hasLimits ? ProtoConvert.limits(f.maxMemoryBytes, f.maxTimeoutMs, f.maxAudioSamples)
                                : ResourceLimits.DEFAULTS);
            }
        }
        ExecuteRequest req = ProtoCodec.parse(request, ExecuteRequest.parser());
        Inputs in = new Inputs(null, req, req.getClientVersion(), audioInputs(req), req.getDataInputsMap(),
                ProtoConvert.limits(req.hasResourceLimits() ? req.getResourceLimits() : null));
        if (common) {
            in.remember = f.manifestField;
            in.encoding = request;
            in.encodingOffset = f.manifestOffset;
            in.encodingLength = f.manifestLength;
        }
        return in;
    }

    /** The request's fields for the engine; the plan is compiled (or found) on first use. Used by one thread. */
    private final class Inputs {
        private CompiledPlan plan;
        private final ExecuteRequest parsed;
        final String clientVersion;
        final Map<String, AudioInput> audio;
        final Map<String, String> data;
        final ResourceLimits limits;
        /** Non-zero: the manifest's encoding, to remember with the plan once compiled. */
        int remember;
        ByteBuffer encoding;
        int encodingOffset;
        int encodingLength;

        Inputs(CompiledPlan plan, ExecuteRequest parsed, String clientVersion, Map<String, AudioInput> audio,
               Map<String, String> data, ResourceLimits limits) {
            this.plan = plan;
            this.parsed = parsed;
            this.clientVersion = clientVersion;
            this.audio = audio;
            this.data = data;
            this.limits = limits;
        }

        CompiledPlan plan() throws PipelineException {
            if (plan == null) {
                plan = ctx.plans().compile(parsed.hasManifest() ? parsed.getManifest() : null, parsed.getManifestJson());
                if (remember != 0) {
                    ctx.plans().rememberEncoding(remember, encoding, encodingOffset, encodingLength, plan);
                }
            }
            return plan;
        }
    }

    private static Map<String, AudioInput> audioInputs(ExecuteRequest req) {
        Map<String, AudioBuffer> in = req.getAudioInputsMap();
        if (in.isEmpty()) {
            return Map.of();
        }
        Map<String, AudioInput> out = new HashMap<>(in.size() * 2);
        for (Map.Entry<String, AudioBuffer> e : in.entrySet()) {
            out.put(e.getKey(), ProtoConvert.audioInput(e.getValue()));
        }
        return out;
    }

    /** The audio inputs read in place: views of the request's buffer, no copy. */
    private static Map<String, AudioInput> audioInputs(ByteBuffer request, ExecuteRequestReader.Fields f) {
        if (f.audioCount == 0) {
            return Map.of();
        }
        UnsafeBuffer bytes = new UnsafeBuffer(request);
        if (f.audioCount == 1) {
            return Map.of(f.audioKeys[0], audioInput(bytes, f, 0));
        }
        Map<String, AudioInput> out = new HashMap<>(f.audioCount * 2);
        for (int i = 0; i < f.audioCount; i++) {
            out.put(f.audioKeys[i], audioInput(bytes, f, i));
        }
        return out;
    }

    private static AudioInput audioInput(UnsafeBuffer bytes, ExecuteRequestReader.Fields f, int i) {
        return AudioInput.of(bytes, f.samplesOffset[i], f.samplesLength[i], f.numSamples[i], f.channels[i],
                f.sampleRate[i], ProtoConvert.format(f.format[i]));
    }

    private ServiceMetrics.Outcome failed(ServerCall call, PipelineError e) {
        switch (e.type()) {
            case CANCELLED -> {
                call.close(Status.of(StatusCode.CANCELLED, "the call was cancelled by the client"));
                return ServiceMetrics.Outcome.CANCELLED;
            }
            case DEADLINE_EXCEEDED -> {
                call.close(Status.of(StatusCode.DEADLINE_EXCEEDED, e.message()));
                return ServiceMetrics.Outcome.DEADLINE_EXCEEDED;
            }
            case INTERNAL -> {
                ctx.log().error("execute_internal_error", call.requestId(), "error", e.message(), "stack_trace",
                        e.cause() == null ? null : JsonLog.stackTrace(e.cause()));
                respondError(call, ProtoConvert.error(e, ctx.debugErrors()));
                return ServiceMetrics.Outcome.INTERNAL;
            }
            default -> {
                if (ctx.log().enabled(JsonLog.Level.DEBUG)) {
                    ctx.log().debug("execute_failed", call.requestId(), "error_type", e.type().name(),
                            "failing_node_id", e.failingNodeId(), "message", e.message());
                }
                respondError(call, ProtoConvert.error(e, ctx.debugErrors()));
                return switch (e.type()) {
                    case VALIDATION -> ServiceMetrics.Outcome.VALIDATION;
                    case NODE_EXECUTION -> ServiceMetrics.Outcome.NODE_EXECUTION;
                    default -> ServiceMetrics.Outcome.RESOURCE_LIMIT;
                };
            }
        }
    }

    private static void respondError(ServerCall call, ErrorResponse error) {
        call.sendMessage(ExecuteResponse.newBuilder().setError(error).build(), ProtoCodec.ENCODER);
        call.close(Status.OK);
    }

    /** NodeResult.output_metadata: the node's type and latency, and for a sink its audio's shape. */
    private static String outputMetadata(StringBuilder sb, NodeMetrics nm, ExecutionResult result) {
        sb.setLength(0);
        sb.append("{\"node_type\":");
        Json.string(sb, nm.nodeType());
        sb.append(",\"latency_ms\":").append(Double.isFinite(nm.latencyMs()) ? nm.latencyMs() : 0.0);
        String id = nm.nodeId();
        AudioOutput a = result.audioOutputs().get(id);
        if (a != null) {
            audioSummary(sb.append(",\"audio_output\":"), a);
        }
        // a sink with several output ports (ChannelSplit) has its outputs under "<id>.<k>"
        boolean ports = false;
        List<AudioOutput> outs = result.audioOutputList(); // by index: no iterator per node
        for (int i = 0; i < outs.size(); i++) {
            String key = outs.get(i).key();
            if (key.length() > id.length() + 1 && key.startsWith(id) && key.charAt(id.length()) == '.') {
                sb.append(ports ? "," : ",\"audio_ports\":{");
                Json.string(sb, key.substring(id.length() + 1));
                audioSummary(sb.append(':'), outs.get(i));
                ports = true;
            }
        }
        if (ports) {
            sb.append('}');
        }
        if (result.dataOutputs().containsKey(id)) {
            sb.append(",\"data_output\":true");
        }
        return sb.append('}').toString();
    }

    private static void audioSummary(StringBuilder sb, AudioOutput a) {
        sb.append("{\"sample_rate\":").append(a.sampleRate()).append(",\"channels\":").append(a.channels())
                .append(",\"format\":\"").append(a.format().label())
                .append("\",\"num_samples\":").append(a.numSamples()).append('}');
    }

    private static long cpuNanos() {
        return CPU_TIME ? THREADS.getCurrentThreadCpuTime() : -1;
    }
}
