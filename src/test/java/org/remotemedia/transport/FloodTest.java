package org.remotemedia.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.grpc.Status;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.testkit.Await;
import org.remotemedia.testkit.LeakCheck;

/**
 * Our own HTTP/2 attack suite, one flood per test, each sent by a raw client while a grpc-java
 * client keeps calling on another connection: the attacker gets GOAWAY ENHANCE_YOUR_CALM, the
 * budget that caught it is counted by name, and every one of the other client's calls succeeds.
 * The budgets are set low so each attack is short; the defaults are in docs/configuration.md.
 * No timing is asserted: the tests wait for events.
 */
@ExtendWith(LeakCheck.class)
class FloodTest {
    static final String HOLD = "/test.Hold/Wait";
    static TestServer server;

    static MethodRegistry registry() {
        MethodRegistry.Builder b = new EchoTestService().register(MethodRegistry.builder());
        b.clientStreaming(HOLD, call -> {
            call.request(Integer.MAX_VALUE);
            return new CallListener() {
                @Override
                public void onHalfClose() {
                    call.close(Status.OK);
                }
            };
        });
        return b.build();
    }

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(registry(),
                "transport.control_frames_window_seconds", "600",
                "transport.rst_frames_window_seconds", "600",
                "transport.max_settings_frames_per_window", "50",
                "transport.max_ping_frames_per_window", "50",
                "transport.permit_keepalive_time_ms", "0", // no ping strikes: the rate budget must catch it
                "transport.permit_keepalive_without_calls", "true",
                "transport.max_window_update_frames_per_window", "50",
                "transport.max_header_block_ms", "300",
                "transport.max_header_list_bytes", "4096",
                "transport.max_reset_streams_per_window", "20",
                "transport.max_rst_frames_per_window", "100000");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    static double budget(TestServer s, String name) throws Exception {
        String prefix = "remotemedia_grpc_server_budget_exceeded_total{budget=\"" + name + "\"} ";
        return TransportIntegrationTest.scrape(s).lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()))).sum();
    }

    /** Runs {@code attack} on a raw connection beside a grpc-java bystander; checks GOAWAY, the count and the bystander. */
    static void expectCalm(TestServer s, String budgetName, Attack attack) throws Exception {
        expectCalm(s, budgetName, true, new RawH2Client(s.port()), attack);
    }

    /**
     * @param goAwayReadable false for a peer that does not read: the GOAWAY queues behind the
     *     acknowledgements it never read and is lost when the server closes; the count and the
     *     close are what it gets
     */
    static void expectCalm(TestServer s, String budgetName, boolean goAwayReadable, RawH2Client attacker, Attack attack)
            throws Exception {
        double before = budget(s, budgetName);
        try (BystanderClient bystander = new BystanderClient(s.port()); RawH2Client c = attacker) {
            assertTrue(c.awaitServerSettings(5000));
            try {
                attack.run(c);
            } catch (Exception closedUnderUs) {
                // the server may close while the flood is still being written: that is the point
            }
            if (goAwayReadable) {
                RawH2Client.Event g = c.awaitType("GOAWAY", 10_000);
                assertNotNull(g, () -> "GOAWAY expected; events " + c.events + "\n" + s.log());
                assertEquals(Http2Error.ENHANCE_YOUR_CALM.code(), g.code(), g.toString());
            }
            assertTrue(c.awaitClosed(10_000), "the server closes the connection");
            assertTrue(s.log().contains("\"event\":\"connection_error\",\"connection\":")
                    && s.log().contains("\"error\":\"ENHANCE_YOUR_CALM\""), s::log);
            assertEquals(before + 1, budget(s, budgetName), () -> "budget " + budgetName + " counted once\n" + s.log());
            assertTrue(bystander.finish() > 0);
        }
    }

    interface Attack {
        void run(RawH2Client c) throws Exception;
    }

    static byte[] headersWithoutEndHeaders(int streamId) {
        return RawH2Client.rawFrame(0x1, 0, streamId, new byte[] {(byte) 0x83}); // :method POST, block not ended
    }

    @Test
    void emptyContinuationFlood() throws Exception {
        expectCalm(server, "continuation_frames", c -> {
            c.raw(headersWithoutEndHeaders(1));
            c.raw(RawH2Client.repeat(RawH2Client.rawFrame(0x9, 0, 1, new byte[0]), 10_000));
        });
    }

    @Test
    void continuationBytesFlood() throws Exception {
        expectCalm(server, "header_block_bytes", c -> {
            c.raw(headersWithoutEndHeaders(1));
            c.raw(RawH2Client.repeat(RawH2Client.rawFrame(0x9, 0, 1, new byte[9000]), 20));
        });
    }

    @Test
    void headerBlockNeverCompleted() throws Exception {
        expectCalm(server, "header_block_time", c -> {
            c.raw(headersWithoutEndHeaders(1));
            c.raw(RawH2Client.rawFrame(0x9, 0, 1, new byte[] {(byte) 0x86})); // one more piece, then silence
        });
    }

    @Test
    void settingsFlood() throws Exception {
        expectCalm(server, "settings_frames", c -> c.raw(RawH2Client.repeat(RawH2Client.rawFrame(0x4, 0, 0,
                new byte[0]), 1_000)));
    }

    @Test
    void pingFlood() throws Exception {
        expectCalm(server, "ping_frames", c -> c.raw(RawH2Client.repeat(RawH2Client.rawFrame(0x6, 0, 0,
                new byte[8]), 1_000)));
    }

    @Test
    void windowUpdateFlood() throws Exception {
        expectCalm(server, "window_update_frames", c -> c.raw(RawH2Client.repeat(RawH2Client.rawFrame(0x8, 0, 0,
                new byte[] {0, 0, 0, 1}), 1_000)));
    }

    @Test
    void rstStreamFlood() throws Exception {
        // RST_STREAM frames on a stream whose call has ended: nothing is created or reset, only their
        // rate counts (the shared server lets the rapid-reset tests below meet reset_streams first)
        try (TestServer s = new TestServer(registry(), "transport.rst_frames_window_seconds", "600",
                "transport.max_rst_frames_per_window", "50")) {
            expectCalm(s, "rst_frames_received", c -> {
                int id = c.headers(RawH2Client.grpcHeaders(EchoTestService.SERVICE + "EmptyCall"), false);
                c.data(id, RawH2Client.frame(new byte[0], false), true);
                assertEquals(Integer.valueOf(0), c.await(id, 5000).grpcStatus());
                c.raw(RawH2Client.repeat(RawH2Client.rawFrame(0x3, 0, id, new byte[] {0, 0, 0, 0x8}), 100));
            });
        }
    }

    @Test
    void rapidResetWithData() throws Exception {
        expectCalm(server, "reset_streams", c -> {
            for (int i = 0; i < 200; i++) {
                int id = c.headers(RawH2Client.grpcHeaders(HOLD), false);
                c.data(id, RawH2Client.frame(new byte[100], false), false);
                c.rst(id, Http2Error.CANCEL.code());
                if (!c.roundTrip()) {
                    break;
                }
            }
        });
    }

    @Test
    void resetsProvokedFromTheServer() throws Exception {
        // MadeYouReset: each stream gets a WINDOW_UPDATE of 0, a stream error the server answers with RST_STREAM
        expectCalm(server, "reset_streams", c -> {
            for (int i = 0; i < 200; i++) {
                int id = c.headers(RawH2Client.grpcHeaders(HOLD), false);
                c.raw(RawH2Client.rawFrame(0x8, 0, id, new byte[] {0, 0, 0, 0}));
                if (!c.roundTrip()) {
                    break;
                }
            }
        });
    }

    @Test
    void emptyDataFlood() throws Exception {
        expectCalm(server, "empty_data_frames", c -> {
            int id = c.headers(RawH2Client.grpcHeaders(HOLD), false);
            c.raw(RawH2Client.repeat(RawH2Client.rawFrame(0x0, 0, id, new byte[0]), 100));
        });
    }

    @Test
    void settingsFromAPeerThatNeverReads() throws Exception {
        // the acknowledgements it never reads would queue in the server: the SETTINGS budget ends it
        // first (the cap on queued acknowledgements behind it: ControlFrameBacklogTest)
        RawH2Client attacker = new RawH2Client(server.port(), io.netty.handler.codec.http2.Http2Settings.defaultSettings(),
                4096);
        double settingsBefore = budget(server, "settings_frames");
        expectCalm(server, "settings_frames", false, attacker, c -> {
            c.autoRead(false);
            c.raw(RawH2Client.repeat(RawH2Client.rawFrame(0x4, 0, 0, new byte[0]), 1_000));
            Await.until(() -> budgetOrZero(server, "settings_frames") > settingsBefore,
                    server::log);
            c.autoRead(true);
        });
    }

    private static double budgetOrZero(TestServer s, String name) {
        try {
            return budget(s, name);
        } catch (Exception e) {
            return 0;
        }
    }
}
