package org.remotemedia.service;

import static com.google.protobuf.CodedOutputStream.computeDoubleSize;
import static com.google.protobuf.CodedOutputStream.computeEnumSize;
import static com.google.protobuf.CodedOutputStream.computeStringSize;
import static com.google.protobuf.CodedOutputStream.computeTagSize;
import static com.google.protobuf.CodedOutputStream.computeUInt32Size;
import static com.google.protobuf.CodedOutputStream.computeUInt32SizeNoTag;
import static com.google.protobuf.CodedOutputStream.computeUInt64Size;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.remotemedia.grpc.MessageEncoder;
import org.remotemedia.pipeline.AudioOutput;
import org.remotemedia.pipeline.ExecutionResult;
import org.remotemedia.pipeline.NodeMetrics;
import org.remotemedia.proto.v1.ExecutionStatus;
import org.remotemedia.proto.v1.NodeStatus;

/**
 * Writes a successful {@code ExecuteResponse} straight from the engine's result into the
 * transport's buffer, without protobuf builders: the same bytes protobuf's generated code writes
 * for the message ExecuteHandler used to build (field order, proto3 defaults left out, map
 * entries with key and value, entries in the result's order), which ExecuteResponseWriterTest
 * checks byte for byte. Sinks' samples are copied once, off-heap to off-heap.
 *
 * <p>Stateless and shared; a {@link Response} is filled and sent by one thread, and the
 * transport encodes it before {@code sendMessage} returns.
 */
final class ExecuteResponseWriter implements MessageEncoder<ExecuteResponseWriter.Response> {
    static final ExecuteResponseWriter INSTANCE = new ExecuteResponseWriter();

    private static final int LEN = WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private ExecuteResponseWriter() {
    }

    /** What goes into the response besides the result itself: per node, its output_metadata; the call's figures. */
    static final class Response {
        ExecutionResult result;
        String[] outputMetadata = new String[8];
        long memoryUsedBytes;
        double serializationTimeMs;
        double wallTimeMs;
        double cpuTimeMs;

        /** Room for {@code nodes} metadata strings. */
        String[] metadata(int nodes) {
            if (outputMetadata.length < nodes) {
                outputMetadata = new String[Math.max(nodes, outputMetadata.length * 2)];
            }
            return outputMetadata;
        }

        /** Drops the references (the result is closed after sending). */
        void clear() {
            result = null;
            java.util.Arrays.fill(outputMetadata, null);
        }
    }

    @Override
    public int serializedSize(Response r) {
        return lengthDelimitedSize(1, resultSize(r));
    }

    @Override
    public void encode(Response r, ByteBuffer dst) {
        CodedOutputStream out = CodedOutputStream.newInstance(dst);
        try {
            out.writeTag(1, LEN); // ExecuteResponse.result
            out.writeUInt32NoTag(resultSize(r));
            writeResult(out, r);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ExecutionResult: audio_outputs 1, data_outputs 2, metrics 3, node_results 4, status 5

    private static int resultSize(Response r) {
        ExecutionResult res = r.result;
        int size = 0;
        List<AudioOutput> audio = res.audioOutputList();
        for (int i = 0; i < audio.size(); i++) {
            size += lengthDelimitedSize(1, audioEntrySize(audio.get(i)));
        }
        if (!res.dataOutputs().isEmpty()) {
            for (Map.Entry<String, String> e : res.dataOutputs().entrySet()) {
                size += lengthDelimitedSize(2, stringEntrySize(e.getKey(), e.getValue()));
            }
        }
        size += lengthDelimitedSize(3, metricsSize(r));
        List<NodeMetrics> nodes = res.nodeMetrics();
        for (int i = 0; i < nodes.size(); i++) {
            size += lengthDelimitedSize(4, nodeResultSize(nodes.get(i), r.outputMetadata[i]));
        }
        return size + computeEnumSize(5, ExecutionStatus.EXECUTION_STATUS_SUCCESS_VALUE);
    }

    private static void writeResult(CodedOutputStream out, Response r) throws IOException {
        ExecutionResult res = r.result;
        List<AudioOutput> audio = res.audioOutputList();
        for (int i = 0; i < audio.size(); i++) {
            AudioOutput a = audio.get(i);
            out.writeTag(1, LEN);
            out.writeUInt32NoTag(audioEntrySize(a));
            out.writeString(1, a.nodeId());
            out.writeTag(2, LEN);
            out.writeUInt32NoTag(audioBufferSize(a));
            writeAudioBuffer(out, a);
        }
        if (!res.dataOutputs().isEmpty()) {
            for (Map.Entry<String, String> e : res.dataOutputs().entrySet()) {
                out.writeTag(2, LEN);
                out.writeUInt32NoTag(stringEntrySize(e.getKey(), e.getValue()));
                out.writeString(1, e.getKey());
                out.writeString(2, e.getValue());
            }
        }
        out.writeTag(3, LEN);
        out.writeUInt32NoTag(metricsSize(r));
        writeMetrics(out, r);
        List<NodeMetrics> nodes = res.nodeMetrics();
        for (int i = 0; i < nodes.size(); i++) {
            NodeMetrics nm = nodes.get(i);
            out.writeTag(4, LEN);
            out.writeUInt32NoTag(nodeResultSize(nm, r.outputMetadata[i]));
            writeNodeResult(out, nm, r.outputMetadata[i]);
        }
        out.writeEnum(5, ExecutionStatus.EXECUTION_STATUS_SUCCESS_VALUE);
    }

    // map<string, AudioBuffer> entry: key 1, value 2 (both always written, as protobuf's MapEntry does)

    private static int audioEntrySize(AudioOutput a) {
        return computeStringSize(1, a.nodeId()) + lengthDelimitedSize(2, audioBufferSize(a));
    }

    // AudioBuffer: samples 1, sample_rate 2, channels 3, format 4, num_samples 5

    private static int audioBufferSize(AudioOutput a) {
        int size = a.lengthBytes() == 0 ? 0 : lengthDelimitedSize(1, a.lengthBytes());
        if (a.sampleRate() != 0) {
            size += computeUInt32Size(2, a.sampleRate());
        }
        if (a.channels() != 0) {
            size += computeUInt32Size(3, a.channels());
        }
        size += computeEnumSize(4, ProtoConvert.format(a.format()).getNumber());
        if (a.numSamples() != 0) {
            size += computeUInt64Size(5, a.numSamples());
        }
        return size;
    }

    private static void writeAudioBuffer(CodedOutputStream out, AudioOutput a) throws IOException {
        if (a.lengthBytes() != 0) {
            out.writeTag(1, LEN);
            out.writeUInt32NoTag(a.lengthBytes());
            out.writeRawBytes(a.byteBuffer()); // off-heap to off-heap
        }
        if (a.sampleRate() != 0) {
            out.writeUInt32(2, a.sampleRate());
        }
        if (a.channels() != 0) {
            out.writeUInt32(3, a.channels());
        }
        out.writeEnum(4, ProtoConvert.format(a.format()).getNumber()); // never UNSPECIFIED (0) for an output
        if (a.numSamples() != 0) {
            out.writeUInt64(5, a.numSamples());
        }
    }

    private static int stringEntrySize(String key, String value) {
        return computeStringSize(1, key) + computeStringSize(2, value);
    }

    // ExecutionMetrics: wall_time_ms 1, cpu_time_ms 2, memory_used_bytes 3, node_metrics 4, serialization_time_ms 5

    private static int metricsSize(Response r) {
        int size = doubleSize(1, r.wallTimeMs) + doubleSize(2, r.cpuTimeMs);
        if (r.memoryUsedBytes != 0) {
            size += computeUInt64Size(3, r.memoryUsedBytes);
        }
        List<NodeMetrics> nodes = r.result.nodeMetrics();
        for (int i = 0; i < nodes.size(); i++) {
            size += lengthDelimitedSize(4, nodeMetricsEntrySize(nodes.get(i)));
        }
        return size + doubleSize(5, r.serializationTimeMs);
    }

    private static void writeMetrics(CodedOutputStream out, Response r) throws IOException {
        writeDouble(out, 1, r.wallTimeMs);
        writeDouble(out, 2, r.cpuTimeMs);
        if (r.memoryUsedBytes != 0) {
            out.writeUInt64(3, r.memoryUsedBytes);
        }
        List<NodeMetrics> nodes = r.result.nodeMetrics();
        for (int i = 0; i < nodes.size(); i++) {
            NodeMetrics nm = nodes.get(i);
            out.writeTag(4, LEN);
            out.writeUInt32NoTag(nodeMetricsEntrySize(nm));
            out.writeString(1, nm.nodeId());
            out.writeTag(2, LEN);
            out.writeUInt32NoTag(nodeMetricsSize(nm));
            writeDouble(out, 1, nm.executionTimeMs());
            if (nm.memoryBytes() != 0) {
                out.writeUInt64(2, nm.memoryBytes());
            }
            if (nm.samplesProcessed() != 0) {
                out.writeUInt64(3, nm.samplesProcessed());
            }
            if (hasText(nm.customMetricsJson())) {
                out.writeString(4, nm.customMetricsJson());
            }
        }
        writeDouble(out, 5, r.serializationTimeMs);
    }

    private static int nodeMetricsEntrySize(NodeMetrics nm) {
        return computeStringSize(1, nm.nodeId()) + lengthDelimitedSize(2, nodeMetricsSize(nm));
    }

    // NodeMetrics: execution_time_ms 1, memory_bytes 2, samples_processed 3, custom_metrics 4

    private static int nodeMetricsSize(NodeMetrics nm) {
        int size = doubleSize(1, nm.executionTimeMs());
        if (nm.memoryBytes() != 0) {
            size += computeUInt64Size(2, nm.memoryBytes());
        }
        if (nm.samplesProcessed() != 0) {
            size += computeUInt64Size(3, nm.samplesProcessed());
        }
        if (hasText(nm.customMetricsJson())) {
            size += computeStringSize(4, nm.customMetricsJson());
        }
        return size;
    }

    // NodeResult: node_id 1, status 2, error 3 (not on success), output_metadata 4

    private static int nodeResultSize(NodeMetrics nm, String metadata) {
        int size = hasText(nm.nodeId()) ? computeStringSize(1, nm.nodeId()) : 0;
        size += computeEnumSize(2, nodeStatus(nm.status()));
        return hasText(metadata) ? size + computeStringSize(4, metadata) : size;
    }

    private static void writeNodeResult(CodedOutputStream out, NodeMetrics nm, String metadata) throws IOException {
        if (hasText(nm.nodeId())) {
            out.writeString(1, nm.nodeId());
        }
        out.writeEnum(2, nodeStatus(nm.status())); // never UNSPECIFIED (0)
        if (hasText(metadata)) {
            out.writeString(4, metadata);
        }
    }

    /** The contract's NodeStatus value (a node without one ran: SUCCESS). */
    static int nodeStatus(NodeMetrics.NodeStatus s) {
        if (s == null) {
            return NodeStatus.NODE_STATUS_SUCCESS_VALUE;
        }
        return switch (s) {
            case SUCCESS -> NodeStatus.NODE_STATUS_SUCCESS_VALUE;
            case SKIPPED -> NodeStatus.NODE_STATUS_SKIPPED_VALUE;
            case FAILED -> NodeStatus.NODE_STATUS_FAILED_VALUE;
        };
    }

    private static boolean hasText(String s) {
        return s != null && !s.isEmpty();
    }

    /** proto3 leaves a double out when its bits are all zero (so -0.0 is written). */
    private static int doubleSize(int field, double v) {
        return Double.doubleToRawLongBits(v) != 0 ? computeDoubleSize(field, v) : 0;
    }

    private static void writeDouble(CodedOutputStream out, int field, double v) throws IOException {
        if (Double.doubleToRawLongBits(v) != 0) {
            out.writeDouble(field, v);
        }
    }

    private static int lengthDelimitedSize(int field, int length) {
        return computeTagSize(field) + computeUInt32SizeNoTag(length) + length;
    }
}
