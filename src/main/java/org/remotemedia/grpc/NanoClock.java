package org.remotemedia.grpc;

/**
 * Monotonic time in nanoseconds, handed to the code that measures or decides by time so its
 * tests can drive time by hand instead of sleeping.
 */
@FunctionalInterface
public interface NanoClock {
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
