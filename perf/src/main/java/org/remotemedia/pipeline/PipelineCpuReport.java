package org.remotemedia.pipeline;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The engine end to end in thread CPU time, for a loaded machine where JMH's wall-clock rates
 * swing with time-slicing: the pipelines of {@link PipelineBench}, each as {@code name/push}
 * (one 10 ms chunk of 48 kHz stereo f32 into a streaming session, outputs released) or
 * {@code name/oneShot} (an execution on 1 s of it). All subjects run in one JVM, warmed up,
 * then measured in rounds interleaved across subjects (A, B, C, A, B, C, ...). Prints per
 * subject the median and min..max over rounds of microseconds of CPU per operation, and heap
 * bytes allocated per operation. Uses only the engine's public API, so the same source also
 * builds against an older state of the engine for an A/B between builds.
 *
 * <p>Usage: {@code PipelineCpuReport rounds msPerRound warmupMsPerSubject name/push|name/oneShot ...}
 * <p>Single-threaded: everything runs on the main thread.
 */
public final class PipelineCpuReport {
    private PipelineCpuReport() {
    }

    private static final class Subject {
        final String name;
        final boolean push;
        final PipelineEngine engine = PipelineEngine.standard();
        final CompiledPlan plan;
        final AudioInput second = PipelineBench.signal(PipelineBench.RATE);
        final AudioInput chunk = PipelineBench.signal(PipelineBench.RATE / 100);
        final double[] cpuUs;
        StreamingSession session;
        long ops;
        long allocated;

        Subject(String name, int rounds) throws PipelineException {
            this.name = name;
            String[] parts = name.split("/");
            this.push = parts[1].equals("push");
            this.plan = engine.compileJson(PipelineBench.manifest(parts[0]));
            this.cpuUs = new double[rounds];
            this.session = engine.openSession(plan, null, null);
        }

        int op() throws PipelineException {
            if (push) {
                ChunkResult r = session.push("in", chunk, null);
                int n = r.audio().isEmpty() ? 0 : r.audio().get(0).frames();
                r.release();
                return n;
            }
            try (ExecutionResult r = engine.execute(plan, Map.of("in", second), null, null, null)) {
                return r.audioOutputs().get("out").frames();
            }
        }

        /** A fresh session now and then, so a push never accumulates more than the sample limit allows. */
        void renew() throws PipelineException {
            if (push) {
                session.close();
                session = engine.openSession(plan, null, null);
            }
        }
    }

    public static void main(String[] args) throws PipelineException {
        int rounds = Integer.parseInt(args[0]);
        int ms = Integer.parseInt(args[1]);
        long warmMs = Long.parseLong(args[2]);
        ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Subject> subjects = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            subjects.add(new Subject(args[i], rounds));
        }
        long sink = 0;
        for (Subject s : subjects) {
            long end = System.nanoTime() + warmMs * 1_000_000L;
            while (System.nanoTime() < end) {
                for (int k = 0; k < 20; k++) {
                    sink += s.op();
                }
                if (++s.ops % 10_000 == 0) {
                    s.renew(); // a stream may carry at most max_audio_samples
                }
            }
            s.ops = 0;
            s.renew();
        }
        for (int r = 0; r < rounds; r++) {
            for (Subject s : subjects) {
                long ops = 0;
                long a0 = mx.getCurrentThreadAllocatedBytes();
                long c0 = mx.getCurrentThreadCpuTime();
                long end = System.nanoTime() + ms * 1_000_000L;
                do {
                    for (int k = 0; k < 10; k++) {
                        sink += s.op();
                    }
                    ops += 10;
                } while (System.nanoTime() < end);
                long c1 = mx.getCurrentThreadCpuTime();
                long a1 = mx.getCurrentThreadAllocatedBytes();
                s.cpuUs[r] = (c1 - c0) / 1e3 / ops;
                s.ops += ops;
                s.allocated += a1 - a0;
                s.renew();
            }
        }
        System.out.println(String.format(Locale.ROOT, "%-28s %16s %20s %12s", "pipeline/op", "CPU us/op median",
                "min..max", "B/op"));
        for (Subject s : subjects) {
            double[] c = s.cpuUs.clone();
            Arrays.sort(c);
            System.out.println(String.format(Locale.ROOT, "%-28s %16.2f %9.2f..%-10.2f %12.2f", s.name, c[c.length / 2],
                    c[0], c[c.length - 1], s.allocated / (double) s.ops));
            s.session.close();
        }
        System.out.println("(checksum " + sink + ")");
    }
}
