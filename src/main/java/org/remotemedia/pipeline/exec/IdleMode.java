package org.remotemedia.pipeline.exec;

/**
 * How an idle DSP worker waits ({@code execution.idle_strategy}). Every mode that parks is
 * woken by the submitter at once (no fixed sleep), so parking costs a wake-up, not a period.
 * <ul>
 *   <li>{@code busy}: spins (lowest latency; burns a core per worker);</li>
 *   <li>{@code yield}: {@link Thread#yield()} in a loop;</li>
 *   <li>{@code backoff}: spins, then yields, then parks until work arrives (default);</li>
 *   <li>{@code sleep}: parks as soon as the queue is empty.</li>
 * </ul>
 */
public enum IdleMode {
    BUSY(Integer.MAX_VALUE, 0),
    YIELD(0, Integer.MAX_VALUE),
    BACKOFF(2_000, 200),
    SLEEP(0, 0);

    final int spins;
    final int yields;

    IdleMode(int spins, int yields) {
        this.spins = spins;
        this.yields = yields;
    }

    public static IdleMode of(String name) {
        return switch (name) {
            case "busy" -> BUSY;
            case "yield" -> YIELD;
            case "backoff" -> BACKOFF;
            case "sleep" -> SLEEP;
            default -> throw new IllegalArgumentException("execution.idle_strategy \"" + name
                    + "\": expected busy, yield, backoff or sleep");
        };
    }

    boolean parks() {
        return spins != Integer.MAX_VALUE && yields != Integer.MAX_VALUE;
    }
}
