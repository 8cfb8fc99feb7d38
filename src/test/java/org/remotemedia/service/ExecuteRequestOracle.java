package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.PipelineManifest;

/** The oracle for ExecuteRequestReader (its test and RequestParseFuzzer): what it read is what protobuf parses. */
public final class ExecuteRequestOracle {
    private ExecuteRequestOracle() {
    }

    /**
     * What the reader promises: it checks everything but the manifest's own bytes (ExecuteHandler
     * uses them only when they equal an encoding protobuf accepted before). So when those bytes
     * alone, in their field, are valid, protobuf parses the request to the reader's values; when
     * they are not, protobuf refuses the request.
     */
    public static void assertSameAsProtobuf(ByteBuffer b, ExecuteRequestReader.Fields f, byte[] bytes) {
        byte[] manifest = new byte[f.manifestLength];
        b.get(f.manifestOffset, manifest);
        boolean manifestValid = f.manifestField == 0 || parses(field(f.manifestField, manifest));
        ExecuteRequest want;
        try {
            want = ExecuteRequest.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            if (manifestValid) {
                throw new AssertionError("the reader accepted bytes protobuf refuses: " + e.getMessage());
            }
            return;
        }
        if (!manifestValid) {
            throw new AssertionError("protobuf accepted a request whose manifest field alone it refuses");
        }
        switch (f.manifestField) {
            case 1 -> {
                assertTrue(want.hasManifest());
                assertEquals(want.getManifest(), parseManifest(manifest));
            }
            case 6 -> assertEquals(want.getManifestJson(), new String(manifest, StandardCharsets.UTF_8));
            default -> assertFalse(want.hasManifest());
        }
        assertEquals(want.getClientVersion(), f.clientVersion);
        assertEquals(want.hasResourceLimits(), f.hasLimits);
        assertEquals(want.getResourceLimits().getMaxMemoryBytes(), f.maxMemoryBytes);
        assertEquals(want.getResourceLimits().getMaxTimeoutMs(), f.maxTimeoutMs);
        assertEquals(want.getResourceLimits().getMaxAudioSamples(), f.maxAudioSamples);
        assertEquals(0, want.getDataInputsCount());
        assertEquals(want.getAudioInputsCount(), f.audioCount);
        for (int i = 0; i < f.audioCount; i++) {
            AudioBuffer a = want.getAudioInputsOrThrow(f.audioKeys[i]);
            byte[] samples = new byte[f.samplesLength[i]];
            b.get(f.samplesOffset[i], samples);
            assertArrayEquals(a.getSamples().toByteArray(), samples);
            assertEquals(a.getSampleRate() & 0xFFFF_FFFFL, f.sampleRate[i]);
            assertEquals(a.getChannels(), f.channels[i]);
            assertEquals(a.getFormatValue(), f.format[i]);
            assertEquals(a.getNumSamples(), f.numSamples[i]);
        }
    }

    private static PipelineManifest parseManifest(byte[] bytes) {
        try {
            return PipelineManifest.parseFrom(bytes);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    /** A request holding only {@code field} with these bytes (the manifest in the context it was read in). */
    private static byte[] field(int field, byte[] value) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        com.google.protobuf.CodedOutputStream o = com.google.protobuf.CodedOutputStream.newInstance(out);
        try {
            o.writeByteArray(field, value);
            o.flush();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private static boolean parses(byte[] request) {
        try {
            ExecuteRequest.parseFrom(request);
            return true;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }
}
