package org.remotemedia.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.remotemedia.config.ConfigException;
import org.remotemedia.config.ServerConfig;

/**
 * The accepted tokens, kept as their SHA-256 digests only: each entry is {@code name:sha256hex}
 * ({@code auth.tokens}, and one per line in {@code auth.tokens_file}; blank lines and {@code #}
 * comments ignored). The name is the caller's identity in logs and metrics. A plaintext token
 * in the file is refused with the way to convert it, and never echoed. {@link #identify}
 * compares a presented token's digest with every entry in constant time.
 *
 * <p>Immutable; {@link #identify} is safe from any thread (event loops call it for every call:
 * one digest with a per-thread {@link MessageDigest}, no lookup that could leak timing).
 */
public final class TokenSet {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(TokenSet::newDigest);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** How an operator turns a plaintext token into an entry (in every error about one). */
    public static final String HOW_TO_CONVERT = "each line must be NAME:SHA256HEX (the token's SHA-256 in hex, never the"
            + " token itself): for an existing token run  printf %s 'TOKEN' | sha256sum  and write NAME:<the 64 hex"
            + " digits>, or make a new token with  remotemedia token new NAME";

    /** No token: authentication is off. */
    public static final TokenSet NONE = new TokenSet(Map.of());

    private final String[] names;
    private final byte[][] digests;

    private TokenSet(Map<String, byte[]> entries) {
        this.names = entries.keySet().toArray(new String[0]);
        this.digests = entries.values().toArray(new byte[0][]);
    }

    /**
     * The tokens of the {@code auth} settings; reads the file.
     *
     * @throws ConfigException naming every bad entry (its line and why, with {@link #HOW_TO_CONVERT})
     */
    public static TokenSet from(ServerConfig.Auth auth) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        int i = 0;
        for (String t : auth.tokens()) {
            i++;
            if (!t.isBlank()) {
                add(entries, t.strip(), "auth.tokens entry " + i, problems);
            }
        }
        if (auth.tokensFile() != null) {
            Path file = auth.tokensFile();
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(List.of("auth.tokens_file = " + file + ": cannot read (" + e + "): give a"
                        + " readable file of NAME:SHA256HEX lines, or unset auth.tokens_file"));
            }
            int fileEntries = 0;
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n).strip();
                if (!line.isEmpty() && !line.startsWith("#")) {
                    fileEntries++;
                    add(entries, line, "auth.tokens_file " + file + " line " + (n + 1), problems);
                }
            }
            if (fileEntries == 0 && problems.isEmpty()) {
                problems.add("auth.tokens_file = " + file + ": holds no token: add NAME:SHA256HEX lines (remotemedia"
                        + " token new NAME prints one), or unset auth.tokens_file to turn authentication off");
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return entries.isEmpty() ? NONE : new TokenSet(entries);
    }

    private static void add(Map<String, byte[]> entries, String entry, String where, List<String> problems) {
        int colon = entry.lastIndexOf(':');
        String name = colon < 0 ? "" : entry.substring(0, colon).strip();
        String hex = colon < 0 ? entry : entry.substring(colon + 1).strip();
        if (colon < 0 || !HEX64.matcher(hex).matches()) {
            problems.add(where + ": not a NAME:SHA256HEX entry (a plaintext token? it is not shown here); "
                    + HOW_TO_CONVERT);
            return;
        }
        if (!NAME.matcher(name).matches()) {
            problems.add(where + ": name '" + name + "' must be 1-64 characters of A-Z a-z 0-9 _ . @ -");
            return;
        }
        if (entries.containsKey(name)) {
            problems.add(where + ": the name '" + name + "' is used twice; each token needs its own name");
            return;
        }
        entries.put(name, HexFormat.of().parseHex(hex.toLowerCase(java.util.Locale.ROOT)));
    }

    /** True when at least one token is configured (authentication is on). */
    public boolean enabled() {
        return digests.length > 0;
    }

    public int size() {
        return digests.length;
    }

    public Set<String> names() {
        return Set.of(names);
    }

    /** The name of the token {@code token}, or null; the time taken does not depend on which entry matched. */
    public String identify(String token) {
        byte[] d = SHA256.get().digest(token.getBytes(StandardCharsets.UTF_8));
        int found = -1;
        for (int i = 0; i < digests.length; i++) {
            if (MessageDigest.isEqual(digests[i], d)) {
                found = i; // no early exit
            }
        }
        return found < 0 ? null : names[found];
    }

    /** A fresh token: 256 random bits, base64url without padding (43 characters). */
    public static String newToken() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** The line that accepts {@code token} under {@code name}: {@code name:sha256hex}. */
    public static String entry(String name, String token) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("token name '" + name + "': use 1-64 characters of A-Z a-z 0-9 _ . @ -");
        }
        return name + ":" + HexFormat.of().formatHex(newDigest().digest(token.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
