package org.remotemedia.observe;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.remotemedia.json.Json;

/**
 * JSON lines: one object per event, {@code {"ts":..,"level":..,"event":..,"request_id":..,...}}.
 * Events are rare (connection, call failure, start-up), never per message on the hot path; but a
 * hostile client can make them frequent (a refused request, a broken connection, each a line).
 *
 * <p>The daemon's log ({@link #stdout}) is asynchronous: a caller formats its line and puts it
 * into a bounded lock-free queue, and the writer thread ("rm-log") writes whole lines in batches.
 * So an event loop never blocks on a slow or stuck stdout (a full pipe, a throttled journal);
 * when the queue is full the line is dropped and counted ({@link #dropped}). {@link #close}
 * writes what is queued. A log made with the constructor writes each line on the caller's
 * thread (tests and tools, where a line must be visible as soon as the call returns).
 *
 * <p>Thread-safe: any thread may log; each line is written whole, in one write.
 */
public final class JsonLog implements AutoCloseable {
    /** Severity, lowest first. */
    public enum Level {
        DEBUG, INFO, WARN, ERROR;

        /** A level as logging.level writes it ("info", any case). */
        public static Level of(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT));
        }
    }

    /** Lines the asynchronous log holds for its writer before it drops. */
    static final int QUEUE_LINES = 8192;
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final PrintStream out;
    private volatile Level threshold;
    private final ManyToOneConcurrentArrayQueue<String> queue; // null: written by the caller
    private final Thread writer;
    private final LongAdder dropped = new LongAdder();
    private volatile boolean closing;
    private volatile boolean writerDone; // after close(): lines are written by their callers again

    /** A log that writes each line on the caller's thread. */
    public JsonLog(PrintStream out, Level threshold) {
        this.out = out;
        this.threshold = threshold;
        this.queue = null;
        this.writer = null;
    }

    private JsonLog(PrintStream out, Level threshold, int queueLines) {
        this.out = out;
        this.threshold = threshold;
        this.queue = new ManyToOneConcurrentArrayQueue<>(queueLines);
        this.writer = new Thread(this::run, "rm-log");
        writer.setDaemon(true);
        writer.start();
    }

    /** A log whose callers never wait for {@code out}: lines go through a queue of {@code queueLines} to a writer thread. */
    public static JsonLog asynchronous(PrintStream out, Level threshold, int queueLines) {
        return new JsonLog(out, threshold, queueLines);
    }

    /** {@code t}'s stack trace as text, for a log field (never for a client, unless debug errors are on). */
    public static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    /** Writes nothing (the daemon's throw-away warm-up services, tests). */
    public static JsonLog silent() {
        return new JsonLog(new PrintStream(java.io.OutputStream.nullOutputStream()), Level.ERROR);
    }

    /** The daemon's log: asynchronous, to stdout. Close it before the process exits. */
    public static JsonLog stdout(String level) {
        return asynchronous(System.out, Level.of(level), QUEUE_LINES);
    }

    /** Lines dropped because the writer's queue was full (always 0 for a log that writes on the caller's thread). */
    public long dropped() {
        return dropped.sum();
    }

    /** The stream lines go to (the access log writes whole lines to it too). */
    public PrintStream out() {
        return out;
    }

    public Level level() {
        return threshold;
    }

    /** Changes the threshold (logging.level, reloadable). */
    public void setLevel(Level level) {
        threshold = level;
    }

    public boolean enabled(Level level) {
        return level.compareTo(threshold) >= 0;
    }

    public void debug(String event, String requestId, Object... keyValues) {
        log(Level.DEBUG, event, requestId, keyValues);
    }

    public void info(String event, String requestId, Object... keyValues) {
        log(Level.INFO, event, requestId, keyValues);
    }

    public void warn(String event, String requestId, Object... keyValues) {
        log(Level.WARN, event, requestId, keyValues);
    }

    public void error(String event, String requestId, Object... keyValues) {
        log(Level.ERROR, event, requestId, keyValues);
    }

    /** {@code keyValues} alternate key, value; values may be strings, numbers, booleans or null. */
    public void log(Level level, String event, String requestId, Object... keyValues) {
        if (!enabled(level)) {
            return;
        }
        StringBuilder sb = new StringBuilder(128);
        sb.append("{\"ts\":\"").append(Instant.now()).append("\",\"level\":\"")
                .append(level.name().toLowerCase(java.util.Locale.ROOT)).append("\",\"event\":");
        Json.string(sb, event);
        if (requestId != null) {
            sb.append(",\"request_id\":");
            Json.string(sb, requestId);
        }
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            sb.append(',');
            Json.string(sb, String.valueOf(keyValues[i]));
            sb.append(':');
            Object v = keyValues[i + 1];
            if (v == null) {
                sb.append("null");
            } else if (v instanceof Number || v instanceof Boolean) {
                sb.append(v);
            } else {
                Json.string(sb, v.toString());
            }
        }
        sb.append('}');
        if (queue == null || writerDone) {
            out.println(sb);
        } else if (queue.offer(sb.append('\n').toString())) {
            LockSupport.unpark(writer);
            if (writerDone) { // close() ran meanwhile: nobody else will take it
                writeLeftovers();
            }
        } else {
            dropped.increment();
        }
    }

    /** The writer: everything queued in one write, then a park until the next line's unpark. */
    private void run() {
        StringBuilder batch = new StringBuilder(4096);
        while (!writerDone) { // a writer still stuck in a write when close() gave up stops here
            synchronized (this) { // the queue has one consumer at a time: this thread or writeLeftovers
                String line;
                while ((line = queue.poll()) != null) {
                    batch.append(line);
                }
            }
            if (batch.length() > 0) {
                byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
                batch.setLength(0);
                out.write(bytes, 0, bytes.length); // whole lines in one write: never interleaved with the access log's
                out.flush();
                continue;
            }
            if (closing) {
                return;
            }
            LockSupport.parkNanos(MAX_PARK_NANOS);
        }
    }

    /** Writes what is queued and stops the writer (no-op for a log that writes on the caller's thread). */
    @Override
    public void close() {
        if (writer == null) {
            out.flush();
            return;
        }
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        writerDone = true;
        writeLeftovers(); // queued between the writer's last look and writerDone
    }

    /** After the writer stopped: the queue's single consumer is whoever holds this lock. */
    private synchronized void writeLeftovers() {
        String late;
        while ((late = queue.poll()) != null) {
            out.print(late);
        }
        out.flush();
    }
}
