package org.remotemedia.dsp.nodes;

import org.remotemedia.dsp.ParamSpec;
import org.remotemedia.dsp.Params;
import org.remotemedia.dsp.Problems;

/**
 * Time params given either in ms or in samples (per channel, i.e. frames): the pair
 * {@code <name>_ms} / {@code <name>_samples} shared by Trim, Pad and Fade. Stateless.
 */
final class Durations {
    static final double MAX_MS = 86_400_000; // a day
    static final long MAX_SAMPLES = 1L << 40;

    private Durations() {
    }

    static ParamSpec ms(String name, String doc) {
        return ParamSpec.number(name + "_ms", 0, MAX_MS, null, doc + ", in ms (rounded to the nearest sample); or give "
                + name + "_samples");
    }

    static ParamSpec samples(String name, String doc) {
        return ParamSpec.integer(name + "_samples", 0, MAX_SAMPLES, null, doc + ", in samples per channel; or give "
                + name + "_ms");
    }

    /** Reports giving both forms. */
    static void checkOneOf(Params p, String name, Problems problems) {
        if (p.given(name + "_ms") && p.given(name + "_samples")) {
            problems.add("/params/" + name + "_samples", "give " + name + "_ms or " + name + "_samples, not both");
        }
    }

    /** Frames at this rate, or {@code absent} when neither form is given. */
    static long frames(Params p, String name, int rate, long absent) {
        if (p.has(name + "_samples")) {
            return p.integer(name + "_samples");
        }
        if (p.has(name + "_ms")) {
            return Math.round(p.number(name + "_ms") * rate / 1000.0);
        }
        return absent;
    }

    /** The path of whichever form was given (for problems found at creation). */
    static String path(Params p, String name) {
        return "/params/" + name + (p.has(name + "_samples") ? "_samples" : "_ms");
    }
}
