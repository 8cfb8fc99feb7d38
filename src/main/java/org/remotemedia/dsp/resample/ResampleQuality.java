package org.remotemedia.dsp.resample;

import java.util.Locale;

/**
 * Filter presets of the {@link Resampler}. Band edges are in units of the lower of the two
 * Nyquist frequencies ({@code min(inputRate, outputRate) / 2}); the stopband attenuation is
 * the Kaiser design target. docs/resampler.md lists the measured figures of each preset.
 *
 * <p>Immutable; safe from any thread.
 */
public enum ResampleQuality {
    /** Flat to 0.70, stopband from 1.00 at -80 dB: cheapest, for speech analysis. */
    LOW(0.70, 1.00, 80.0),
    /** Flat to 0.85, stopband from 1.05 at -105 dB. */
    MEDIUM(0.85, 1.05, 105.0),
    /** The default: flat (&lt;= 0.001 dB) to 0.90, -3 dB above 0.95, stopband from 1.10 at -130 dB. */
    HIGH(0.90, 1.10, 130.0),
    /** Flat to 0.93, stopband from 1.07 at -150 dB (near the float32 output's own floor). */
    VERY_HIGH(0.93, 1.07, 150.0);

    final double passEdge;
    final double stopEdge;
    final double attenuationDb;

    ResampleQuality(double passEdge, double stopEdge, double attenuationDb) {
        this.passEdge = passEdge;
        this.stopEdge = stopEdge;
        this.attenuationDb = attenuationDb;
    }

    /** Passband edge as a fraction of the lower Nyquist frequency. */
    public double passEdge() {
        return passEdge;
    }

    /** Stopband edge as a fraction of the lower Nyquist frequency. */
    public double stopEdge() {
        return stopEdge;
    }

    /** Design stopband attenuation in dB (positive). */
    public double attenuationDb() {
        return attenuationDb;
    }

    /** "low" | "medium" | "high" | "very_high" (any case); null if none. */
    public static ResampleQuality parse(String s) {
        if (s == null) {
            return null;
        }
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "low" -> LOW;
            case "medium" -> MEDIUM;
            case "high" -> HIGH;
            case "very_high" -> VERY_HIGH;
            default -> null;
        };
    }
}
