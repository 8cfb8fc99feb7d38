package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KeepAliveEnforcerTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void pingsFasterThanPermittedEarnStrikesThenRefusal() {
        KeepAliveEnforcer e = new KeepAliveEnforcer(1000, false, 2);
        long t = 0;
        assertTrue(e.pingReceived(t, true));
        assertTrue(e.pingReceived(t += 10 * MS, true));   // strike 1
        assertTrue(e.pingReceived(t += 10 * MS, true));   // strike 2
        assertFalse(e.pingReceived(t += 10 * MS, true));  // strike 3 > 2
    }

    @Test
    void spacedPingsAreFine() {
        KeepAliveEnforcer e = new KeepAliveEnforcer(1000, false, 0);
        for (long t = 0; t < 10_000 * MS; t += 1000 * MS) {
            assertTrue(e.pingReceived(t, true));
        }
    }

    @Test
    void withoutCallsTheImplicitTwoHoursApplyUnlessPermitted() {
        KeepAliveEnforcer e = new KeepAliveEnforcer(1000, false, 0);
        assertTrue(e.pingReceived(0, false));
        assertFalse(e.pingReceived(5000 * MS, false));
        KeepAliveEnforcer p = new KeepAliveEnforcer(1000, true, 0);
        assertTrue(p.pingReceived(0, false));
        assertTrue(p.pingReceived(5000 * MS, false));
    }

    @Test
    void serverWritesResetTheCount() {
        KeepAliveEnforcer e = new KeepAliveEnforcer(1000, false, 1);
        assertTrue(e.pingReceived(0, true));
        assertTrue(e.pingReceived(MS, true));
        e.onWrite();
        assertTrue(e.pingReceived(2 * MS, true));
        assertTrue(e.pingReceived(3 * MS, true));
        assertFalse(e.pingReceived(4 * MS, true));
    }
}
