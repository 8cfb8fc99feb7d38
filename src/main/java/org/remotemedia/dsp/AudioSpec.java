package org.remotemedia.dsp;

import org.remotemedia.buffer.SampleFormat;

/** What an audio stream is: sample rate (Hz), channels, sample format. Immutable. */
public record AudioSpec(int sampleRate, int channels, SampleFormat format) {

    public int frameBytes() {
        return channels * format.bytesPerSample();
    }

    public AudioSpec withFormat(SampleFormat f) {
        return new AudioSpec(sampleRate, channels, f);
    }

    public AudioSpec withRate(int rate) {
        return new AudioSpec(rate, channels, format);
    }

    public AudioSpec withChannels(int ch) {
        return new AudioSpec(sampleRate, ch, format);
    }

    /** {"sample_rate":..,"channels":..,"format":".."}: for error contexts. */
    public void appendJson(StringBuilder sb) {
        sb.append("{\"sample_rate\":").append(sampleRate).append(",\"channels\":").append(channels)
                .append(",\"format\":\"").append(format.name().toLowerCase(java.util.Locale.ROOT)).append("\"}");
    }

    @Override
    public String toString() {
        return sampleRate + " Hz, " + channels + (channels == 1 ? " channel, " : " channels, ")
                + format.name().toLowerCase(java.util.Locale.ROOT);
    }
}
