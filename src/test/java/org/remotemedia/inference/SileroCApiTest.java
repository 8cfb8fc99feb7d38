package org.remotemedia.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.dsp.NodeException;
import org.remotemedia.testkit.Speech;
import org.remotemedia.testkit.TestModels;

/**
 * The Silero VAD windows run through ONNX Runtime's C API (FFM, no allocation per window): they
 * give the Java binding's results bit for bit, on real speech with the recurrent state carried
 * across windows, at both of the model's rates; an error status of Run becomes a NodeException
 * carrying ONNX Runtime's message.
 */
class SileroCApiTest {
    private static OnnxSpeechModel model() {
        return (OnnxSpeechModel) TestModels.silero();
    }

    @Test
    void theCApiIsReachedAndReadsBackAStatus() {
        TestModels.silero();
        assertNull(OrtCApi.unavailableReason());
        assertEquals(OrtEnvironment.getEnvironment().getVersion(), OrtCApi.version());
    }

    @Test
    void windowsThroughTheCApiEqualTheBindingsBitForBit(@TempDir Path dir) {
        OnnxSpeechModel m = model();
        Speech.Utterance u = Speech.say("The quick brown fox jumps over the lazy dog.", "en", dir);
        for (int rate : new int[] {16_000, 8_000}) {
            float[] speech = Speech.resample(u.samples(), u.sampleRate(), rate);
            SplittableRandom r = new SplittableRandom(3);
            float[] signal = new float[speech.length + rate]; // 0.5 s of quiet noise each side
            for (int i = 0; i < signal.length; i++) {
                signal[i] = (float) (0.003 * r.nextGaussian());
            }
            for (int i = 0; i < speech.length; i++) {
                signal[rate / 2 + i] += speech[i];
            }
            int ctx = m.contextFrames(rate);
            int win = m.windowFrames(rate);
            float[] input = new float[ctx + win];
            float[] stateFfm = new float[m.stateFloats()];
            float[] stateBinding = new float[m.stateFloats()];
            int speechWindows = 0;
            int windows = 0;
            for (int at = 0; at + win <= signal.length; at += win, windows++) {
                for (int i = 0; i < ctx; i++) {
                    input[i] = at - ctx + i >= 0 ? signal[at - ctx + i] : 0f;
                }
                System.arraycopy(signal, at, input, ctx, win);
                float pFfm = m.probability(rate, input, stateFfm);
                float pBinding = m.probabilityThroughBinding(rate, input, stateBinding);
                String where = rate + " Hz, window " + windows;
                assertEquals(Float.floatToRawIntBits(pBinding), Float.floatToRawIntBits(pFfm),
                        where + ": " + pBinding + " vs " + pFfm);
                for (int i = 0; i < stateFfm.length; i++) {
                    assertEquals(Float.floatToRawIntBits(stateBinding[i]), Float.floatToRawIntBits(stateFfm[i]),
                            where + ", state " + i);
                }
                if (pFfm > 0.5f) {
                    speechWindows++;
                }
            }
            // the comparison covers both speech and non-speech windows
            assertTrue(speechWindows > windows / 4 && speechWindows < windows, rate + " Hz: " + speechWindows
                    + " of " + windows + " windows over 0.5");
        }
    }

    @Test
    void anErrorStatusOfRunBecomesANodeExceptionWithOrtsMessage() throws OrtException {
        OnnxSpeechModel m = model();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            in.put("input", OnnxTensor.createTensor(env, floats(576), new long[] {1, 576}));
            in.put("state", OnnxTensor.createTensor(env, floats(128), new long[] {1, 1, 128})); // not [2, 1, 128]
            LongBuffer sr = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).asLongBuffer();
            sr.put(0, 16_000);
            in.put("sr", OnnxTensor.createTensor(env, sr, new long[0]));
            out.put("output", OnnxTensor.createTensor(env, floats(1), new long[] {1, 1}));
            out.put("stateN", OnnxTensor.createTensor(env, floats(256), new long[] {2, 1, 128}));

            String ortMessage;
            try (OrtSession.Result ignored = m.session().run(in, out)) {
                throw new AssertionError("the binding ran a [1, 1, 128] state");
            } catch (OrtException e) {
                ortMessage = e.getMessage();
            }
            // the binding prefixes the status's code; the text after it is ONNX Runtime's message
            String prefix = "message: ";
            assertTrue(ortMessage.contains(prefix), ortMessage);
            String text = ortMessage.substring(ortMessage.indexOf(prefix) + prefix.length());

            NodeException e = assertThrows(NodeException.class, () -> OrtCApi.run(m.sessionHandle(),
                    OrtCApi.nameArray(arena, in).address(), OrtCApi.valueArray(arena, in).address(), 3,
                    OrtCApi.nameArray(arena, out).address(), 2, OrtCApi.valueArray(arena, out).address(), "a wrong state"));
            assertEquals("a wrong state: " + text, e.getMessage(), "binding: " + ortMessage);

            // a name the model does not have: ONNX Runtime's own check, message naming it
            Map<String, OnnxTensor> wrongName = new LinkedHashMap<>(in);
            wrongName.put("bogus_in", wrongName.remove("state"));
            NodeException named = assertThrows(NodeException.class, () -> OrtCApi.run(m.sessionHandle(),
                    OrtCApi.nameArray(arena, wrongName).address(), OrtCApi.valueArray(arena, wrongName).address(), 3,
                    OrtCApi.nameArray(arena, out).address(), 2, OrtCApi.valueArray(arena, out).address(), "a wrong name"));
            assertTrue(named.getMessage().contains("bogus_in"), named.getMessage());

            // the model's own windows still run after errors on the session
            float p = m.probability(16_000, new float[576], new float[m.stateFloats()]);
            assertTrue(p >= 0 && p <= 1, "p = " + p);
        } finally {
            in.values().forEach(OnnxTensor::close);
            out.values().forEach(OnnxTensor::close);
        }
    }

    private static FloatBuffer floats(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
