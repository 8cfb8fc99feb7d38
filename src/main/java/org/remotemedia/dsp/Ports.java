package org.remotemedia.dsp;

/**
 * What a node type connects to: how many audio inputs it takes (connections into it, in
 * manifest order), whether a source node of this type takes a data input, and whether it
 * produces an audio output and / or a data output, and whether its instances may have several
 * audio output ports ({@link Node#outputPorts()}, connected as {@code "<id>.<port>"}). Immutable.
 */
public record Ports(int minAudioInputs, int maxAudioInputs, boolean acceptsData, boolean audioOutput,
                    boolean dataOutput, boolean multiAudioOutput) {

    /**
     * A type with at most one audio output port.
     * ({@code multiAudioOutput}: instances may have several, {@link Node#outputPorts()}.)
     */
    public Ports(int minAudioInputs, int maxAudioInputs, boolean acceptsData, boolean audioOutput, boolean dataOutput) {
        this(minAudioInputs, maxAudioInputs, acceptsData, audioOutput, dataOutput, false);
    }

    /** One audio input, one audio output: the common filter shape. */
    public static Ports filter() {
        return new Ports(1, 1, false, true, false);
    }

    public String describeInputs() {
        if (minAudioInputs == maxAudioInputs) {
            return minAudioInputs + (minAudioInputs == 1 ? " audio input" : " audio inputs");
        }
        return minAudioInputs + ".." + maxAudioInputs + " audio inputs";
    }
}
