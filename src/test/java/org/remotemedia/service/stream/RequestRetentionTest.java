package org.remotemedia.service.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import org.junit.jupiter.api.Test;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.MessageDeframer;
import org.remotemedia.proto.v1.StreamInit;
import org.remotemedia.proto.v1.StreamRequest;
import org.remotemedia.service.ProtoCodec;
import org.remotemedia.testkit.PoisoningRefs;

/**
 * A request StreamCall queues for the session's thread may still point into the network buffer
 * after the callback returns: not only a chunk's samples, but any {@code bytes} or unknown field
 * parsed in place (a newer client's field in StreamInit). Found by RequestParseFuzzer: the init
 * was queued without keeping its buffer, so a session on a DSP worker read memory the transport
 * had already given back (the plan cache hashes and copies the manifest's unknown fields).
 */
class RequestRetentionTest {
    /** The fuzzer's minimized input: StreamRequest{init{field 12: "x"}}, one buffer, StreamPipeline. */
    static final byte[] MINIMIZED = {0x0a, 0x03, 0x62, 0x01, 0x78, 0x00, 0x00, 0x01};

    @Test
    void theFuzzersInputPasses() {
        RequestParseFuzzer.fuzzerTestOneInput(MINIMIZED);
    }

    @Test
    void anInitWithAnUnknownFieldKeepsItsBufferUntilTheSessionIsDone() throws Exception {
        StreamRequest sent = StreamRequest.newBuilder().setInit(StreamInit.newBuilder()
                .setUnknownFields(UnknownFieldSet.newBuilder().addField(12, UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFromUtf8("from a newer client")).build()).build()))
                .build();
        byte[] body = sent.toByteArray();
        byte[] wire = new byte[MessageDeframer.PREFIX_BYTES + body.length];
        wire[4] = (byte) body.length;
        System.arraycopy(body, 0, wire, MessageDeframer.PREFIX_BYTES, body.length);
        PoisoningRefs refs = new PoisoningRefs();
        MessageDeframer d = new MessageDeframer(refs, 1 << 20);
        PoisoningRefs.Region r = refs.copyOf(wire, 0, wire.length, 0);
        d.add(r.base(), r.pos(), r.len(), r);
        assertEquals(MessageDeframer.MESSAGE, d.poll());

        StreamRequest got = ProtoCodec.parse(d.message().buffer(), StreamRequest.parser());
        InboundMessage kept = StreamCall.keepNetworkBuffer(d.message(), null);
        assertNotNull(kept, "a request parsed in place is kept until the session has processed it");
        d.messageDone(); // the callback returned: the transport gives its buffer back
        d.close();
        assertEquals(sent, got, "the queued request still reads what the client sent");
        kept.release();
        refs.assertAllReleased("retention");
    }
}
