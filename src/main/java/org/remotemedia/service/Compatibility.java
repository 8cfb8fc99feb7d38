package org.remotemedia.service;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Version negotiation: which {@code client_version} values this server accepts. The matrix
 * below is the rule; docs/compatibility.md shows the same rows and {@code CompatibilityDocTest}
 * keeps the two equal.
 *
 * <p>A client version is {@code v<major>}, or semver {@code <major>.<minor>.<patch>} with an
 * optional leading {@code v} and optional pre-release / build suffixes
 * ({@code 1.2.3}, {@code v1.4.0}, {@code 1.0.0-rc.1+abc}), or {@code <major>.<minor>}. Only the
 * major number decides: the wire contract only grows within a major version (new fields and
 * methods get new numbers), so every 1.x client works with a v1 server.
 *
 * <p>Immutable; safe from any thread.
 */
public final class Compatibility {
    /** The protocol this server speaks. */
    public static final String PROTOCOL_VERSION = "v1";

    private static final Pattern VERSION = Pattern.compile(
            "^[vV]?(0|[1-9][0-9]{0,8})(?:\\.(0|[1-9][0-9]{0,8})(?:\\.(0|[1-9][0-9]{0,8}))?)?"
                    + "(?:-[0-9A-Za-z.-]+)?(?:\\+[0-9A-Za-z.-]+)?$");

    /** One row of the matrix: client majors {@code [fromMajor, toMajor]} (toMajor -1 = no upper bound). */
    public record Rule(String name, int fromMajor, int toMajor, boolean compatible, String message) {
        boolean matches(int major) {
            return major >= fromMajor && (toMajor < 0 || major <= toMajor);
        }
    }

    /**
     * The matrix, in the order docs/compatibility.md lists it. An empty client_version and an
     * unparseable one are handled before the rows (see {@link #negotiate}).
     */
    public static final List<Rule> MATRIX = List.of(
            new Rule("v0", 0, 0, false,
                    "pre-release protocol (0.x) clients predate the v1 contract: upgrade the client to a 1.x release"),
            new Rule("v1", 1, 1, true,
                    "compatible: the server speaks v1; every 1.x client works (new fields are ignored by older clients)"),
            new Rule("v2+", 2, -1, false,
                    "the client speaks a newer major protocol than this server: use a v1 client, or upgrade the server"));

    /** What {@link #negotiate} decided. */
    public record Verdict(String clientVersion, boolean compatible, boolean empty, String rule, String message) {
    }

    private Compatibility() {
    }

    /** Client versions this server accepts, for messages and GetVersion. */
    public static List<String> supportedVersions() {
        return List.of("v1", "1.x.y");
    }

    /** The version asked about last and its verdict: clients send the same one on every call. */
    private record Asked(String clientVersion, Verdict verdict) {
    }

    private static volatile Asked last = new Asked("", decide(""));

    /** Decides whether {@code clientVersion} may talk to this server, with a message that says why. */
    public static Verdict negotiate(String clientVersion) {
        String asked = clientVersion == null ? "" : clientVersion;
        Asked l = last;
        if (l.clientVersion.equals(asked)) {
            return l.verdict;
        }
        Verdict v = decide(asked);
        last = new Asked(asked, v);
        return v;
    }

    private static Verdict decide(String clientVersion) {
        String v = clientVersion.strip();
        if (v.isEmpty()) {
            return new Verdict("", true, true, "empty",
                    "no client_version given: accepted as v1 (set client_version, e.g. \"v1\" or \"1.0.0\", to be"
                            + " told about incompatibilities)");
        }
        Matcher m = VERSION.matcher(v);
        if (!m.matches()) {
            return new Verdict(v, false, false, "unparseable", "client_version \"" + clip(v) + "\" is not a version:"
                    + " expected \"v<major>\" or semver \"<major>.<minor>.<patch>\" (e.g. \"v1\", \"1.2.3\","
                    + " \"v1.4.0\"); this server supports " + supportedText());
        }
        int major = Integer.parseInt(m.group(1));
        for (Rule r : MATRIX) {
            if (r.matches(major)) {
                String msg = r.compatible()
                        ? "client_version \"" + v + "\" is " + r.message()
                        : "client_version \"" + v + "\" is not supported: " + r.message() + "; this server supports "
                                + supportedText();
                return new Verdict(v, r.compatible(), false, r.name(), msg);
            }
        }
        throw new IllegalStateException("the matrix covers every major version; " + major + " fell through");
    }

    static String supportedText() {
        return "protocol " + PROTOCOL_VERSION + " (client versions \"v1\" and \"1.x.y\")";
    }

    private static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
