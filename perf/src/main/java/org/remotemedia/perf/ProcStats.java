package org.remotemedia.perf;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * What the benchmarks read about processes from Linux: a process's CPU time from
 * {@code /proc/<pid>/stat} (all its threads), this JVM's own CPU time, and the load average.
 * Stateless; any thread.
 */
final class ProcStats {
    /** Clock ticks per second (USER_HZ), the unit of /proc's CPU times; asked of getconf once. */
    static final long CLOCK_TICKS = clockTicks();

    private ProcStats() {
    }

    /** {utime, stime} of process {@code pid}, in clock ticks. */
    static long[] cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // after "pid (comm) ": state is f[0]; utime and stime are fields 14 and 15 of the line
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    /** utime + stime of process {@code pid} in nanoseconds, or -1 where there is no /proc. */
    static long cpuNanos(long pid) {
        try {
            long[] t = cpuTicks(pid);
            return (t[0] + t[1]) * (1_000_000_000L / CLOCK_TICKS);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Resident set size of process {@code pid} in bytes (VmRSS), or -1 where there is no /proc. */
    static long rssBytes(long pid) {
        return statusKb(pid, "VmRSS:");
    }

    /** Peak resident set size of process {@code pid} in bytes (VmHWM), or -1. */
    static long peakRssBytes(long pid) {
        return statusKb(pid, "VmHWM:");
    }

    /** Open file descriptors of process {@code pid} (its sockets among them), or -1. */
    static long openFds(long pid) {
        String[] fds = new java.io.File("/proc/" + pid + "/fd").list();
        return fds == null ? -1 : fds.length;
    }

    private static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]) * 1024;
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU time of this JVM (all its threads: the load generator, JIT, GC). */
    static long selfCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** /proc/loadavg as one line, or "n/a". */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return Long.parseLong(s);
        } catch (IOException | RuntimeException e) {
            return 100; // Linux's USER_HZ on every common architecture
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
