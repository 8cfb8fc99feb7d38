package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.http2.Http2FrameWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decorating frame writer: passes every frame on, and forgives pings only for HEADERS and DATA. */
class WriteMonitorTest {
    private final List<String> passedOn = new ArrayList<>();
    private final Http2FrameWriter recorder = (Http2FrameWriter) Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[] {Http2FrameWriter.class}, (proxy, m, args) -> {
                passedOn.add(signature(m));
                return null;
            });

    @Test
    void passesEveryFrameOnToTheWriterItDecorates() throws Exception {
        WriteMonitor monitor = new WriteMonitor(recorder);
        List<String> expected = new ArrayList<>();
        for (Method m : Http2FrameWriter.class.getMethods()) {
            if (m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            Object[] args = new Object[m.getParameterCount()];
            Class<?>[] types = m.getParameterTypes();
            for (int i = 0; i < args.length; i++) {
                args[i] = zero(types[i]);
            }
            m.invoke(monitor, args);
            expected.add(signature(m));
        }
        assertEquals(expected, passedOn);
    }

    @Test
    void headersAndDataForgivePingStrikesOtherFramesDoNot() {
        KeepAliveEnforcer enforcer = new KeepAliveEnforcer(60_000, true, 5);
        WriteMonitor monitor = new WriteMonitor(recorder);
        monitor.enforcer(enforcer);
        strike(enforcer);
        monitor.writePing(null, false, 1, null);
        monitor.writeRstStream(null, 1, 0, null);
        monitor.writeWindowUpdate(null, 0, 1, null);
        assertEquals(2, enforcer.strikes(), "control frames are not data flowing");
        monitor.writeData(null, 1, null, 0, false, null);
        assertEquals(0, enforcer.strikes());
        strike(enforcer);
        monitor.writeHeaders(null, 1, null, 0, false, null);
        assertEquals(0, enforcer.strikes());
        strike(enforcer);
        monitor.writeHeaders(null, 1, null, 0, (short) 16, false, 0, false, null);
        assertEquals(0, enforcer.strikes());
    }

    /** Three pings at once: the first is fine (a write re-arms it), the other two are strikes. */
    private static void strike(KeepAliveEnforcer enforcer) {
        enforcer.pingReceived(0, true);
        enforcer.pingReceived(0, true);
        enforcer.pingReceived(0, true);
    }

    private static String signature(Method m) {
        return m.getName() + java.util.Arrays.toString(m.getParameterTypes());
    }

    private static Object zero(Class<?> t) {
        if (!t.isPrimitive()) {
            return null;
        }
        if (t == boolean.class) {
            return false;
        }
        if (t == byte.class) {
            return (byte) 0;
        }
        if (t == short.class) {
            return (short) 0;
        }
        if (t == long.class) {
            return 0L;
        }
        return 0;
    }
}
