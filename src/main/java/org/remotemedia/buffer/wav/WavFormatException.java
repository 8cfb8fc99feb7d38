package org.remotemedia.buffer.wav;

import java.io.IOException;

/** A WAV file this reader does not accept: says what was found, where, and what is supported. */
public final class WavFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public WavFormatException(String message) {
        super(message);
    }
}
