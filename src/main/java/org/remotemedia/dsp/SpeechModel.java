package org.remotemedia.dsp;

/**
 * A speech-probability model that a VAD node runs window by window (SileroVAD). Declared here so
 * that {@code dsp} stays pure computation: the implementation that loads and runs the model file
 * (ONNX Runtime) lives in {@code org.remotemedia.inference} and is handed in by whoever builds the
 * node registry (docs/design.md, "Layout").
 *
 * <p>Stateless from the caller's side: the per-stream state (the model's recurrent state and the
 * input's context samples) lives in arrays the node owns, so one model serves every session.
 * Thread-safe: {@link #probability} may run on many threads at once, each on its own arrays.
 */
public interface SpeechModel {

    /** What runs, for messages and metrics (name, file, sha256). */
    String description();

    /** Whether the model takes audio at this rate directly (Silero: 8000 and 16000 Hz). */
    boolean supportsRate(int sampleRate);

    /** Samples per window at a supported rate (Silero: 512 at 16 kHz, 256 at 8 kHz). */
    int windowFrames(int sampleRate);

    /** Samples of the previous window that precede each window in the input (Silero: 64, 32). */
    int contextFrames(int sampleRate);

    /** Floats of recurrent state a stream carries from window to window (zeros at the start). */
    int stateFloats();

    /**
     * Runs one window. {@code input} holds {@code contextFrames + windowFrames} mono samples
     * (context first, full scale 1.0); {@code state} ({@link #stateFloats()}) is read and then
     * replaced by the state after this window. The same input and state give the same result
     * bit for bit, on any thread. Allocation-free in steady state apart from what the runtime
     * itself allocates.
     *
     * @return the probability that the window holds speech, in [0, 1]
     * @throws NodeException if the runtime fails (the pipeline reports it with the node's id)
     */
    float probability(int sampleRate, float[] input, float[] state);
}
