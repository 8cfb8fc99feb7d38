package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.buffer.wav.WavAudio;
import org.remotemedia.buffer.wav.WavReader;
import org.remotemedia.buffer.wav.WavWriter;

/** {@code remotemedia process} on real WAV files in a temp dir, through Main.run as a user would. */
class ProcessCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    record Outcome(int code, String out, String err) {
    }

    private static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Outcome(code, out.toString(), err.toString());
    }

    /** 2 s at 48 kHz stereo, 24-bit: a 440 Hz burst from 0.5 s to 1.5 s, silence around. */
    private Path speechWav() throws Exception {
        int rate = 48000;
        int frames = 2 * rate;
        UnsafeBuffer b = new UnsafeBuffer(ByteBuffer.allocateDirect(frames * 2 * 4));
        for (int i = 0; i < frames; i++) {
            double t = i / (double) rate;
            double v = t >= 0.5 && t < 1.5 ? 0.3 * Math.sin(2 * Math.PI * 440 * t) : 0;
            for (int c = 0; c < 2; c++) {
                SampleFormat.I32.write(b, 0, 2 * i + c, v);
            }
        }
        Path p = dir.resolve("in.wav");
        WavWriter.write(p, b, 0, frames, 2, rate, SampleFormat.I32, 24);
        return p;
    }

    @Test
    void runsAPipelineOnWavFilesAndPrintsDataAndMetrics() throws Exception {
        Path manifest = dir.resolve("p.json");
        Files.writeString(manifest, """
                {"version": "v1", "metadata": {"name": "speech-prep"},
                 "nodes": [
                   {"id": "mic", "node_type": "RustResampleNode", "params": {"source_rate": 48000, "target_rate": 16000}},
                   {"id": "vad", "node_type": "VAD", "params": {"frame_duration_ms": 10, "gate": true, "hangover_ms": 0}},
                   {"id": "pcm", "node_type": "AudioFormatConverter", "params": {"target_format": "i16", "dither": "tpdf"}},
                   {"id": "loud", "node_type": "Gain", "params": {"gain_db": 6}}
                 ],
                 "connections": [{"from": "mic", "to": "vad"}, {"from": "vad", "to": "pcm"}, {"from": "mic", "to": "loud"}]}
                """);
        Path in = speechWav();
        Path out = dir.resolve("out.wav");
        Outcome o = run("process", "--manifest", manifest.toString(), "--input", "mic=" + in, "--output", "pcm=" + out);
        assertEquals(0, o.code(), o.err() + o.out());
        JsonNode r = JSON.readTree(o.out());
        assertEquals("SUCCESS", r.get("status").asText());
        JsonNode pcm = r.get("audio_outputs").get("pcm");
        assertEquals(16000, pcm.get("sample_rate").asInt());
        assertEquals("i16", pcm.get("format").asText());
        assertEquals(2 * 32000, pcm.get("num_samples").asInt());
        assertTrue(r.get("audio_outputs").get("loud").get("file").isNull());
        JsonNode seg = r.get("data_outputs").get("vad").get("segments");
        assertEquals(1, seg.size(), o.out());
        assertEquals(500, seg.get(0).get("start_ms").asDouble(), 20); // the resampler's filter rings a little
        assertEquals(1500, seg.get(0).get("end_ms").asDouble(), 20);
        JsonNode nm = r.get("metrics").get("node_metrics");
        assertEquals(2 * 96000, nm.get("mic").get("samples_processed").asLong());
        assertTrue(nm.get("mic").get("latency_ms").asDouble() > 0);
        assertTrue(nm.get("pcm").get("custom_metrics").has("clipped_samples"));
        assertTrue(r.get("metrics").get("wall_time_ms").asDouble() > 0);

        WavAudio w = WavReader.read(out);
        assertEquals(16000, w.sampleRate());
        assertEquals(2, w.channels());
        assertEquals(SampleFormat.I16, w.format());
        assertEquals(32000, w.frames());
        for (int i = 0; i < 2 * 7000; i++) { // before 437 ms: gated to silence, plus +-1 LSB of TPDF dither
            assertTrue(Math.abs(w.samples().getShort(2 * i, ByteOrder.LITTLE_ENDIAN)) <= 1, "sample " + i);
        }
        double peak = 0;
        for (int i = 16000; i < 17000; i++) { // around 1 s: speech passes, ~0.3 full scale
            peak = Math.max(peak, Math.abs(w.samples().getShort(4 * i, ByteOrder.LITTLE_ENDIAN) / 32768.0));
        }
        assertEquals(0.3, peak, 0.01);
    }

    @Test
    void badInputPrintsTheServiceDiagnosticsAndExits2() throws Exception {
        Path manifest = dir.resolve("bad.json");
        Files.writeString(manifest, "{\"version\": \"v1\",\n \"metadata\": {\"name\": \"x\"},\n \"nodes\": [{\"id\": \"a\", "
                + "\"node_type\": \"Gian\"}]}");
        Outcome o = run("process", "--manifest", manifest.toString(), "--input", "a=" + speechWav());
        assertEquals(2, o.code());
        String[] lines = o.err().split("\n");
        assertTrue(lines[0].startsWith("error: ERROR_TYPE_VALIDATION: invalid request: /nodes/0/node_type: unknown"
                + " node_type \"Gian\" (did you mean \"Gain\"?)"), o.err());
        JsonNode e = JSON.readTree(lines[1]).get("error");
        assertEquals("ERROR_TYPE_VALIDATION", e.get("error_type").asText());
        assertEquals("/nodes/0/node_type", e.get("context").get("problems").get(0).get("path").asText());

        Files.writeString(manifest, "{\"version\": \"v1\",\n \"nodes\": [}");
        Outcome syntax = run("process", "--manifest", manifest.toString());
        assertEquals(2, syntax.code());
        assertTrue(syntax.err().contains("at line 2, column 12: Unexpected close marker '}': expected ']' (for Array starting at line 2, column 11)"), syntax.err());

        Path good = dir.resolve("good.json");
        Files.writeString(good, "{\"version\":\"v1\",\"metadata\":{\"name\":\"x\"},\"nodes\":[{\"id\":\"a\",\"node_type\":\"Gain\"}]}");
        Outcome missing = run("process", "--manifest", good.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("missing input for source node \\\"a\\\""), missing.err());

        Path eight = dir.resolve("8bit.wav");
        ByteBuffer b = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(40).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16).putShort((short) 1)
                .putShort((short) 1).putInt(8000).putInt(8000).putShort((short) 1).putShort((short) 8)
                .put("data".getBytes()).putInt(4).putInt(0);
        Files.write(eight, b.array());
        Outcome wav8 = run("process", "--manifest", good.toString(), "--input", "a=" + eight);
        assertEquals(2, wav8.code());
        assertTrue(wav8.err().contains("PCM 8-bit; supported: PCM 16, 24 or 32 bit, or IEEE float 32 bit"), wav8.err());

        Outcome sink = run("process", "--manifest", good.toString(), "--input", "a=" + speechWav(), "--output", "zz=x.wav");
        assertEquals(2, sink.code());
        assertTrue(sink.err().contains("/outputs/zz: unknown node"), sink.err());

        Outcome limit = run("process", "--manifest", good.toString(), "--input", "a=" + speechWav(),
                "--max-audio-samples", "1000");
        assertEquals(2, limit.code());
        assertTrue(limit.err().contains("ERROR_TYPE_RESOURCE_LIMIT: max_audio_samples exceeded: limit 1000 samples,"
                + " needed 192000 samples"), limit.err());
    }

    @Test
    void writesEachPortOfAMultiOutputSinkAndReportsUnboundedLatencyAsAFlag() throws Exception {
        Path manifest = dir.resolve("split.json");
        Files.writeString(manifest, """
                {"version": "v1", "metadata": {"name": "split"},
                 "nodes": [
                   {"id": "in", "node_type": "Normalize", "params": {"target_db": -6}},
                   {"id": "split", "node_type": "ChannelSplit"}
                 ],
                 "connections": [{"from": "in", "to": "split"}]}
                """);
        Path in = speechWav();
        Path right = dir.resolve("right.wav");
        Outcome o = run("process", "--manifest", manifest.toString(), "--input", "in=" + in, "--output",
                "split.1=" + right);
        assertEquals(0, o.code(), o.err() + o.out());
        JsonNode r = JSON.readTree(o.out());
        JsonNode outs = r.get("audio_outputs");
        assertEquals(2, outs.size(), o.out());
        assertTrue(outs.get("split.0").get("file").isNull());
        assertEquals(right.toString(), outs.get("split.1").get("file").asText());
        assertEquals(1, outs.get("split.1").get("channels").asInt());
        JsonNode norm = r.get("metrics").get("node_metrics").get("in");
        assertTrue(norm.get("latency_ms").isNumber(), o.out());
        assertEquals(0.0, norm.get("latency_ms").asDouble());
        assertTrue(norm.get("latency_unbounded").asBoolean());
        assertEquals(false, r.get("metrics").get("node_metrics").get("split").get("latency_unbounded").asBoolean());
        WavAudio w = WavReader.read(right);
        assertEquals(1, w.channels());
        assertEquals(96000, w.frames());
        double peak = 0;
        for (int i = 0; i < w.frames(); i++) {
            peak = Math.max(peak, Math.abs(w.samples().getFloat(4 * i, ByteOrder.LITTLE_ENDIAN)));
        }
        assertEquals(0.5012, peak, 1e-4); // -6 dBFS

        Outcome plain = run("process", "--manifest", manifest.toString(), "--input", "in=" + in, "--output",
                "split=" + right);
        assertEquals(2, plain.code());
        assertTrue(plain.err().contains("/outputs/split: \\\"split\\\" (ChannelSplit) has one output per port: name one"
                + " as split.0, split.1, ...; sinks with audio: split.<port>"), plain.err());
        Outcome beyond = run("process", "--manifest", manifest.toString(), "--input", "in=" + in, "--output",
                "split.2=" + right);
        assertEquals(2, beyond.code());
        assertTrue(beyond.err().contains("\\\"split\\\" produced the outputs split.0, split.1; there is no split.2"),
                beyond.err());
    }
}
