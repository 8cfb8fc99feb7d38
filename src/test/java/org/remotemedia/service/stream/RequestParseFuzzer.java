package org.remotemedia.service.stream;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.nio.ByteBuffer;
import java.util.Map;
import org.remotemedia.buffer.BufferPool;
import org.remotemedia.buffer.PooledBuffer;
import org.remotemedia.dsp.Problems;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.MessageDeframer;
import org.remotemedia.pipeline.AudioInput;
import org.remotemedia.pipeline.PipelineEngine;
import org.remotemedia.pipeline.PipelineException;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.service.ExecuteRequestOracle;
import org.remotemedia.service.ExecuteRequestReader;
import org.remotemedia.service.ProtoCodec;
import org.remotemedia.service.ProtoConvert;
import org.remotemedia.testkit.FuzzBudget;
import org.remotemedia.testkit.FuzzInput;
import org.remotemedia.testkit.FuzzWarmUp;
import org.remotemedia.testkit.PoisoningRefs;

/**
 * Fuzz target (scripts/fuzz request-parse): the protobuf request parse with aliasing, as
 * ExecuteHandler and StreamCall do it. The request arrives as the transport delivers it: a
 * framed message split over up to eight DATA-frame buffers, deframed into an
 * {@link InboundMessage} of views, parsed by {@link ProtoCodec#parse(InboundMessage, Parser,
 * BufferPool, PooledBuffer[])} (in place for one view, gathered into a pooled block for
 * several), and the rope overload used by health and reflection. ExecutePipeline's requests are
 * also read in place by {@link ExecuteRequestReader}, which must agree with protobuf whenever it
 * accepts.
 *
 * <p>Oracle: the result equals protobuf's own parse of a heap copy of the same bytes, or both
 * refuse them. Then the handlers' next steps run on the parsed request (manifest conversion and
 * validation, audio-input checks) after the transport has given the network buffers back, unless
 * the handler's retention rule kept them -- freed buffers are poisoned, so a request that still
 * points into them no longer equals the heap parse. At the end every network buffer and pooled
 * block is back.
 */
public final class RequestParseFuzzer {
    private static final PipelineEngine ENGINE = PipelineEngine.standard();
    private static final BufferPool POOL = new BufferPool(1 << 20);
    private static final FuzzBudget BUDGET = new FuzzBudget(8 << 20, 512);
    private static final ExecuteRequestReader.Fields FIELDS = new ExecuteRequestReader.Fields();

    private RequestParseFuzzer() {
    }

    /** Called by Jazzer before fuzzing: loads what the first inputs need (see {@link FuzzWarmUp}). */
    public static void fuzzerInitialize() {
        FuzzWarmUp.run(RequestParseFuzzer::fuzzerTestOneInput);
    }

    public static void fuzzerTestOneInput(byte[] data) {
        BUDGET.start();
        run(new FuzzInput(data));
        BUDGET.check(data, "request-parse", () -> fuzzerTestOneInput(data));
        if (POOL.inUseBytes() != 0) {
            throw new AssertionError("request-parse: " + POOL.inUseBytes() + " pooled bytes still in use after the"
                    + " request was done (a gathered block not released)");
        }
    }

    private static void run(FuzzInput in) {
        int kind = in.below(3); // ExecutePipeline, StreamPipeline, a rope parse (health / reflection)
        boolean offloaded = in.bool(); // ExecuteHandler on a DSP worker (retains) or inline
        int splits = in.below(8);
        int[] cuts = new int[splits];
        for (int i = 0; i < splits; i++) {
            cuts[i] = in.below(1 << 16);
        }
        byte[] body = in.rest();
        byte[] wire = new byte[MessageDeframer.PREFIX_BYTES + body.length];
        wire[1] = (byte) (body.length >>> 24);
        wire[2] = (byte) (body.length >>> 16);
        wire[3] = (byte) (body.length >>> 8);
        wire[4] = (byte) body.length;
        System.arraycopy(body, 0, wire, MessageDeframer.PREFIX_BYTES, body.length);

        PoisoningRefs refs = new PoisoningRefs();
        MessageDeframer d = new MessageDeframer(refs, Integer.MAX_VALUE);
        int from = 0;
        java.util.Arrays.sort(cuts);
        for (int c : cuts) {
            int to = Math.min(wire.length, c % (wire.length + 1));
            if (to > from) {
                PoisoningRefs.Region r = refs.copyOf(wire, from, to - from, 3);
                d.add(r.base(), r.pos(), r.len(), r);
                from = to;
            }
        }
        PoisoningRefs.Region last = refs.copyOf(wire, from, wire.length - from, 3);
        d.add(last.base(), last.pos(), last.len(), last);
        if (d.poll() != MessageDeframer.MESSAGE) {
            throw new AssertionError("a framed message of " + body.length + " bytes did not deframe");
        }
        InboundMessage m = d.message();
        try {
            switch (kind) {
                case 0 -> execute(m, body, d, offloaded);
                case 1 -> stream(m, body, d);
                default -> rope(m, body);
            }
        } finally {
            d.close();
        }
        refs.assertAllReleased("request-parse");
    }

    /** ExecuteHandler: parse (inline, or on a worker from a retained handle), then compile and check inputs. */
    private static void execute(InboundMessage m, byte[] body, MessageDeframer d, boolean offloaded) {
        ExecuteRequest want = reference(ExecuteRequest.parser(), body);
        InboundMessage msg = offloaded ? m.retain() : m;
        if (offloaded) {
            d.messageDone(); // the callback returned: the transport reuses its views
        }
        PooledBuffer[] gathered = new PooledBuffer[1];
        try {
            ByteBuffer whole = ProtoCodec.contiguous(msg, POOL, gathered);
            ExecuteRequestReader.Fields fields = FIELDS; // reused across inputs, as a thread reuses its own
            if (ExecuteRequestReader.read(whole, fields)) { // ExecuteHandler's in-place read: protobuf's values
                ExecuteRequestOracle.assertSameAsProtobuf(whole, fields, body);
            }
            ExecuteRequest got;
            try {
                got = ProtoCodec.parse(whole, ExecuteRequest.parser());
            } catch (InvalidProtocolBufferException e) {
                refused(want, e);
                return;
            }
            same(want, got);
            try {
                ProtoConvert.compile(ENGINE, got.hasManifest() ? got.getManifest() : null, got.getManifestJson());
            } catch (PipelineException e) {
                validationOnly(e);
            }
            for (Map.Entry<String, AudioBuffer> e : got.getAudioInputsMap().entrySet()) {
                audio(e.getValue(), want.getAudioInputsOrThrow(e.getKey()));
            }
            ProtoConvert.limits(got.hasResourceLimits() ? got.getResourceLimits() : null);
            same(want, got); // nothing above may have changed what the request's views show
        } finally {
            if (gathered[0] != null) {
                gathered[0].release();
            }
            if (offloaded) {
                msg.release();
            }
        }
    }

    /**
     * StreamCall: the event loop parses and queues the request for the session's thread; the
     * network buffer is kept (retained) only where StreamCall keeps it, then the callback returns
     * and the session processes the request later.
     */
    private static void stream(InboundMessage m, byte[] body, MessageDeframer d) {
        StreamRequest want = reference(StreamRequest.parser(), body);
        PooledBuffer[] gathered = new PooledBuffer[1];
        StreamRequest got;
        try {
            got = ProtoCodec.parse(m, StreamRequest.parser(), POOL, gathered);
        } catch (InvalidProtocolBufferException e) {
            if (gathered[0] != null) {
                gathered[0].release(); // as StreamCall.releaseGathered()
            }
            refused(want, e);
            return;
        }
        InboundMessage retained = StreamCall.keepNetworkBuffer(m, gathered[0]);
        d.messageDone(); // the callback returned; the session runs later (on a worker)
        try {
            same(want, got);
            if (got.hasInit()) {
                StreamInit init = got.getInit();
                try {
                    ProtoConvert.compile(ENGINE, init.hasManifest() ? init.getManifest() : null,
                            init.getManifestJson());
                } catch (PipelineException e) {
                    validationOnly(e);
                }
            } else if (got.hasAudioChunk() && got.getAudioChunk().hasBuffer()) {
                audio(got.getAudioChunk().getBuffer(), want.getAudioChunk().getBuffer());
            }
            same(want, got);
        } finally {
            if (gathered[0] != null) {
                gathered[0].release();
            }
            if (retained != null) {
                retained.release();
            }
        }
    }

    /** The gathering-free overload (small requests: health, reflection), read within the callback. */
    private static void rope(InboundMessage m, byte[] body) {
        ExecuteRequest want = reference(ExecuteRequest.parser(), body);
        try {
            same(want, ProtoCodec.parse(m, ExecuteRequest.parser()));
        } catch (InvalidProtocolBufferException e) {
            refused(want, e);
        }
    }

    private static void audio(AudioBuffer got, AudioBuffer want) {
        AudioInput in = ProtoConvert.audioInput(got);
        Problems p = new Problems();
        boolean valid = in.validate(p);
        if (valid != in.isValid() || valid != p.isEmpty()) {
            throw new AssertionError("AudioInput.validate() and isValid() disagree: " + p.list());
        }
        ByteBuffer a = got.getSamples().asReadOnlyByteBuffer();
        ByteBuffer b = want.getSamples().asReadOnlyByteBuffer();
        if (!a.equals(b) || in.lengthBytes() != b.remaining()) {
            throw new AssertionError("the samples view differs from the bytes sent");
        }
    }

    private static <T> T reference(Parser<T> parser, byte[] body) {
        try {
            return parser.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
            return null;
        }
    }

    private static void same(MessageLite want, MessageLite got) {
        if (want == null) {
            throw new AssertionError("the aliasing parse accepted bytes that protobuf's heap parse refuses");
        }
        if (!want.equals(got)) {
            throw new AssertionError("the aliasing parse differs from the heap parse of the same bytes (or its"
                    + " views were freed under it)");
        }
    }

    private static void refused(Object want, InvalidProtocolBufferException e) {
        if (want != null) {
            throw new AssertionError("the aliasing parse refused bytes that protobuf's heap parse accepts: " + e, e);
        }
    }

    private static void validationOnly(PipelineException e) {
        if (e.error().type() != org.remotemedia.pipeline.ErrorType.VALIDATION) {
            throw new AssertionError("compiling a request's manifest failed with " + e.error().type() + ", not a"
                    + " validation error: " + e.getMessage(), e);
        }
    }
}
