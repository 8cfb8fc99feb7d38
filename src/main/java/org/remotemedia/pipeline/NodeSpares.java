package org.remotemedia.pipeline;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.remotemedia.dsp.AudioSpec;
import org.remotemedia.dsp.Node;

/**
 * Node instances of one plan kept, reset, after an execution that ended normally, for the next
 * execution of the same plan with the same input specs. On a short call, creating a node costs
 * more than it looks: the resampler designs its half-band filter and allocates its histories
 * (about 17 KB per call, most of a call's garbage). Clients send the same manifest call after
 * call, so the same instances can serve them.
 *
 * <p>Off until a plan cache turns it on with a {@link Budget} shared by all its plans, and off
 * again when the cache drops the plan, so what spares hold is bounded by the budget and never
 * outlives the cache's own bound. Plans outside a cache never keep spares. Nodes that take data
 * inputs are never kept (their data is given at creation).
 *
 * <p>Thread-safe: executions of one plan run on several threads at once. A spare is taken and
 * given back with an atomic swap of its slot, which is also the happens-before edge that
 * {@link Node} asks for between threads.
 */
public final class NodeSpares {
    /** Spares kept per plan node: enough for a few concurrent executions of one manifest. */
    static final int SLOTS = 4;
    /** A spare counts at least this much against the budget, so a budget bounds the count too. */
    static final long MIN_CHARGE = 1024;

    /**
     * Bytes that spares may hold across every plan of one cache, as their {@link Node#stateBytes()}
     * after reset (a resampler's shared filter bank included, so the count is on the safe side).
     */
    public static final class Budget {
        private final long maxBytes;
        private final AtomicLong used = new AtomicLong();

        public Budget(long maxBytes) {
            this.maxBytes = maxBytes;
        }

        boolean tryReserve(long bytes) {
            if (used.addAndGet(bytes) <= maxBytes) {
                return true;
            }
            used.addAndGet(-bytes);
            return false;
        }

        void release(long bytes) {
            used.addAndGet(-bytes);
        }

        /** Bytes the spares of this budget's plans hold now. */
        public long usedBytes() {
            return used.get();
        }
    }

    private record Spare(Node node, AudioSpec[] inputs, long bytes) {
    }

    private final AtomicReferenceArray<Spare> slots;
    private volatile Budget budget;

    NodeSpares(int planNodes) {
        slots = new AtomicReferenceArray<>(planNodes * SLOTS);
    }

    /** Starts keeping spares, charged to {@code budget}. */
    void keep(Budget budget) {
        this.budget = budget;
    }

    /** Stops keeping spares and lets go of those held. */
    void drop() {
        Budget b = budget;
        budget = null;
        if (b == null) {
            return;
        }
        for (int k = 0; k < slots.length(); k++) {
            Spare s = slots.getAndSet(k, null);
            if (s != null) {
                b.release(s.bytes);
            }
        }
    }

    /** A spare of plan node {@code index} created for exactly {@code inputs}, or null. */
    Node take(int index, List<AudioSpec> inputs) {
        Budget b = budget;
        if (b == null) {
            return null;
        }
        for (int k = index * SLOTS; k < (index + 1) * SLOTS; k++) {
            Spare s = slots.get(k);
            if (s != null && sameSpecs(s.inputs, inputs) && slots.compareAndSet(k, s, null)) {
                b.release(s.bytes);
                return s.node;
            }
        }
        return null;
    }

    /** Keeps {@code node}, already reset, as a spare of plan node {@code index} when there is room. */
    void giveBack(int index, AudioSpec[] inputs, Node node) {
        Budget b = budget;
        if (b == null) {
            return;
        }
        long bytes = Math.max(MIN_CHARGE, node.stateBytes());
        if (!b.tryReserve(bytes)) {
            return;
        }
        Spare s = new Spare(node, inputs, bytes);
        for (int k = index * SLOTS; k < (index + 1) * SLOTS; k++) {
            if (slots.compareAndSet(k, null, s)) {
                if (budget == null && slots.compareAndSet(k, s, null)) { // dropped meanwhile
                    b.release(bytes);
                }
                return;
            }
        }
        b.release(bytes);
    }

    /** Spares held now (for tests). */
    int held() {
        int n = 0;
        for (int k = 0; k < slots.length(); k++) {
            if (slots.get(k) != null) {
                n++;
            }
        }
        return n;
    }

    private static boolean sameSpecs(AudioSpec[] a, List<AudioSpec> b) {
        if (a.length != b.size()) {
            return false;
        }
        for (int i = 0; i < a.length; i++) {
            if (!a[i].equals(b.get(i))) {
                return false;
            }
        }
        return true;
    }
}
