package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnknownFieldSet;
import org.junit.jupiter.api.Test;
import org.remotemedia.grpc.MessageDeframer;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.testkit.PoisoningRefs;

/**
 * {@link ProtoCodec#parse(org.remotemedia.grpc.InboundMessage, com.google.protobuf.Parser)} on a
 * message that spans DATA frames (health, reflection, GetVersion): found by RequestParseFuzzer,
 * protobuf-java's decoder over a rope of direct buffers read a request's unknown fields
 * differently from the heap parse of the same bytes when the message was split at certain
 * points. Every split point of a request with unknown fields must parse as the heap parse does.
 */
class RopeParseTest {
    @Test
    void everySplitOfARequestWithUnknownFieldsParsesAsTheHeapParse() throws Exception {
        UnknownFieldSet.Builder unknown = UnknownFieldSet.newBuilder();
        UnknownFieldSet.Field.Builder f = UnknownFieldSet.Field.newBuilder();
        for (long v : new long[] {120, 15478, 48041407417368L, 0, -7_480_372_596_818_228_000L, 531826523638808L}) {
            f.addVarint(v);
        }
        unknown.addField(15, f.addLengthDelimited(ByteString.copyFromUtf8("straddles")).addFixed32(0x3176020a).build());
        ExecuteRequest sent = ExecuteRequest.newBuilder().setClientVersion("1.0.0").putDataInputs("in", "{}")
                .setUnknownFields(unknown.build()).build();
        byte[] body = sent.toByteArray();
        for (int cut = 1; cut < body.length; cut++) {
            assertEquals(sent, parseSplit(body, cut), "split at byte " + cut + " of " + body.length);
        }
    }

    /** The fuzzer's input: a 537-byte ExecuteRequest split after byte 533 (its unknown fields came out one byte short). */
    @Test
    void theFuzzersInputParsesAsTheHeapParse() throws Exception {
        byte[] input = java.nio.file.Files.readAllBytes(
                java.nio.file.Path.of("src/test/fuzz/request-parse/regressions/rope-over-two-direct-buffers"));
        byte[] body = java.util.Arrays.copyOf(input, 537);
        assertEquals(ExecuteRequest.parseFrom(body), parseSplit(body, 533));
        org.remotemedia.service.stream.RequestParseFuzzer.fuzzerTestOneInput(input);
    }

    private static ExecuteRequest parseSplit(byte[] body, int cut) throws Exception {
        byte[] wire = new byte[MessageDeframer.PREFIX_BYTES + body.length];
        wire[3] = (byte) (body.length >>> 8);
        wire[4] = (byte) body.length;
        System.arraycopy(body, 0, wire, MessageDeframer.PREFIX_BYTES, body.length);
        PoisoningRefs refs = new PoisoningRefs();
        MessageDeframer d = new MessageDeframer(refs, 1 << 20);
        int at = MessageDeframer.PREFIX_BYTES + cut;
        PoisoningRefs.Region a = refs.copyOf(wire, 0, at, 2);
        PoisoningRefs.Region b = refs.copyOf(wire, at, wire.length - at, 2);
        d.add(a.base(), a.pos(), a.len(), a);
        d.add(b.base(), b.pos(), b.len(), b);
        assertEquals(MessageDeframer.MESSAGE, d.poll());
        try {
            return ProtoCodec.parse(d.message(), ExecuteRequest.parser());
        } finally {
            d.close();
            refs.assertAllReleased("rope parse");
        }
    }

}
