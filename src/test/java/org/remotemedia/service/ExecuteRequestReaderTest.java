package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.remotemedia.proto.v1.AudioBuffer;
import org.remotemedia.proto.v1.AudioFormat;
import org.remotemedia.proto.v1.ExecuteRequest;
import org.remotemedia.proto.v1.ManifestMetadata;
import org.remotemedia.proto.v1.NodeManifest;
import org.remotemedia.proto.v1.PipelineManifest;
import org.remotemedia.proto.v1.ResourceLimits;

/**
 * ExecuteRequestReader against protobuf: a request of the common shape reads to protobuf's
 * values, and every shape where protobuf would merge, overwrite, skip or check more is left to
 * protobuf (read returns false).
 */
class ExecuteRequestReaderTest {
    private static final PipelineManifest MANIFEST = PipelineManifest.newBuilder().setVersion("v1")
            .setMetadata(ManifestMetadata.newBuilder().setName("reader"))
            .addNodes(NodeManifest.newBuilder().setId("in").setNodeType("AudioResample")
                    .setParams("{\"target_sample_rate\": 16000}"))
            .build();

    private static AudioBuffer audio(int n, int rate) {
        byte[] samples = new byte[n * 4];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (byte) (i * 7);
        }
        return AudioBuffer.newBuilder().setSamples(ByteString.copyFrom(samples)).setSampleRate(rate)
                .setChannels(1).setFormat(AudioFormat.AUDIO_FORMAT_F32).setNumSamples(n).build();
    }

    private static ExecuteRequest.Builder common() {
        return ExecuteRequest.newBuilder().setManifest(MANIFEST).setClientVersion("remotemedia-java/1.2.0")
                .putAudioInputs("in", audio(480, 48000));
    }

    /** Reads {@code bytes} placed at an offset inside a larger direct buffer (as a gathered block is). */
    private static ExecuteRequestReader.Fields read(byte[] bytes, boolean expected) {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length + 20);
        b.position(13);
        b.put(bytes);
        b.flip().position(13);
        ExecuteRequestReader.Fields f = new ExecuteRequestReader.Fields();
        assertEquals(expected, ExecuteRequestReader.read(b, f));
        if (expected) {
            ExecuteRequestOracle.assertSameAsProtobuf(b, f, bytes);
        }
        return f;
    }

    @Test
    void theCommonRequestReadsToProtobufsValues() {
        ExecuteRequestReader.Fields f = read(common().putAudioInputs("other", audio(3, 8000))
                .setResourceLimits(ResourceLimits.newBuilder().setMaxMemoryBytes(1 << 20).setMaxTimeoutMs(1500))
                .build().toByteArray(), true);
        assertEquals(1, f.manifestField);
        assertEquals(2, f.audioCount);
        assertTrue(f.hasLimits);
    }

    @Test
    void manifestJsonAndAnEmptyRequestReadToo() {
        ExecuteRequestReader.Fields f = read(ExecuteRequest.newBuilder()
                .setManifestJson("{\"version\":\"v1\"}").build().toByteArray(), true);
        assertEquals(6, f.manifestField);
        assertEquals(0, read(new byte[0], true).manifestField);
        // an empty manifest message is still a manifest (protobuf's hasManifest)
        assertEquals(1, read(ExecuteRequest.newBuilder().setManifest(PipelineManifest.getDefaultInstance())
                .build().toByteArray(), true).manifestField);
    }

    @Test
    void theSameFieldsReadTheSameWhateverTheirOrderAndDefaults() {
        // the fields in reverse order, and scalars written with their default values
        byte[] bytes = raw(out -> {
            out.writeString(5, "v1");
            out.writeByteArray(2, entry("in", raw(o -> {
                o.writeUInt64(5, 2);
                o.writeEnum(4, 0);
                o.writeUInt32(3, 0);
                o.writeUInt32(2, 44100);
                o.writeByteArray(1, new byte[8]);
            })));
            out.writeMessage(1, MANIFEST);
        });
        read(bytes, true);
    }

    @Test
    void shapesProtobufWouldMergeOverwriteOrSkipAreLeftToIt() {
        byte[] base = common().build().toByteArray();
        // a field given twice: protobuf merges a message, keeps the last scalar
        read(concat(base, ExecuteRequest.newBuilder().setManifest(MANIFEST).build().toByteArray()), false);
        read(concat(base, ExecuteRequest.newBuilder().setClientVersion("v2").build().toByteArray()), false);
        // the same map key twice: protobuf keeps the last entry
        read(concat(base, ExecuteRequest.newBuilder().putAudioInputs("in", audio(2, 8000)).build().toByteArray()),
                false);
        // data_inputs; both manifest forms
        read(common().putDataInputs("in", "{}").build().toByteArray(), false);
        read(common().setManifestJson("{}").build().toByteArray(), false);
        // an unknown field at the top, inside an AudioBuffer, inside ResourceLimits
        read(common().setUnknownFields(unknown(99)).build().toByteArray(), false);
        read(common().putAudioInputs("x", audio(1, 8000).toBuilder().setUnknownFields(unknown(9)).build())
                .build().toByteArray(), false);
        read(common().setResourceLimits(ResourceLimits.newBuilder().setUnknownFields(unknown(4))).build()
                .toByteArray(), false);
        // text that is not ASCII (protobuf checks UTF-8), a uint64 at 2^63 or above
        read(common().setClientVersion("v\u00e9").build().toByteArray(), false);
        read(common().putAudioInputs("\u00e9", audio(1, 8000)).build().toByteArray(), false);
        read(common().setResourceLimits(ResourceLimits.newBuilder().setMaxAudioSamples(-1)).build().toByteArray(),
                false);
        read(common().putAudioInputs("x", audio(1, 8000).toBuilder().setNumSamples(Long.MIN_VALUE).build())
                .build().toByteArray(), false);
        // a map entry without its key or its value
        read(raw(out -> out.writeByteArray(2, raw(o -> o.writeString(1, "k")))), false);
        read(raw(out -> out.writeByteArray(2, raw(o -> o.writeByteArray(2, new byte[0])))), false);
        // a known field with another wire type (protobuf skips it as unknown)
        read(raw(out -> out.writeUInt32(5, 1)), false);
        read(raw(out -> out.writeByteArray(2, entry("k", raw(o -> o.writeFixed32(2, 44100))))), false);
    }

    @Test
    void malformedBytesAreLeftToProtobufsErrors() {
        byte[] base = common().build().toByteArray();
        for (int cut = 1; cut < base.length; cut += 1 + cut / 3) {
            byte[] head = java.util.Arrays.copyOf(base, cut);
            ExecuteRequestReader.Fields f = new ExecuteRequestReader.Fields();
            boolean accepted = ExecuteRequestReader.read(ByteBuffer.wrap(head), f);
            if (accepted) { // a cut between fields is a valid, shorter request
                ExecuteRequestOracle.assertSameAsProtobuf(ByteBuffer.wrap(head), f, head);
            }
        }
        read(new byte[] {(byte) 0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x0f}, false);
        read(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01}, false); // long tag
        read(new byte[] {0x00}, false); // field 0
        read(new byte[] {0x0b}, false); // a group
    }

    /** The manifest's bytes are the plan cache's to judge: the reader takes them as they are. */
    @Test
    void aManifestThatIsNotValidIsStillReadItsBytesDecideLater() {
        byte[] badText = raw(out -> out.writeByteArray(6, new byte[] {'{', (byte) 0xc3, '}'}));
        assertEquals(6, read(badText, true).manifestField); // protobuf refuses: invalid UTF-8 (the oracle checks)
        byte[] badMessage = raw(out -> out.writeByteArray(1, new byte[] {0x0a, 0x05, 'v'}));
        assertEquals(1, read(badMessage, true).manifestField);
    }

    @Test
    void aReusedFieldsObjectStartsAfresh() {
        ExecuteRequestReader.Fields f = new ExecuteRequestReader.Fields();
        assertTrue(ExecuteRequestReader.read(ByteBuffer.wrap(common().setResourceLimits(
                ResourceLimits.newBuilder().setMaxTimeoutMs(5)).build().toByteArray()), f));
        byte[] plain = ExecuteRequest.newBuilder().setManifestJson("{}").build().toByteArray();
        assertTrue(ExecuteRequestReader.read(ByteBuffer.wrap(plain), f));
        ExecuteRequestOracle.assertSameAsProtobuf(ByteBuffer.wrap(plain), f, plain);
        // nothing of the manifest before survives a request without one (found by RequestParseFuzzer)
        assertTrue(ExecuteRequestReader.read(ByteBuffer.allocate(0), f));
        assertEquals(0, f.manifestField);
        assertEquals(0, f.manifestLength);
        assertEquals(0, f.audioCount);
        assertFalse(f.hasLimits);
    }

    /** Text the thread read last time is reused when the bytes spell it, and only then. */
    @Test
    void repeatedTextReusesItsStringOtherTextOfTheSameLengthDoesNot() {
        ExecuteRequestReader.Fields f = new ExecuteRequestReader.Fields();
        byte[] first = common().setClientVersion("v1").build().toByteArray();
        assertTrue(ExecuteRequestReader.read(ByteBuffer.wrap(first), f));
        String key = f.audioKeys[0];
        String version = f.clientVersion;
        assertTrue(ExecuteRequestReader.read(ByteBuffer.wrap(first), f));
        assertSame(key, f.audioKeys[0]);
        assertSame(version, f.clientVersion);
        byte[] other = ExecuteRequest.newBuilder().setManifest(MANIFEST).setClientVersion("v2")
                .putAudioInputs("im", audio(480, 48000)).build().toByteArray();
        assertTrue(ExecuteRequestReader.read(ByteBuffer.wrap(other), f));
        ExecuteRequestOracle.assertSameAsProtobuf(ByteBuffer.wrap(other), f, other);
        assertEquals("im", f.audioKeys[0]);
        assertEquals("v2", f.clientVersion);
    }

    private interface Writes {
        void to(CodedOutputStream out) throws java.io.IOException;
    }

    private static byte[] raw(Writes w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            w.to(out);
            out.flush();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        return bytes.toByteArray();
    }

    private static byte[] entry(String key, byte[] value) {
        return raw(o -> {
            o.writeString(1, key);
            o.writeByteArray(2, value);
        });
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static UnknownFieldSet unknown(int field) {
        return UnknownFieldSet.newBuilder().addField(field,
                UnknownFieldSet.Field.newBuilder().addVarint(1).build()).build();
    }
}
