package org.remotemedia.perf;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Map;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.ExecutionControl;
import org.remotemedia.pipeline.ExecutionResult;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.ResourceLimits;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.PipelineExecutionServiceGrpc;
import org.remotemedia.service.ProtoConvert;

/**
 * Heap bytes allocated per ExecutePipeline call on the server's threads (transport event loops
 * {@code grpc-loop-*} and DSP workers {@code rm-dsp-*}), measured with
 * {@code com.sun.management.ThreadMXBean.getThreadAllocatedBytes} around N calls of the benchmark
 * request (1 s of 44.1 kHz f32 -> 16 kHz), for both DSP modes; and, for comparison, the engine
 * alone (compile + execute on this thread). The daemon runs in this JVM with its real wiring
 * (TestDaemon); the grpc-java client's threads are not counted.
 *
 * <p>{@code java ... org.remotemedia.perf.ServiceAllocProbe [calls]}
 */
public final class ServiceAllocProbe {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        ExecuteRequest req = ServiceBench.request();
        System.out.println("| what | bytes allocated per call | calls |");
        System.out.println("|---|---|---|");
        for (String mode : new String[] {"inline", "workers"}) {
            try (TestDaemon d = TestDaemon.start("execution.dsp_mode", mode, "logging.level", "warn",
                    "limits.shed_dsp_queue_delay_ms", "0")) {
                var stub = PipelineExecutionServiceGrpc.newBlockingStub(d.channel());
                for (int i = 0; i < calls; i++) { // warm-up: JIT, pools, HPACK tables
                    stub.executePipeline(req);
                }
                long before = serverBytes();
                for (int i = 0; i < calls; i++) {
                    if (!stub.executePipeline(req).hasResult()) {
                        throw new IllegalStateException("call failed");
                    }
                }
                long after = serverBytes();
                System.out.printf(Locale.ROOT, "| server threads, dsp_mode=%s (transport + service + engine) | %d | %d |%n",
                        mode, (after - before) / calls, calls);
                var m = stub.getMetrics(org.remotemedia.proto.v1.GetMetricsRequest.getDefaultInstance());
                for (var l : m.getLatenciesList()) {
                    if (l.getCount() > 0 && (l.getName().contains("execute") || l.getName().contains("queue"))) {
                        System.out.printf(Locale.ROOT, "|   %s: p50 %.0f us, p99 %.0f us (n=%d) | | |%n", l.getName(),
                                l.getP50Ms() * 1000, l.getP99Ms() * 1000, l.getCount());
                    }
                }
            }
        }
        PipelineEngine engine = PipelineEngine.standard();
        var audio = Map.of("resample", ProtoConvert.audioInput(
                org.remotemedia.service.ProtoCodec.parse(direct(req.toByteArray()), ExecuteRequest.parser())
                        .getAudioInputsOrThrow("resample")));
        long tid = Thread.currentThread().threadId();
        for (int round = 0; round < 2; round++) {
            long before = THREADS.getThreadAllocatedBytes(tid);
            for (int i = 0; i < calls; i++) {
                CompiledPlan plan = engine.compile(ProtoConvert.manifest(req.getManifest()));
                try (ExecutionResult r = engine.execute(plan, audio, Map.of(), ResourceLimits.DEFAULTS,
                        ExecutionControl.create())) {
                    r.audioOutputs();
                }
            }
            long after = THREADS.getThreadAllocatedBytes(tid);
            if (round == 1) {
                System.out.printf(Locale.ROOT, "| engine alone: compile + execute, this thread | %d | %d |%n",
                        (after - before) / calls, calls);
            }
        }
        System.exit(0);
    }

    private static java.nio.ByteBuffer direct(byte[] b) {
        return java.nio.ByteBuffer.allocateDirect(b.length).put(b).flip();
    }

    private static long serverBytes() {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String n = t.getName();
            if (n.startsWith("grpc-loop") || n.startsWith("rm-dsp-")) {
                long b = THREADS.getThreadAllocatedBytes(t.threadId());
                if (b > 0) {
                    sum += b;
                }
            }
        }
        return sum;
    }
}
