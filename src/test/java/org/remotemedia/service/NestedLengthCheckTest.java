package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.StreamRequest;

/**
 * A nested message whose declared length is near 2^31 must be refused as malformed before
 * protobuf's unsafe direct decoder sees it: its limit arithmetic wraps and it reads past the
 * buffer (fuzz finding 4, src/test/fuzz/request-parse/regressions/nested-length-near-2to31).
 * Every message the check lets through parses in place exactly as from a heap copy.
 */
class NestedLengthCheckTest {
    /** The fuzzer's input: ExecuteRequest.manifest (field 1) declaring 2^31-1 bytes, then "gan". */
    private static final byte[] FUZZ_FINDING = {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x67, 0x61, 0x6e};

    /** The bytes in a direct buffer with other bytes after them, as in a network buffer. */
    private static ByteBuffer inNetworkBuffer(byte[] message) {
        ByteBuffer all = ByteBuffer.allocateDirect(message.length + 64);
        all.put(message);
        for (int i = 0; i < 64; i++) {
            all.put((byte) 0x0a); // more length-delimited tags a runaway decoder would follow
        }
        return all.flip().limit(message.length);
    }

    @Test
    void theFuzzFindingIsAMalformedRequestNotAnIndexError() {
        InvalidProtocolBufferException e = assertThrows(InvalidProtocolBufferException.class,
                () -> ProtoCodec.parse(inNetworkBuffer(FUZZ_FINDING), ExecuteRequest.parser()));
        assertTrue(e.getMessage().contains("field 1 declares 2147483647 bytes where 2 remain"), e.getMessage());
    }

    @Test
    void aLengthNearTwoToTheThirtyOneTwoLevelsDownIsRefused() throws Exception {
        // ExecuteRequest.manifest -> PipelineManifest.nodes (field 3) declaring 2^31-8 bytes
        byte[] node = {0x1a, (byte) 0xf8, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 0x0a, 0x01, 0x61};
        byte[] request = concat(new byte[] {0x0a, (byte) node.length}, node);
        InvalidProtocolBufferException e = assertThrows(InvalidProtocolBufferException.class,
                () -> ProtoCodec.parse(inNetworkBuffer(request), ExecuteRequest.parser()));
        assertTrue(e.getMessage().contains("field 3 declares 2147483640 bytes"), e.getMessage());
    }

    @Test
    void unknownGroupsNestedDeeperThanProtobufAllowsAreRefused() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i <= NestedLengthCheck.MAX_DEPTH; i++) {
            b.write(0x7b); // field 15, start group: an unknown field of StreamRequest
        }
        InvalidProtocolBufferException e = assertThrows(InvalidProtocolBufferException.class,
                () -> ProtoCodec.parse(inNetworkBuffer(b.toByteArray()), StreamRequest.parser()));
        assertTrue(e.getMessage().contains("nested more than 100 deep"), e.getMessage());
    }

    @Test
    void mutatedRequestsParseInPlaceAsFromTheHeapOrAreRefusedAsMalformed() throws Exception {
        byte[] valid = Kit.request(Kit.resample16k(), "resample", Kit.f32(Kit.sine(64, 44_100), 44_100)).toByteArray();
        SplittableRandom random = new SplittableRandom(20261206);
        int refusedByTheCheck = 0;
        for (int round = 0; round < 20_000; round++) {
            byte[] m = valid.clone();
            for (int k = 1 + random.nextInt(4); k > 0; k--) {
                int at = random.nextInt(m.length);
                m[at] = random.nextInt(3) == 0 ? (byte) 0xff : (byte) random.nextInt(256);
            }
            ExecuteRequest heap;
            try {
                heap = ExecuteRequest.parseFrom(m);
            } catch (InvalidProtocolBufferException | RuntimeException e) {
                heap = null;
            }
            try {
                ExecuteRequest direct = ProtoCodec.parse(inNetworkBuffer(m), ExecuteRequest.parser());
                assertEquals(heap, direct, "round " + round + ": in place differs from the heap parse");
            } catch (InvalidProtocolBufferException e) {
                refusedByTheCheck += e.getMessage().startsWith("malformed protobuf") ? 1 : 0;
                assertEquals(null, heap, "round " + round + ": refused in place, parsed from the heap: " + e.getMessage());
            }
        }
        assertTrue(refusedByTheCheck > 0, "some mutations hit the check");
    }

    @Test
    void overSeveralBuffersTheCheckSaysWhatItSaysOverOne() throws Exception {
        byte[] valid = Kit.request(Kit.resample16k(), "resample", Kit.f32(Kit.sine(64, 44_100), 44_100)).toByteArray();
        SplittableRandom random = new SplittableRandom(61);
        for (int round = 0; round < 5_000; round++) {
            byte[] m = round == 0 ? FUZZ_FINDING : valid.clone();
            if (round > 0) {
                m[random.nextInt(m.length)] = (byte) random.nextInt(256);
            }
            String one = outcome(() -> NestedLengthCheck.check(inNetworkBuffer(m), ExecuteRequest.getDescriptor()));
            java.util.List<ByteBuffer> pieces = new java.util.ArrayList<>();
            for (int from = 0; from < m.length; ) {
                int to = Math.min(m.length, from + random.nextInt(12)); // empty pieces too
                pieces.add(inNetworkBuffer(java.util.Arrays.copyOfRange(m, from, to)));
                from = to;
            }
            String several = outcome(() -> NestedLengthCheck.check(pieces, ExecuteRequest.getDescriptor()));
            assertEquals(one, several, "round " + round + " over " + pieces.size() + " buffers");
        }
    }

    private interface Check {
        void run() throws InvalidProtocolBufferException;
    }

    private static String outcome(Check c) {
        try {
            c.run();
            return "passed";
        } catch (InvalidProtocolBufferException e) {
            return e.getMessage();
        }
    }

    @Test
    void validRequestsPassTheCheckUnchanged() throws Exception {
        ExecuteRequest req = Kit.request(Kit.resample16k(), "resample", Kit.f32(Kit.sine(4410, 44_100), 44_100));
        ByteBuffer b = inNetworkBuffer(req.toByteArray());
        NestedLengthCheck.check(b, ExecuteRequest.getDescriptor());
        assertEquals(0, b.position(), "the check reads with absolute gets");
        assertEquals(req, ProtoCodec.parse(b, ExecuteRequest.parser()));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
