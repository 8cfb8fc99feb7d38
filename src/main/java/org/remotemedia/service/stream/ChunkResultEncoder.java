package org.remotemedia.service.stream;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.remotemedia.grpc.MessageEncoder;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.ChunkResult;
import org.remotemedia.pipeline.DataOutput;
import org.remotemedia.service.ProtoConvert;

/**
 * Writes {@code StreamResponse{result: ChunkResult}} for an engine {@link ChunkResult} straight
 * into the transport's buffer, in the protobuf wire format of streaming.proto and common.proto,
 * without building the messages first. Building them (builders, two maps of entries, an
 * AudioBuffer per output, iterators) was about half of the service layer's own cost per chunk
 * (JFR of perf's StreamChunkCpu). The generated builders' form (ChunkResultEncoderTest.reference)
 * stays the reference the tests compare with; proto3 scalars at their default are left out as
 * protobuf-java leaves them out.
 *
 * <p>The field numbers below are the contract's (streaming.proto, common.proto).
 *
 * <p>Threads: one instance per session, used by the session's drain only: {@link #of} sets
 * the message that the next {@link #serializedSize} / {@link #encode} pair writes.
 */
final class ChunkResultEncoder implements MessageEncoder<ChunkResultEncoder> {
    private static final int RESPONSE_RESULT = 2; // StreamResponse.result
    private static final int SEQUENCE = 1; // ChunkResult
    private static final int AUDIO_OUTPUTS = 2;
    private static final int DATA_OUTPUTS = 3;
    private static final int PROCESSING_TIME_MS = 4;
    private static final int TOTAL_SAMPLES = 5;
    private static final int MAP_KEY = 1; // a map entry
    private static final int MAP_VALUE = 2;
    private static final int SAMPLES = 1; // AudioBuffer
    private static final int SAMPLE_RATE = 2;
    private static final int CHANNELS = 3;
    private static final int FORMAT = 4;
    private static final int NUM_SAMPLES = 5;

    private long sequence;
    private ChunkResult result;
    private int resultSize;

    /** This encoder, set to write {@code r} as chunk {@code sequence}; {@code r} stays the caller's. */
    ChunkResultEncoder of(long sequence, ChunkResult r) {
        this.sequence = sequence;
        this.result = r;
        this.resultSize = -1;
        return this;
    }

    @Override
    public int serializedSize(ChunkResultEncoder self) {
        resultSize = resultSize();
        return CodedOutputStream.computeTagSize(RESPONSE_RESULT) + CodedOutputStream.computeUInt32SizeNoTag(resultSize)
                + resultSize;
    }

    @Override
    public void encode(ChunkResultEncoder self, ByteBuffer dst) {
        if (resultSize < 0) {
            resultSize = resultSize();
        }
        CodedOutputStream out = CodedOutputStream.newInstance(dst);
        try {
            out.writeTag(RESPONSE_RESULT, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(resultSize);
            if (sequence != 0) {
                out.writeUInt64(SEQUENCE, sequence);
            }
            List<AudioOutput> audio = result.audio();
            for (int i = 0; i < audio.size(); i++) {
                AudioOutput a = audio.get(i);
                out.writeTag(AUDIO_OUTPUTS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                int bufferSize = audioBufferSize(a);
                out.writeUInt32NoTag(CodedOutputStream.computeStringSize(MAP_KEY, a.nodeId())
                        + CodedOutputStream.computeTagSize(MAP_VALUE) + CodedOutputStream.computeUInt32SizeNoTag(bufferSize)
                        + bufferSize);
                out.writeString(MAP_KEY, a.nodeId());
                out.writeTag(MAP_VALUE, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(bufferSize);
                writeAudioBuffer(out, a);
            }
            List<DataOutput> data = result.data();
            for (int i = 0; i < data.size(); i++) {
                DataOutput d = data.get(i);
                out.writeTag(DATA_OUTPUTS, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(dataEntrySize(d));
                out.writeString(MAP_KEY, d.nodeId());
                out.writeString(MAP_VALUE, d.json());
            }
            double ms = result.processingTimeMs();
            if (Double.doubleToRawLongBits(ms) != 0) {
                out.writeDouble(PROCESSING_TIME_MS, ms);
            }
            long total = result.totalSamplesProcessed();
            if (total != 0) {
                out.writeUInt64(TOTAL_SAMPLES, total);
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            result = null; // the caller releases it; never held past this write
        }
    }

    private int resultSize() {
        int n = sequence != 0 ? CodedOutputStream.computeUInt64Size(SEQUENCE, sequence) : 0;
        List<AudioOutput> audio = result.audio();
        for (int i = 0; i < audio.size(); i++) {
            AudioOutput a = audio.get(i);
            int bufferSize = audioBufferSize(a);
            int entry = CodedOutputStream.computeStringSize(MAP_KEY, a.nodeId())
                    + CodedOutputStream.computeTagSize(MAP_VALUE) + CodedOutputStream.computeUInt32SizeNoTag(bufferSize)
                    + bufferSize;
            n += CodedOutputStream.computeTagSize(AUDIO_OUTPUTS) + CodedOutputStream.computeUInt32SizeNoTag(entry) + entry;
        }
        List<DataOutput> data = result.data();
        for (int i = 0; i < data.size(); i++) {
            int entry = dataEntrySize(data.get(i));
            n += CodedOutputStream.computeTagSize(DATA_OUTPUTS) + CodedOutputStream.computeUInt32SizeNoTag(entry) + entry;
        }
        if (Double.doubleToRawLongBits(result.processingTimeMs()) != 0) {
            n += CodedOutputStream.computeDoubleSize(PROCESSING_TIME_MS, 0);
        }
        if (result.totalSamplesProcessed() != 0) {
            n += CodedOutputStream.computeUInt64Size(TOTAL_SAMPLES, result.totalSamplesProcessed());
        }
        return n;
    }

    private static int dataEntrySize(DataOutput d) {
        return CodedOutputStream.computeStringSize(MAP_KEY, d.nodeId())
                + CodedOutputStream.computeStringSize(MAP_VALUE, d.json());
    }

    private static int audioBufferSize(AudioOutput a) {
        int n = a.lengthBytes() == 0 ? 0 : CodedOutputStream.computeTagSize(SAMPLES)
                + CodedOutputStream.computeUInt32SizeNoTag(a.lengthBytes()) + a.lengthBytes();
        if (a.sampleRate() != 0) {
            n += CodedOutputStream.computeUInt32Size(SAMPLE_RATE, a.sampleRate());
        }
        if (a.channels() != 0) {
            n += CodedOutputStream.computeUInt32Size(CHANNELS, a.channels());
        }
        int format = ProtoConvert.format(a.format()).getNumber();
        if (format != 0) {
            n += CodedOutputStream.computeEnumSize(FORMAT, format);
        }
        if (a.numSamples() != 0) {
            n += CodedOutputStream.computeUInt64Size(NUM_SAMPLES, a.numSamples());
        }
        return n;
    }

    private static void writeAudioBuffer(CodedOutputStream out, AudioOutput a) throws IOException {
        if (a.lengthBytes() > 0) { // proto3: empty bytes are left out, as the builder leaves them out
            out.writeTag(SAMPLES, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(a.lengthBytes());
            out.writeRawBytes(a.byteBuffer());
        }
        if (a.sampleRate() != 0) {
            out.writeUInt32(SAMPLE_RATE, a.sampleRate());
        }
        if (a.channels() != 0) {
            out.writeUInt32(CHANNELS, a.channels());
        }
        int format = ProtoConvert.format(a.format()).getNumber();
        if (format != 0) {
            out.writeEnum(FORMAT, format);
        }
        if (a.numSamples() != 0) {
            out.writeUInt64(NUM_SAMPLES, a.numSamples());
        }
    }
}
