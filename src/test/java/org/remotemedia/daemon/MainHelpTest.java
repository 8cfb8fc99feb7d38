package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code remotemedia --help} lists every command a user has, call included; call reached here says where it runs. */
class MainHelpTest {
    @Test
    void helpListsServeProcessAndCall() {
        StringWriter out = new StringWriter();
        assertEquals(0, Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true), "--help"));
        String help = out.toString();
        for (String command : new String[] {"serve", "process", "call"}) {
            assertTrue(help.matches("(?s).*\\n\\s+" + command + "\\s+\\S.*"), command + " missing from:\n" + help);
        }
        assertTrue(help.contains("remote remotemedia server"), help);
    }

    @Test
    void callWithoutTheLauncherSaysHowToRunIt() {
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream old = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertEquals(2, Main.run("call", "--server", "x:1"));
        } finally {
            System.setErr(old);
        }
        assertTrue(err.toString(java.nio.charset.StandardCharsets.UTF_8).contains("scripts/remotemedia call"), err.toString());
    }
}
