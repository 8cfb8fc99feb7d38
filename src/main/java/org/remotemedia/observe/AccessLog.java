package org.remotemedia.observe;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.remotemedia.json.Json;

/**
 * The access log: one JSON line per finished call ({@code "event":"access"}), written off the
 * event loops. A call's end puts one small entry into a bounded lock-free queue (one CAS);
 * a writer thread formats the entries and writes them in batches, one {@code write} per batch,
 * through the same stdout stream as {@link JsonLog} (each write holds whole lines, so stdout
 * stays one JSON object per line). When the queue is full the entry is dropped and counted
 * ({@code remotemedia_access_log_dropped_total}): a slow stdout never blocks an event loop.
 *
 * <p>Threads: {@link #log} from any thread (event loops); one writer thread ("rm-access-log");
 * {@link #setEnabled} from the reload path.
 */
public final class AccessLog implements AutoCloseable {
    /**
     * One finished call. Strings are the call's own (no copies); numbers -1 when not applicable;
     * {@code httpStatus} 200 for every gRPC answer, else the HTTP status of a refused request.
     */
    record Entry(long epochMillis, String requestId, String method, String peer, String identity, String code,
            long durationNanos, long bytesIn, long bytesOut, String pipeline, int nodes, long chunksIn, long chunksOut,
            int httpStatus) {
    }

    private static final long MIN_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final ManyToOneConcurrentArrayQueue<Entry> queue;
    private final PrintStream out;
    private final CounterDataPoint dropped;
    private final CounterDataPoint written;
    private final Thread writer;
    private final int wakeAt; // queued lines that wake the writer: a quarter of the queue
    private final StringBuilder sb = new StringBuilder(16 * 1024); // writer thread only
    private long cachedSecond = Long.MIN_VALUE; // writer thread only: the second whose text is cached
    private String cachedSecondText = "";
    private volatile boolean enabled;
    private volatile boolean closing;

    public AccessLog(PrintStream out, int queueLines, boolean enabled, Metrics metrics) {
        this.queue = new ManyToOneConcurrentArrayQueue<>(queueLines);
        this.wakeAt = Math.max(1, queue.capacity() / 4);
        this.out = out;
        this.enabled = enabled;
        this.dropped = metrics.counter("access_log_dropped", "access log lines dropped because the queue was full"
                + " (stdout slower than the calls)").labelValues();
        this.written = metrics.counter("access_log_lines", "access log lines written").labelValues();
        this.writer = new Thread(this::run, "rm-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** Turns the log on or off (logging.access, reloadable). */
    public void setEnabled(boolean on) {
        enabled = on;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Queues one line; never blocks. {@code pipeline} may be null, the counts -1. */
    public void log(String requestId, String method, String peer, String identity, String code, long durationNanos,
            long bytesIn, long bytesOut, String pipeline, int nodes, long chunksIn, long chunksOut) {
        if (!enabled) {
            return;
        }
        offer(new Entry(System.currentTimeMillis(), requestId, method, peer, identity, code, durationNanos,
                bytesIn, bytesOut, pipeline, nodes, chunksIn, chunksOut, 200));
    }

    /**
     * Queues the line of a request the transport refused before any method ran (unknown path,
     * bad headers, not POST, ...): no identity, no bytes; {@code httpStatus} is written when it
     * is not 200. Never blocks.
     */
    public void logRefused(String requestId, String path, String peer, int httpStatus, String code,
            long durationNanos) {
        if (!enabled) {
            return;
        }
        offer(new Entry(System.currentTimeMillis(), requestId, path, peer, null, code, durationNanos, 0, 0, null, -1,
                -1, -1, httpStatus));
    }

    private void offer(Entry e) {
        if (!queue.offer(e)) {
            dropped.inc();
        } else if (queue.size() >= wakeAt) {
            LockSupport.unpark(writer); // filling faster than the writer's back-off: wake it before lines drop
        }
    }

    /** Lines dropped so far. */
    public long dropped() {
        return (long) dropped.get();
    }

    /**
     * The writer sleeps longer while the lines come slowly, so that at low rates one write and
     * one wake-up carry many lines (at one call at a time a line per wake-up cost about 25 us of
     * CPU per call, more than its formatting); a queue a quarter full wakes it at once.
     */
    private void run() {
        long park = MIN_PARK_NANOS;
        while (true) {
            int n = drain();
            if (n >= wakeAt) {
                park = MIN_PARK_NANOS;
                continue;
            }
            if (closing) {
                if (drain() == 0) {
                    return;
                }
                continue;
            }
            LockSupport.parkNanos(park);
            park = Math.min(MAX_PARK_NANOS, park * 2);
        }
    }

    /** Formats and writes what is queued, in one write per up to 16 KiB. */
    private int drain() {
        int n = 0;
        Entry e;
        while ((e = queue.poll()) != null) {
            format(e);
            n++;
            if (sb.length() >= 16 * 1024) {
                flush();
            }
        }
        if (sb.length() > 0) {
            flush();
        }
        if (n > 0) {
            written.inc(n);
        }
        return n;
    }

    private void flush() {
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        sb.setLength(0);
        out.write(bytes, 0, bytes.length); // whole lines in one write: never interleaved with JsonLog's
        out.flush();
    }

    private void format(Entry e) {
        sb.append("{\"ts\":\"");
        appendTimestamp(e.epochMillis());
        sb.append("\",\"level\":\"info\",\"event\":\"access\"");
        sb.append(",\"request_id\":");
        Json.string(sb, e.requestId());
        sb.append(",\"method\":");
        Json.string(sb, e.method());
        sb.append(",\"peer\":");
        Json.string(sb, e.peer());
        sb.append(",\"identity\":");
        if (e.identity() == null) {
            sb.append("null");
        } else {
            Json.string(sb, e.identity());
        }
        sb.append(",\"code\":\"").append(e.code()).append("\",\"duration_us\":").append(e.durationNanos() / 1000)
                .append(",\"bytes_in\":").append(e.bytesIn()).append(",\"bytes_out\":").append(e.bytesOut());
        if (e.pipeline() != null || e.nodes() >= 0) {
            sb.append(",\"pipeline\":");
            if (e.pipeline() == null) {
                sb.append("null");
            } else {
                Json.string(sb, e.pipeline());
            }
            sb.append(",\"nodes\":").append(e.nodes());
        }
        if (e.chunksIn() >= 0) {
            sb.append(",\"chunks_in\":").append(e.chunksIn()).append(",\"chunks_out\":").append(e.chunksOut());
        }
        if (e.httpStatus() != 200) {
            sb.append(",\"http_status\":").append(e.httpStatus());
        }
        sb.append("}\n");
    }

    /**
     * ISO-8601 UTC with milliseconds, e.g. {@code 2026-12-07T15:16:17.045Z}. The date and time of
     * day are formatted once per second; java.time's formatter per line was the writer's largest
     * cost and a large compile.
     */
    private void appendTimestamp(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        if (second != cachedSecond) {
            String t = Instant.ofEpochSecond(second).toString(); // 2026-12-07T15:16:17Z
            cachedSecondText = t.substring(0, t.length() - 1);
            cachedSecond = second;
        }
        int ms = (int) Math.floorMod(epochMillis, 1000);
        sb.append(cachedSecondText).append('.').append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10))
                .append((char) ('0' + ms % 10)).append('Z');
    }

    /** Writes what is queued and stops the writer. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(5000);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
