package org.remotemedia.client;

/**
 * Audio the client refuses before anything is sent: a sample count that is not a whole number of
 * frames, bytes that do not fit the sample format, a rate or channel count that is not positive,
 * or a format the protocol does not have. The message says what is wrong and how to fix it.
 */
public final class InvalidAudioException extends RemoteMediaException {
    private static final long serialVersionUID = 1L;

    public InvalidAudioException(String message) {
        super(message, null);
    }
}
