package org.remotemedia.dsp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Collects every problem found while checking a manifest, its params or its inputs, each with
 * a JSON-pointer path, so the caller can report them all at once. {@link #at(String)} gives a
 * view that prefixes paths (a node type reports {@code /params/gain}; the pipeline sees
 * {@code /nodes/2/params/gain}).
 *
 * <p>All are counted, but only the first {@link #MAX_LISTED} are kept: a small request with a
 * thousand broken nodes must not make the server build a megabyte of error text.
 *
 * <p>Not thread-safe; used by one thread during validation.
 */
public final class Problems {
    /** One problem: where (JSON pointer) and what (message says the allowed values and what to do). */
    public record Problem(String path, String message) {
    }

    /** Problems kept (and reported) at most; the rest are only counted. */
    public static final int MAX_LISTED = 50;

    /** Shared by a collection and its views. */
    private static final class Found {
        final List<Problem> listed = new ArrayList<>();
        int count;
    }

    private final Found found;
    private final String prefix;

    public Problems() {
        this(new Found(), "");
    }

    private Problems(Found found, String prefix) {
        this.found = found;
        this.prefix = prefix;
    }

    /** A view sharing this collection whose paths start with {@code prefix}. */
    public Problems at(String prefix) {
        return new Problems(found, this.prefix + prefix);
    }

    public void add(String path, String message) {
        found.count++;
        if (found.listed.size() < MAX_LISTED) {
            found.listed.add(new Problem(prefix + path, message));
        }
    }

    /** Whether the next problem will be listed: skip the work of a detailed message when it will not. */
    public boolean willList() {
        return found.listed.size() < MAX_LISTED;
    }

    public boolean isEmpty() {
        return found.count == 0;
    }

    /** Every problem found, listed or not. */
    public int size() {
        return found.count;
    }

    /** The first {@link #MAX_LISTED} problems. */
    public List<Problem> list() {
        return Collections.unmodifiableList(found.listed);
    }

    /** Problems found but not listed. */
    public int omitted() {
        return found.count - found.listed.size();
    }

    /** Escapes a JSON-pointer token (RFC 6901: ~ as ~0, / as ~1). */
    public static String token(String s) {
        return s.replace("~", "~0").replace("/", "~1");
    }
}
