package org.remotemedia.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.dsp.SpeechModel;

/**
 * The Silero VAD ONNX graph on ONNX Runtime's CPU provider: one {@link OrtSession} for the whole
 * process (ONNX Runtime allows concurrent runs on a session), one intra-op thread so a window runs
 * entirely on the calling thread (an event loop or a DSP worker: no thread hop, no spinning pool).
 *
 * <p>Inputs {@code input} [1, context + window] float, {@code state} [2, 1, 128] float, {@code sr}
 * int64 scalar; outputs {@code output} [1, 1] (the probability) and {@code stateN}. The tensors of a
 * run are thread-confined scratch: each thread that runs windows gets its own set once (direct
 * buffers wrapped by ONNX Runtime without a copy, outputs pinned), so a window copies 576 + 256
 * floats in and 257 out; the caller's arrays hold every stream's state, and nothing native belongs
 * to a stream. A scratch set whose thread has died is released by a {@link Cleaner}.
 *
 * <p>A window is one call of the C API's {@code Run} through FFM ({@link OrtCApi}) with native
 * arrays of names and OrtValue pointers built with the scratch: nothing is allocated per window.
 * The Java binding makes and closes the session and tensors; its {@code run} (which allocates per
 * call) is kept only for tests that compare the two.
 *
 * <p>Thread-safe.
 */
public final class OnnxSpeechModel implements SpeechModel {
    static final int STATE_FLOATS = 2 * 128;
    private static final long[] STATE_SHAPE = {2, 1, 128};
    private static final Cleaner CLEANER = Cleaner.create();

    private static final String RUN_FAILED = "ONNX Runtime failed on a Silero VAD window";

    private final OrtEnvironment env;
    private final OrtSession session;
    /** The session's OrtSession*, valid until {@link #close}. */
    private final long sessionHandle;
    private final String description;
    private final ThreadLocal<Scratch[]> scratch = ThreadLocal.withInitial(() -> new Scratch[2]);
    /** Windows after close fail instead of reaching a freed session (as the binding's run does). */
    private volatile boolean closed;

    /** Needs {@link OrtCApi#unavailableReason()} null (checked by the loader). */
    OnnxSpeechModel(OrtEnvironment env, OrtSession session, String description) {
        this.env = env;
        this.session = session;
        this.sessionHandle = OrtCApi.handle(session);
        this.description = description;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean supportsRate(int sampleRate) {
        return sampleRate == 16_000 || sampleRate == 8_000;
    }

    @Override
    public int windowFrames(int sampleRate) {
        return sampleRate == 16_000 ? 512 : 256;
    }

    @Override
    public int contextFrames(int sampleRate) {
        return sampleRate == 16_000 ? 64 : 32;
    }

    @Override
    public int stateFloats() {
        return STATE_FLOATS;
    }

    @Override
    public float probability(int sampleRate, float[] input, float[] state) {
        if (closed) {
            throw new NodeException(RUN_FAILED + ": the model is closed");
        }
        Tensors t = tensors(sampleRate);
        t.input.put(0, input, 0, t.inputFloats);
        t.stateIn.put(0, state, 0, STATE_FLOATS);
        OrtCApi.run(sessionHandle, t.inNames, t.inValues, 3, t.outNames, 2, t.outValues, RUN_FAILED);
        t.stateOut.get(0, state, 0, STATE_FLOATS);
        float p = t.prob.get(0);
        Reference.reachabilityFence(t); // its arena holds the arrays Run read
        return p;
    }

    /** The same window through the Java binding's run (allocates per call): only for tests comparing the two. */
    float probabilityThroughBinding(int sampleRate, float[] input, float[] state) {
        Tensors t = tensors(sampleRate);
        t.input.put(0, input, 0, t.inputFloats);
        t.stateIn.put(0, state, 0, STATE_FLOATS);
        try (OrtSession.Result ignored = session.run(t.inputs, t.outputs)) {
            t.stateOut.get(0, state, 0, STATE_FLOATS);
            return t.prob.get(0);
        } catch (OrtException e) {
            throw new NodeException(RUN_FAILED + ": " + e.getMessage());
        }
    }

    /** The OrtSession* (for tests that call {@link OrtCApi#run} themselves). */
    long sessionHandle() {
        return sessionHandle;
    }

    /** The binding's session (for tests comparing its errors with the C API's). */
    OrtSession session() {
        return session;
    }

    private Tensors tensors(int sampleRate) {
        Scratch[] mine = scratch.get();
        int slot = sampleRate == 16_000 ? 1 : 0;
        Scratch s = mine[slot];
        if (s == null) {
            s = mine[slot] = newScratch(sampleRate);
        }
        return s.tensors;
    }

    private Scratch newScratch(int sampleRate) {
        try {
            Tensors t = new Tensors(env, sampleRate, contextFrames(sampleRate) + windowFrames(sampleRate));
            Scratch s = new Scratch(t);
            CLEANER.register(s, t::close);
            return s;
        } catch (OrtException e) {
            throw new NodeException("ONNX Runtime could not make the Silero VAD tensors: " + e.getMessage());
        }
    }

    /** Closes the session (the daemon's shutdown); later windows fail. */
    void close() throws OrtException {
        closed = true;
        session.close();
    }

    /** What the ThreadLocal holds; when it becomes unreachable its tensors are closed. */
    private static final class Scratch {
        final Tensors tensors;

        Scratch(Tensors tensors) {
            this.tensors = tensors;
        }
    }

    /**
     * One thread's tensors for one rate, over direct buffers that ONNX Runtime reads and writes in
     * place, and the native arrays that the C API's Run takes (names, OrtValue pointers). Confined to
     * the thread that made it, except {@link #close}, which the Cleaner calls once that thread is gone.
     */
    private static final class Tensors {
        final int inputFloats;
        final FloatBuffer input;
        final FloatBuffer stateIn;
        final FloatBuffer stateOut;
        final FloatBuffer prob;
        final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        final Map<String, OnnxTensor> outputs = new LinkedHashMap<>();
        /** Shared, not confined: the Cleaner's thread closes it. */
        private final Arena arena = Arena.ofShared();
        /** Native addresses of: input names, input OrtValue*, output names, output OrtValue* (in map order). */
        final long inNames;
        final long inValues;
        final long outNames;
        final long outValues;

        Tensors(OrtEnvironment env, int sampleRate, int inputFloats) throws OrtException {
            this.inputFloats = inputFloats;
            input = floats(inputFloats);
            stateIn = floats(STATE_FLOATS);
            stateOut = floats(STATE_FLOATS);
            prob = floats(1);
            LongBuffer sr = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).asLongBuffer();
            sr.put(0, sampleRate);
            inputs.put("input", OnnxTensor.createTensor(env, input, new long[] {1, inputFloats}));
            inputs.put("state", OnnxTensor.createTensor(env, stateIn, STATE_SHAPE));
            inputs.put("sr", OnnxTensor.createTensor(env, sr, new long[0]));
            outputs.put("output", OnnxTensor.createTensor(env, prob, new long[] {1, 1}));
            outputs.put("stateN", OnnxTensor.createTensor(env, stateOut, STATE_SHAPE));
            inNames = OrtCApi.nameArray(arena, inputs).address();
            inValues = OrtCApi.valueArray(arena, inputs).address();
            outNames = OrtCApi.nameArray(arena, outputs).address();
            outValues = OrtCApi.valueArray(arena, outputs).address();
        }

        private static FloatBuffer floats(int n) {
            return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }

        void close() {
            for (OnnxTensor t : List.copyOf(inputs.values())) {
                t.close();
            }
            for (OnnxTensor t : List.copyOf(outputs.values())) {
                t.close();
            }
            arena.close();
        }
    }
}
