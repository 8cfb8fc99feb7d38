package org.remotemedia.service.stream;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.GaugeDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import org.remotemedia.observe.LatencyRecorder;
import org.remotemedia.observe.Metrics;
import org.remotemedia.proto.v1.StreamErrorType;

/**
 * StreamPipeline's metrics on the metrics port (names {@code remotemedia_stream_*}): the
 * active-sessions gauge, sessions by how they ended, stream errors by type, chunks, and two
 * HdrHistogram recorders per chunk (server latency from the chunk's arrival on the event loop to
 * its result handed to the transport; engine time of the push). Data points are resolved once
 * here, so recording allocates nothing.
 *
 * <p>Thread-safe: event loops, DSP workers and the idle timer record.
 */
public final class StreamingMetrics {
    /** How a session ended (the {@code outcome} label). */
    public enum Outcome {
        /** COMMAND_CLOSE or a half-close: tail flushed, StreamClosed sent. */
        CLOSED,
        /** COMMAND_CANCEL: StreamClosed with the reason, nothing flushed. */
        CANCELLED,
        /** RST_STREAM, connection loss, deadline, drain: nothing more could be sent. */
        DISCONNECTED,
        /** streaming.idle_timeout_ms passed without a message. */
        TIMEOUT,
        /** A fatal stream error (init, execution, strict sequence, overflow) ended it. */
        FAILED,
        /** Refused at the start: streaming.max_sessions, admission, or the server draining. */
        REJECTED,
        /** The server began to drain: queued chunks processed, tail flushed, StreamClosed sent. */
        SHUTDOWN;

        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    private final GaugeDataPoint active;
    private final CounterDataPoint[] sessions = new CounterDataPoint[Outcome.values().length];
    private final CounterDataPoint[] errors = new CounterDataPoint[StreamErrorType.values().length];
    private final CounterDataPoint chunks;
    final LatencyRecorder chunk;
    final LatencyRecorder engine;

    public StreamingMetrics(Metrics metrics) {
        active = metrics.gauge("stream_sessions_active", "StreamPipeline sessions open now").labelValues();
        Counter s = metrics.counter("stream_sessions", "StreamPipeline sessions by how they ended", "outcome");
        for (Outcome o : Outcome.values()) {
            sessions[o.ordinal()] = s.labelValues(o.label);
        }
        Counter e = metrics.counter("stream_errors", "StreamResponse.error messages sent, by stream_error_type", "type");
        for (StreamErrorType t : StreamErrorType.values()) {
            if (t != StreamErrorType.UNRECOGNIZED) {
                errors[t.ordinal()] = e.labelValues(t.name());
            }
        }
        chunks = metrics.counter("stream_chunks", "audio chunks answered with a ChunkResult").labelValues();
        chunk = metrics.latency("stream_chunk",
                "StreamPipeline: chunk arrival on the event loop to its ChunkResult handed to the transport");
        engine = metrics.latency("stream_chunk_engine", "StreamPipeline: engine time of one chunk (session push)");
    }

    void opened() {
        active.inc();
    }

    void ended(Outcome o) {
        active.dec();
        sessions[o.ordinal()].inc();
    }

    void rejected() {
        sessions[Outcome.REJECTED.ordinal()].inc();
    }

    void error(StreamErrorType t) {
        errors[t.ordinal()].inc();
    }

    void chunk() {
        chunks.inc();
    }

    /** Sessions open now (the gauge's value). */
    public long active() {
        return (long) active.get();
    }

    /** Sessions that ended with {@code o} so far. */
    public long sessions(Outcome o) {
        return (long) sessions[o.ordinal()].get();
    }

    /** Stream errors of type {@code t} sent so far. */
    public long errors(StreamErrorType t) {
        return (long) errors[t.ordinal()].get();
    }
}
