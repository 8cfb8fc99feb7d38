package org.remotemedia.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.remotemedia.config.ConfigException;
import org.remotemedia.config.ServerConfig;

/**
 * Bearer-token authentication: the tokens of {@code auth.tokens} and {@code auth.tokens_file}
 * (one token per line; blank lines and lines starting with {@code #} ignored), checked against
 * a call's {@code authorization: Bearer <token>} header. Tokens are kept only as SHA-256
 * digests and compared in constant time, so neither memory dumps nor timing give them away.
 * With no token configured authentication is off and every call passes.
 *
 * <p>Immutable after construction; {@link #check} is safe from any thread (event loops call it
 * for every call: one digest, no allocation beyond it).
 */
public final class TokenAuthenticator {
    /** The outcome of a check. */
    public enum Outcome { OK, MISSING, MALFORMED, INVALID }

    /** An outcome and, for failures, the message the client sees (which problem, and how to fix it). */
    public record Verdict(Outcome outcome, String message) {
        public boolean ok() {
            return outcome == Outcome.OK;
        }
    }

    private static final Verdict OK = new Verdict(Outcome.OK, "");
    private static final String HOW = "send the metadata header 'authorization: Bearer <token>' with a token the"
            + " server accepts (the server's tokens are configured with auth.tokens or auth.tokens_file;"
            + " ask its operator for one)";
    private static final Verdict MISSING = new Verdict(Outcome.MISSING,
            "missing bearer token: this server requires authentication; " + HOW);
    private static final Verdict MALFORMED = new Verdict(Outcome.MALFORMED,
            "malformed authorization header: expected 'Bearer <token>'; " + HOW);
    private static final Verdict INVALID = new Verdict(Outcome.INVALID,
            "invalid bearer token: the token was not accepted (wrong, revoked or mistyped); " + HOW);

    private final byte[][] digests;

    private TokenAuthenticator(List<String> tokens) {
        this.digests = new byte[tokens.size()][];
        for (int i = 0; i < digests.length; i++) {
            digests[i] = sha256(tokens.get(i));
        }
    }

    /** From the {@code auth} settings; reads the tokens file once. */
    public static TokenAuthenticator from(ServerConfig.Auth auth) {
        List<String> tokens = new ArrayList<>();
        for (String t : auth.tokens()) {
            if (!t.isBlank()) {
                tokens.add(t.strip());
            }
        }
        if (auth.tokensFile() != null) {
            tokens.addAll(readFile(auth.tokensFile()));
        }
        return new TokenAuthenticator(tokens);
    }

    public static TokenAuthenticator of(String... tokens) {
        return new TokenAuthenticator(List.of(tokens));
    }

    static List<String> readFile(Path file) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    out.add(t);
                }
            }
        } catch (IOException e) {
            throw new ConfigException(List.of("auth.tokens_file: cannot read " + file + " (" + e.getMessage()
                    + "): give a readable file with one token per line, or unset auth.tokens_file"));
        }
        if (out.isEmpty()) {
            throw new ConfigException(List.of("auth.tokens_file: " + file + " holds no token: add one token per line, or unset"
                    + " auth.tokens_file to turn authentication off"));
        }
        return out;
    }

    /** True when at least one token is configured. */
    public boolean enabled() {
        return digests.length > 0;
    }

    public int tokenCount() {
        return digests.length;
    }

    /** Checks the value of the {@code authorization} header (null when absent). */
    public Verdict check(String authorization) {
        if (digests.length == 0) {
            return OK;
        }
        if (authorization == null || authorization.isBlank()) {
            return MISSING;
        }
        String v = authorization.strip();
        if (v.equalsIgnoreCase("Bearer")) {
            return MISSING; // the scheme without a token
        }
        if (v.length() < 7 || !v.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return MALFORMED;
        }
        String token = v.substring(7).strip();
        if (token.isEmpty()) {
            return MISSING;
        }
        byte[] d = sha256(token);
        boolean match = false;
        for (byte[] known : digests) {
            match |= MessageDigest.isEqual(known, d); // no early exit: time does not depend on which matched
        }
        return match ? OK : INVALID;
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
