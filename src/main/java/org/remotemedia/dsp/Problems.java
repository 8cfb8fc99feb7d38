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
 * <p>Not thread-safe; used by one thread during validation.
 */
public final class Problems {
    /** One problem: where (JSON pointer) and what (message says the allowed values and what to do). */
    public record Problem(String path, String message) {
    }

    private final List<Problem> list;
    private final String prefix;

    public Problems() {
        this(new ArrayList<>(), "");
    }

    private Problems(List<Problem> list, String prefix) {
        this.list = list;
        this.prefix = prefix;
    }

    /** A view sharing this list whose paths start with {@code prefix}. */
    public Problems at(String prefix) {
        return new Problems(list, this.prefix + prefix);
    }

    public void add(String path, String message) {
        list.add(new Problem(prefix + path, message));
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public int size() {
        return list.size();
    }

    public List<Problem> list() {
        return Collections.unmodifiableList(list);
    }

    /** Escapes a JSON-pointer token (RFC 6901: ~ as ~0, / as ~1). */
    public static String token(String s) {
        return s.replace("~", "~0").replace("/", "~1");
    }
}
