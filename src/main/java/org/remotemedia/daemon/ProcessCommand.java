package org.remotemedia.daemon;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.wav.WavAudio;
import org.remotemedia.buffer.wav.WavFormatException;
import org.remotemedia.buffer.wav.WavReader;
import org.remotemedia.buffer.wav.WavWriter;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.nodes.SileroVad;
import org.remotemedia.inference.Models;
import org.remotemedia.json.Json;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.EngineLimits;
import org.remotemedia.pipeline.ExecutionControl;
import org.remotemedia.pipeline.ExecutionResult;
import org.remotemedia.pipeline.NodeMetrics;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.PipelineError;
import org.remotemedia.pipeline.PipelineException;
import org.remotemedia.pipeline.ResourceLimits;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code remotemedia process}: runs a pipeline locally on WAV files, with the engine the
 * service uses. Writes the audio outputs named by {@code --output}, prints one JSON object
 * with every output's description, the data outputs and the metrics on stdout; on bad input
 * prints the service's diagnostics (an ErrorResponse as JSON) on stderr and exits 2; a node
 * failing at run time exits 1.
 */
@Command(name = "process", mixinStandardHelpOptions = true,
        description = "Run a pipeline locally on WAV files (PCM 16/24/32-bit or float 32).",
        footer = {"", "Example:", "  remotemedia process --manifest p.json --input mic=in.wav --output out=out.wav"})
final class ProcessCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--manifest", required = true, paramLabel = "FILE", description = "Pipeline manifest, JSON form.")
    Path manifest;

    @Option(names = "--input", paramLabel = "NODE=FILE.wav", description = "Audio input of a source node (repeatable).")
    Map<String, Path> inputs = new LinkedHashMap<>();

    @Option(names = "--output", paramLabel = "NODE=FILE.wav", description = "Where to write a sink's audio (repeatable);"
            + " NODE.k for port k of a sink with several outputs (ChannelSplit).")
    Map<String, Path> outputs = new LinkedHashMap<>();

    @Option(names = "--data", paramLabel = "NODE=JSON|@FILE", description = "Data input of a source node (repeatable).")
    Map<String, String> data = new LinkedHashMap<>();

    @Option(names = "--output-bits", paramLabel = "BITS", description = "Write i32 outputs as 24-bit PCM (24) or 32-bit (32, default).")
    int outputBits = 32;

    @Option(names = "--max-memory-bytes", paramLabel = "N", description = "ResourceLimits.max_memory_bytes (0 = default).")
    long maxMemoryBytes;

    @Option(names = "--max-timeout-ms", paramLabel = "N", description = "ResourceLimits.max_timeout_ms (0 = default).")
    long maxTimeoutMs;

    @Option(names = "--max-audio-samples", paramLabel = "N", description = "ResourceLimits.max_audio_samples (0 = default).")
    long maxAudioSamples;

    static final int BAD_INPUT = 2;
    static final int FAILED = 1;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (outputBits != 24 && outputBits != 32) {
            return usage(err, "--output-bits must be 24 or 32, got " + outputBits);
        }
        String json;
        try {
            json = Files.readString(manifest);
        } catch (IOException e) {
            return usage(err, "cannot read manifest " + manifest + ": " + describe(e));
        }
        ServerConfig defaults = ServerConfig.defaults();
        // loading a model costs ~0.2 s: only when the manifest can name a node that runs one
        NodeRegistry nodes = json.contains(SileroVad.NAME) ? Models.load(defaults.models()).registry()
                : NodeRegistry.builtin();
        PipelineEngine engine = new PipelineEngine(nodes, new BufferPool(), EngineLimits.from(defaults.execution()));
        Map<String, AudioInput> audio = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : inputs.entrySet()) {
            try {
                WavAudio w = WavReader.read(e.getValue());
                audio.put(e.getKey(), AudioInput.of(w.samples(), 0, w.lengthBytes(), w.numSamples(), w.channels(),
                        w.sampleRate(), w.format()));
            } catch (WavFormatException ex) {
                return usage(err, "input " + e.getKey() + ": " + ex.getMessage());
            } catch (IOException ex) {
                return usage(err, "input " + e.getKey() + ": cannot read " + e.getValue() + ": " + describe(ex));
            }
        }
        Map<String, String> dataInputs = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : data.entrySet()) {
            String v = e.getValue();
            if (v.startsWith("@")) {
                try {
                    v = Files.readString(Path.of(v.substring(1)));
                } catch (IOException ex) {
                    return usage(err, "data " + e.getKey() + ": cannot read " + v.substring(1) + ": " + describe(ex));
                }
            }
            dataInputs.put(e.getKey(), v);
        }
        CompiledPlan plan;
        try {
            plan = engine.compileJson(json);
        } catch (PipelineException e) {
            return fail(err, e.error());
        }
        for (String key : outputs.keySet()) {
            int dot = key.indexOf('.');
            String id = dot < 0 ? key : key.substring(0, dot);
            CompiledPlan.PlanNode p = plan.node(id);
            boolean sink = p != null && p.isSink() && p.type().ports().audioOutput();
            if (!sink || (p.multiOutput() ? dot < 0 || !key.substring(dot + 1).matches("[0-9]{1,9}") : dot >= 0)) {
                List<String> sinks = new ArrayList<>();
                plan.sinks().stream().filter(s -> s.type().ports().audioOutput())
                        .forEach(s -> sinks.add(s.multiOutput() ? s.id() + ".<port>" : s.id()));
                String what = p == null ? "unknown node \"" + id + "\""
                        : !sink ? "\"" + id + "\" is not a sink with audio"
                        : p.multiOutput() ? "\"" + id + "\" (" + p.type().name() + ") has one output per port: name one as "
                                + id + ".0, " + id + ".1, ..."
                        : "\"" + id + "\" (" + p.type().name() + ") has a single output: name it " + id;
                return fail(err, PipelineError.validation("/outputs/" + key, what + "; sinks with audio: "
                        + String.join(", ", sinks)));
            }
        }
        ResourceLimits limits = new ResourceLimits(maxMemoryBytes, maxTimeoutMs, maxAudioSamples);
        try (ExecutionResult r = engine.execute(plan, audio, dataInputs, limits, ExecutionControl.none())) {
            for (String key : outputs.keySet()) {
                int dot = key.indexOf('.');
                if (dot > 0 && !r.audioOutputs().containsKey(key)) { // a port the sink does not have
                    String id = key.substring(0, dot);
                    List<String> have = new ArrayList<>();
                    r.audioOutputs().keySet().stream().filter(k -> k.startsWith(id + ".")).forEach(have::add);
                    if (!have.isEmpty()) {
                        return fail(err, PipelineError.validation("/outputs/" + key, "\"" + id + "\" produced the outputs "
                                + String.join(", ", have) + "; there is no " + key));
                    }
                }
            }
            StringBuilder sb = new StringBuilder("{\"status\":\"SUCCESS\",\"audio_outputs\":{");
            boolean first = true;
            for (AudioOutput o : r.audioOutputs().values()) {
                Path file = outputs.get(o.nodeId());
                if (file != null) {
                    WavWriter.write(file, o.buffer(), 0, o.frames(), o.channels(), o.sampleRate(), o.format(),
                            o.format() == org.remotemedia.buffer.SampleFormat.I32 ? outputBits
                                    : o.format() == org.remotemedia.buffer.SampleFormat.I16 ? 16 : 32);
                }
                sb.append(first ? "" : ",");
                first = false;
                Json.string(sb, o.nodeId()).append(":{\"file\":");
                if (file == null) {
                    sb.append("null");
                } else {
                    Json.string(sb, file.toString());
                }
                sb.append(",\"sample_rate\":").append(o.sampleRate()).append(",\"channels\":").append(o.channels())
                        .append(",\"format\":\"").append(o.format().label())
                        .append("\",\"num_samples\":").append(o.numSamples()).append(",\"frames\":").append(o.frames())
                        .append('}');
            }
            sb.append("},\"data_outputs\":{");
            first = true;
            for (Map.Entry<String, String> d : r.dataOutputs().entrySet()) {
                sb.append(first ? "" : ",");
                first = false;
                Json.string(sb, d.getKey()).append(':').append(d.getValue());
            }
            sb.append("},\"metrics\":");
            metrics(sb, r);
            out.println(sb.append('}'));
            out.flush();
            return 0;
        } catch (PipelineException e) {
            return fail(err, e.error());
        } catch (IOException e) {
            err.println("error: cannot write output: " + describe(e));
            err.flush();
            return FAILED;
        }
    }

    private static void metrics(StringBuilder sb, ExecutionResult r) {
        sb.append("{\"wall_time_ms\":");
        Json.number(sb, r.metrics().wallTimeMs()).append(",\"cpu_time_ms\":");
        Json.number(sb, r.metrics().cpuTimeMs()).append(",\"memory_used_bytes\":").append(r.metrics().memoryUsedBytes())
                .append(",\"node_metrics\":{");
        boolean first = true;
        for (NodeMetrics m : r.nodeMetrics()) {
            sb.append(first ? "" : ",");
            first = false;
            Json.string(sb, m.nodeId()).append(":{\"node_type\":");
            Json.string(sb, m.nodeType()).append(",\"status\":\"").append(m.status()).append("\",\"execution_time_ms\":");
            Json.number(sb, m.executionTimeMs()).append(",\"memory_bytes\":").append(m.memoryBytes())
                    .append(",\"samples_processed\":").append(m.samplesProcessed()).append(",\"latency_ms\":");
            Json.number(sb, m.latencyMs()).append(",\"latency_unbounded\":").append(m.latencyUnbounded())
                    .append(",\"custom_metrics\":").append(m.customMetricsJson()).append('}');
        }
        sb.append("}}");
    }

    private static int fail(PrintWriter err, PipelineError e) {
        err.println("error: " + e.contractName() + ": " + e.message());
        err.println(e.appendJson(new StringBuilder("{\"error\":")).append('}'));
        err.flush();
        return switch (e.type()) {
            case VALIDATION, RESOURCE_LIMIT -> BAD_INPUT;
            default -> FAILED;
        };
    }

    private static int usage(PrintWriter err, String message) {
        err.println("error: " + message);
        err.flush();
        return BAD_INPUT;
    }

    private static String describe(IOException e) {
        return e instanceof NoSuchFileException ? "no such file" : e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
