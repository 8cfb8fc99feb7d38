package org.remotemedia.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.config.ConfigException;
import org.remotemedia.config.ServerConfig;

class TokenAuthenticatorTest {
    @Test
    void offWithoutTokens() {
        TokenAuthenticator a = TokenAuthenticator.from(new ServerConfig.Auth(List.of(), null));
        assertFalse(a.enabled());
        assertTrue(a.check(null).ok());
    }

    @Test
    void checksBearerTokens() {
        TokenAuthenticator a = TokenAuthenticator.of("s3cret", "other");
        assertEquals(TokenAuthenticator.Outcome.OK, a.check("Bearer s3cret").outcome());
        assertEquals(TokenAuthenticator.Outcome.OK, a.check("bearer other").outcome(), "scheme is case-insensitive");
        assertEquals(TokenAuthenticator.Outcome.MISSING, a.check(null).outcome());
        assertEquals(TokenAuthenticator.Outcome.MISSING, a.check("Bearer  ").outcome());
        assertEquals(TokenAuthenticator.Outcome.MALFORMED, a.check("Basic dXNlcjpwYXNz").outcome());
        assertEquals(TokenAuthenticator.Outcome.INVALID, a.check("Bearer s3cret2").outcome());
        assertTrue(a.check(null).message().contains("auth.tokens_file"));
        assertTrue(a.check("Bearer x").message().startsWith("invalid bearer token"));
    }

    @Test
    void readsTokensFileSkippingCommentsAndBlanks(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t");
        Files.writeString(f, "# comment\n\n  tok-a  \ntok-b\n");
        TokenAuthenticator a = TokenAuthenticator.from(new ServerConfig.Auth(List.of("inline"), f));
        assertEquals(3, a.tokenCount());
        assertTrue(a.check("Bearer tok-a").ok());
        assertFalse(a.check("Bearer # comment").ok());
    }

    @Test
    void unreadableOrEmptyFileIsAConfigError(@TempDir Path dir) throws Exception {
        ConfigException missing = assertThrows(ConfigException.class,
                () -> TokenAuthenticator.from(new ServerConfig.Auth(List.of(), dir.resolve("nope"))));
        assertTrue(missing.getMessage().contains("cannot read"), missing.getMessage());
        Path empty = Files.writeString(dir.resolve("empty"), "# none\n");
        ConfigException none = assertThrows(ConfigException.class,
                () -> TokenAuthenticator.from(new ServerConfig.Auth(List.of(), empty)));
        assertTrue(none.getMessage().contains("holds no token"), none.getMessage());
    }
}
