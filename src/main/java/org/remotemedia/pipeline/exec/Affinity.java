package org.remotemedia.pipeline.exec;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Pins the calling thread to one CPU with Linux {@code sched_setaffinity(0, size, mask)} through
 * the FFM API (java.lang.foreign). Off Linux, or if libc lacks the call, {@link #available()}
 * is false and pinning reports failure instead of throwing.
 *
 * <p>Stateless; each thread pins itself.
 */
public final class Affinity {
    /** cpu_set_t of glibc: 1024 bits. */
    static final int CPU_SET_BYTES = 128;

    private static final MethodHandle SET_AFFINITY;
    private static final MethodHandle GET_AFFINITY;

    static {
        MethodHandle set = null;
        MethodHandle get = null;
        try {
            if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                FunctionDescriptor fd = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_LONG, ValueLayout.ADDRESS);
                set = libc.find("sched_setaffinity").map(a -> linker.downcallHandle(a, fd)).orElse(null);
                get = libc.find("sched_getaffinity").map(a -> linker.downcallHandle(a, fd)).orElse(null);
            }
        } catch (Throwable t) { // no native access granted, unsupported platform
            set = null;
            get = null;
        }
        SET_AFFINITY = set;
        GET_AFFINITY = get;
    }

    private Affinity() {
    }

    public static boolean available() {
        return SET_AFFINITY != null && GET_AFFINITY != null;
    }

    /** Pins the calling thread to {@code cpu}; true on success. */
    public static boolean pinCurrentThread(int cpu) {
        if (!available() || cpu < 0 || cpu >= CPU_SET_BYTES * 8) {
            return false;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CPU_SET_BYTES, 8);
            mask.set(ValueLayout.JAVA_BYTE, cpu / 8, (byte) (1 << (cpu % 8)));
            return (int) SET_AFFINITY.invokeExact(0, (long) CPU_SET_BYTES, mask) == 0;
        } catch (Throwable t) {
            return false;
        }
    }

    /** The CPUs the calling thread may run on (bit i = CPU i, first 64 CPUs), or -1 if unknown. */
    public static long currentMask() {
        if (!available()) {
            return -1;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(CPU_SET_BYTES, 8);
            if ((int) GET_AFFINITY.invokeExact(0, (long) CPU_SET_BYTES, mask) != 0) {
                return -1;
            }
            return mask.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** The CPUs the calling thread may run on now, in increasing order (all of them if unknown). */
    public static int[] allowedCpus() {
        long m = currentMask();
        if (m == -1 || m == 0) {
            int n = Runtime.getRuntime().availableProcessors();
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] cpus = new int[Long.bitCount(m)];
        int k = 0;
        for (int i = 0; i < 64; i++) {
            if ((m & (1L << i)) != 0) {
                cpus[k++] = i;
            }
        }
        return cpus;
    }
}
