package org.remotemedia.daemon;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * A signal the parent left ignored (nohup, {@code trap '' HUP}, some supervisors) is inherited
 * as ignored, and the JVM then silently declines to install a handler for it: SIGHUP would
 * never reload and SIGTERM never drain. {@link #restoreDefault} puts such a signal back to its
 * default with libc {@code signal(2)} through the FFM API, so the server's own handler can be
 * installed after it, as nginx and other daemons that give these signals a meaning do.
 *
 * <p>Stateless; called once, on the main thread, before the handlers are installed.
 */
final class InheritedSignals {
    private static final MethodHandle SIGNAL = lookup();

    private InheritedSignals() {
    }

    private static MethodHandle lookup() {
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("signal").map(a -> linker.downcallHandle(a,
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS)))
                    .orElse(null);
        } catch (Throwable t) { // no native access granted, or no libc
            return null;
        }
    }

    /** Sets {@code signo}'s disposition to SIG_DFL (0); false if that was not possible. */
    static boolean restoreDefault(int signo) {
        if (SIGNAL == null) {
            return false;
        }
        try {
            MemorySegment previous = (MemorySegment) SIGNAL.invokeExact(signo, MemorySegment.NULL);
            return previous.address() != -1L; // SIG_ERR
        } catch (Throwable t) {
            return false;
        }
    }
}
