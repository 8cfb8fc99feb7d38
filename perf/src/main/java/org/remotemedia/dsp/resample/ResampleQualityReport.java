package org.remotemedia.dsp.resample;

/**
 * Prints the measured quality table of docs/resampler.md: every preset on the four rate pairs
 * of the resampler's quality targets (plus any pairs given as arguments, e.g. {@code 44100:47999}).
 *
 * <p>Run: {@code scripts/resample-quality [fi:fo ...]}.
 */
public final class ResampleQualityReport {
    private ResampleQualityReport() {}

    public static void main(String[] args) {
        // -Dkernel=scalar: the double-accumulating reference loops, to compare precision
        Quality.vectorKernels = !"scalar".equals(System.getProperty("kernel"));
        int[][] pairs = {{44100, 16000}, {48000, 16000}, {16000, 48000}, {8000, 16000}};
        if (args.length > 0) {
            pairs = new int[args.length][];
            for (int i = 0; i < args.length; i++) {
                String[] p = args[i].split(":");
                pairs[i] = new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
            }
        }
        System.out.println("| preset | fi -> fo | taps | phases | latency ms | max dev to pass edge (dB) | dev to 0.9 nu (dB)"
                + " | -3 dB at (nu) | leak >= stop edge (dB) | leak >= 1.1 nu (dB) | THD+N 1k -6dBFS (dB) | SNR (dB), content <= 0.75 nu (LOW: 0.65) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (ResampleQuality q : ResampleQuality.values()) {
            for (int[] p : pairs) {
                int fi = p[0], fo = p[1];
                Resampler r = Resampler.create(fi, fo, 1, q);
                System.out.printf("| %s | %d -> %d | %d | %d%s | %.2f | %.2e | %.2e | %.4f | %.1f | %.1f | %.1f | %.1f |%n",
                        q, fi, fo, r.filterTaps(), r.filterPhases(), r.interpolatedPhases() ? " (interp.)" : "",
                        r.latencySeconds() * 1e3,
                        Quality.passbandDeviationDb(fi, fo, q, q.passEdge()),
                        Quality.passbandDeviationDb(fi, fo, q, 0.9),
                        Quality.minus3DbPoint(fi, fo, q),
                        Quality.stopbandDb(fi, fo, q, q.stopEdge()),
                        Quality.stopbandDb(fi, fo, q, 1.1),
                        Quality.thdPlusNoiseDb(fi, fo, q),
                        Quality.snrDb(fi, fo, q, Math.min(0.75, q.passEdge() - 0.05)));
            }
        }
    }
}
