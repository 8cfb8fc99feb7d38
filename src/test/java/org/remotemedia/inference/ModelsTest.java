package org.remotemedia.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.SampleFormat;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.CompiledPlan;
import org.remotemedia.pipeline.EngineLimits;
import org.remotemedia.pipeline.ErrorType;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.PipelineException;
import org.remotemedia.testkit.TestModels;

/**
 * Loading the Silero VAD model: the file scripts/fetch-models puts in models/ loads and is the one
 * models/silero_vad.properties records; a missing, damaged or different file leaves SileroVAD
 * without a model, and a manifest naming it then fails validation with the node's id, the reason,
 * the setting to fix and the script to run.
 */
class ModelsTest {
    private static final String MANIFEST = "{\"version\":\"v1\",\"metadata\":{\"name\":\"t\"},\"nodes\":[{\"id\":\"vad\",\"node_type\":\"%s\"}],"
            + "\"connections\":[]}";

    @Test
    void theFetchedModelLoadsAndIsTheRecordedOne() throws Exception {
        TestModels.silero();
        Properties record = new Properties();
        try (var in = Files.newInputStream(Path.of(Models.SILERO_RECORD))) {
            record.load(in);
        }
        assertEquals(record.getProperty("sha256"), ServerConfig.SILERO_VAD_SHA256, "config default vs " + Models.SILERO_RECORD);
        assertEquals(record.getProperty("sha256"), Models.sha256(Files.readAllBytes(Path.of("models/silero_vad.onnx"))));
        assertEquals("MIT", record.getProperty("license"));
        assertTrue(TestModels.models().sileroStatus().contains("ONNX Runtime"), TestModels.models().sileroStatus());
    }

    @Test
    void aMissingFileNamesTheSettingAndTheScript(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("silero_vad.onnx");
        Models m = Models.load(new ServerConfig.Models(file, ServerConfig.SILERO_VAD_SHA256));
        assertFalse(m.sileroLoaded());
        assertTrue(m.sileroStatus().contains(file.toString()) && m.sileroStatus().contains("does not exist")
                && m.sileroStatus().contains("models.silero_vad_path") && m.sileroStatus().contains("scripts/fetch-models"),
                m.sileroStatus());
        assertValidationError(m, "SileroVAD", "does not exist");
        assertValidationError(m, "SileroVADNode", "does not exist");
    }

    @Test
    void aDamagedFileIsRefusedByItsSha256(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(Path.of("models/silero_vad.onnx"));
        Path file = dir.resolve("silero_vad.onnx");
        Files.write(file, Arrays.copyOf(good, good.length / 2));
        Models m = Models.load(new ServerConfig.Models(file, ServerConfig.SILERO_VAD_SHA256));
        assertFalse(m.sileroLoaded());
        assertTrue(m.sileroStatus().contains("not the expected " + ServerConfig.SILERO_VAD_SHA256)
                && m.sileroStatus().contains("models.silero_vad_sha256"), m.sileroStatus());
        assertValidationError(m, "SileroVAD", "damaged");
    }

    @Test
    void aCorruptFileThatSkipsTheSha256CheckDoesNotLoad(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(Path.of("models/silero_vad.onnx"));
        Path file = dir.resolve("truncated.onnx");
        Files.write(file, Arrays.copyOf(good, good.length / 3));
        Models m = Models.load(new ServerConfig.Models(file, ""));
        assertFalse(m.sileroLoaded());
        assertTrue(m.sileroStatus().contains("does not load in ONNX Runtime"), m.sileroStatus());

        Path text = dir.resolve("not-a-model.onnx");
        Files.writeString(text, "this is not an ONNX model\n");
        Models t = Models.load(new ServerConfig.Models(text, ""));
        assertFalse(t.sileroLoaded());
        assertTrue(t.sileroStatus().contains("does not load in ONNX Runtime"), t.sileroStatus());
        assertValidationError(t, "SileroVAD", "not an ONNX model");
    }

    @Test
    void relativePathsAreTakenFromTheInstallationDirectory() {
        String before = System.getProperty("remotemedia.home");
        try {
            System.setProperty("remotemedia.home", "/opt/rm");
            assertEquals(Path.of("/opt/rm/models/silero_vad.onnx"), Models.resolve(Path.of("models/silero_vad.onnx")));
            assertEquals(Path.of("/m/x.onnx"), Models.resolve(Path.of("/m/x.onnx")));
        } finally {
            if (before == null) {
                System.clearProperty("remotemedia.home");
            } else {
                System.setProperty("remotemedia.home", before);
            }
        }
    }

    /** Executing a manifest that names {@code type} fails validation at the node, with the reason. */
    private static void assertValidationError(Models m, String type, String text) throws Exception {
        PipelineEngine engine = new PipelineEngine(m.registry(), new BufferPool(), EngineLimits.defaults());
        CompiledPlan plan = engine.compileJson(String.format(MANIFEST, type));
        ByteBuffer samples = ByteBuffer.allocateDirect(4 * 1600).order(ByteOrder.LITTLE_ENDIAN);
        AudioInput in = AudioInput.of(samples, 1600, 1, 16000, SampleFormat.F32);
        PipelineException e = assertThrows(PipelineException.class,
                () -> engine.execute(plan, Map.of("vad", in), Map.of(), null, null));
        assertEquals(ErrorType.VALIDATION, e.type());
        String msg = e.getMessage() + " " + e.error().contextJson();
        assertTrue(msg.contains("/nodes/0") && msg.contains("SileroVAD has no model") && msg.contains(text)
                && msg.contains("models.silero_vad_path"), msg);
    }
}
