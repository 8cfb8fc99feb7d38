package org.remotemedia.grpc;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.remotemedia.testkit.FuzzBudget;
import org.remotemedia.testkit.FuzzInput;
import org.remotemedia.testkit.FuzzWarmUp;
import org.remotemedia.testkit.PoisoningRefs;

/**
 * Fuzz target (Jazzer, scripts/fuzz deframer): {@link MessageDeframer} against a plain model
 * of the gRPC length-prefixed framing. The input is a program: add a DATA frame (split over
 * one or two regions of one buffer, as netty slices a read), poll with demand, take the
 * window to return, retain or release a message, close. Checked after every step: the same
 * messages, flags, errors and offending values as the model; queued bytes and partial-message
 * state as the model; the window given back never exceeds what arrived and, when the
 * deframer waits for more, equals it; a retained message keeps its bytes after the deframer
 * moved on (freed memory is poisoned); at the end every buffer was released exactly once.
 */
public final class MessageDeframerFuzzer {
    private static final int[] LIMITS = {0, 1, 5, 64, 1024, 4096, 1 << 20, Integer.MAX_VALUE};
    private static final FuzzBudget BUDGET = new FuzzBudget(1 << 20, 256);

    private MessageDeframerFuzzer() {
    }

    /** Called by Jazzer before fuzzing: loads what the first inputs need (see {@link FuzzWarmUp}). */
    public static void fuzzerInitialize() {
        FuzzWarmUp.run(MessageDeframerFuzzer::fuzzerTestOneInput);
    }

    public static void fuzzerTestOneInput(byte[] data) {
        BUDGET.start();
        run(new FuzzInput(data));
        BUDGET.check(data, "deframer", () -> fuzzerTestOneInput(data));
    }

    private static void run(FuzzInput in) {
        PoisoningRefs refs = new PoisoningRefs();
        int limit = LIMITS[in.below(LIMITS.length)];
        MessageDeframer d = new MessageDeframer(refs, limit);
        Model model = new Model(limit);
        List<InboundMessage> kept = new ArrayList<>();
        List<byte[]> keptBytes = new ArrayList<>();
        long added = 0;
        long returned = 0;
        try {
            for (int steps = 0; in.remaining() > 0 && steps < 4096; steps++) {
                switch (in.below(9)) {
                    case 0, 1, 2, 3 -> {
                        byte[] frame = in.bytes(in.bool() ? 16 : 600);
                        if (!model.closed) {
                            added += frame.length;
                        }
                        model.add(frame);
                        add(d, refs, frame, in.below(frame.length + 1), in.below(8));
                    }
                    case 4, 5 -> {
                        // with demand: poll until the deframer needs more (a transport loop)
                        while (true) {
                            int r = d.poll();
                            int want = model.poll();
                            if (r != want) {
                                throw new AssertionError("poll() = " + r + ", the framing says " + want + " (" + d + ")");
                            }
                            if (r < 0) {
                                if (d.badValue() != model.badValue) {
                                    throw new AssertionError("badValue " + d.badValue() + ", expected " + model.badValue);
                                }
                                d.close(); // as the transport does after a deframing error
                                model.closed = true;
                                break;
                            }
                            if (r == MessageDeframer.NEED_MORE) {
                                returned += d.takeReturnableBytes();
                                if (!model.closed && returned != added) {
                                    throw new AssertionError("waiting for more, the deframer has given back the"
                                            + " window of " + returned + " bytes; " + added + " arrived");
                                }
                                break;
                            }
                            checkMessage(d, model);
                            if (in.below(4) == 0) {
                                kept.add(d.message().retain());
                                keptBytes.add(model.message);
                            }
                        }
                    }
                    case 6 -> {
                        returned += d.takeReturnableBytes();
                        if (returned > added) {
                            throw new AssertionError("window given back for " + returned + " bytes; only " + added
                                    + " arrived");
                        }
                    }
                    case 7 -> {
                        if (!kept.isEmpty()) {
                            int i = in.below(kept.size());
                            release(kept.remove(i), keptBytes.remove(i));
                        }
                    }
                    default -> {
                        if (in.below(8) == 0) {
                            d.close();
                            model.closed = true;
                        }
                    }
                }
                if (d.queuedBytes() != model.queued()) {
                    throw new AssertionError("queuedBytes() = " + d.queuedBytes() + ", model " + model.queued());
                }
                if (!model.closed && d.hasPartialMessage() != (model.inBody || model.queued() > 0)) {
                    throw new AssertionError("hasPartialMessage() = " + d.hasPartialMessage() + " (" + d + ")");
                }
            }
        } finally {
            d.close();
            for (int i = 0; i < kept.size(); i++) {
                release(kept.get(i), keptBytes.get(i));
            }
        }
        refs.assertAllReleased("deframer");
    }

    /** Adds a frame as one region, or two regions of one shared base (netty slices of one read). */
    private static void add(MessageDeframer d, PoisoningRefs refs, byte[] frame, int split, int margin) {
        if (split == 0 || split == frame.length) {
            PoisoningRefs.Region r = refs.copyOf(frame, 0, frame.length, margin);
            d.add(r.base(), r.pos(), r.len(), r);
            return;
        }
        ByteBuffer base = PoisoningRefs.direct(margin + frame.length);
        base.put(margin, frame);
        base.limit(margin + 1); // a stale limit left by an earlier view of the shared base
        PoisoningRefs.Region a = refs.region(base, margin, split);
        PoisoningRefs.Region b = refs.region(base, margin + split, frame.length - split);
        d.add(base, a.pos(), a.len(), a);
        d.add(base, b.pos(), b.len(), b);
    }

    private static void checkMessage(MessageDeframer d, Model model) {
        InboundMessage m = d.message();
        byte[] want = model.message;
        if (d.isCompressed() != model.compressed) {
            throw new AssertionError("compressed flag " + d.isCompressed() + ", expected " + model.compressed);
        }
        if (m.length() != want.length || !Arrays.equals(m.toByteArray(), want)) {
            throw new AssertionError("message of " + m.length() + " bytes differs from the " + want.length
                    + " bytes framed");
        }
        ByteBuffer copy = ByteBuffer.allocate(want.length + 3);
        copy.position(3);
        m.copyTo(copy);
        if (copy.position() != want.length + 3 || !Arrays.equals(Arrays.copyOfRange(copy.array(), 3, want.length + 3), want)) {
            throw new AssertionError("copyTo() differs from the framed bytes");
        }
        int at = 0;
        for (ByteBuffer v : m.buffers()) {
            for (int i = v.position(); i < v.limit(); i++) {
                if (at >= want.length || v.get(i) != want[at++]) {
                    throw new AssertionError("view " + v + " differs from the framed bytes at " + (at - 1));
                }
            }
        }
        if (at != want.length) {
            throw new AssertionError("the views hold " + at + " bytes of a " + want.length + "-byte message");
        }
        if (m.bufferCount() == 1 && m.buffer().remaining() != want.length) {
            throw new AssertionError("single view of " + m.buffer().remaining() + " bytes for " + want.length);
        }
    }

    private static void release(InboundMessage handle, byte[] want) {
        try {
            if (!Arrays.equals(handle.toByteArray(), want)) {
                throw new AssertionError("a retained message changed after the deframer moved on (memory freed"
                        + " under it)");
            }
        } finally {
            handle.release();
        }
    }

    /** The framing as the gRPC spec reads: 1-byte flag (0 or 1), 4-byte big-endian length, body. */
    private static final class Model {
        final int limit;
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        int read;
        boolean inBody;
        boolean compressed;
        long length;
        long badValue;
        byte[] message;
        boolean closed;

        Model(int limit) {
            this.limit = limit;
        }

        void add(byte[] frame) {
            if (!closed) {
                all.write(frame, 0, frame.length);
            }
        }

        long queued() {
            return closed ? 0 : all.size() - read;
        }

        int poll() {
            if (closed) {
                return MessageDeframer.NEED_MORE;
            }
            byte[] b = all.toByteArray();
            if (!inBody) {
                if (b.length - read < MessageDeframer.PREFIX_BYTES) {
                    return MessageDeframer.NEED_MORE;
                }
                int flag = b[read] & 0xFF;
                length = (long) (b[read + 1] & 0xFF) << 24 | (b[read + 2] & 0xFF) << 16 | (b[read + 3] & 0xFF) << 8
                        | b[read + 4] & 0xFF;
                read += MessageDeframer.PREFIX_BYTES;
                if (flag > 1) {
                    badValue = flag;
                    return MessageDeframer.ERR_BAD_FLAG;
                }
                if (length > limit) {
                    badValue = length;
                    return MessageDeframer.ERR_TOO_LARGE;
                }
                compressed = flag == 1;
                inBody = true;
            }
            if (b.length - read < length) {
                return MessageDeframer.NEED_MORE;
            }
            message = Arrays.copyOfRange(b, read, read + (int) length);
            read += (int) length;
            inBody = false;
            return MessageDeframer.MESSAGE;
        }
    }
}
