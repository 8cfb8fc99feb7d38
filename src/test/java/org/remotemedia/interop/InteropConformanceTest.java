package org.remotemedia.interop;

import org.remotemedia.daemon.InteropServer;
import io.grpc.testing.integration.TestServiceClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.remotemedia.testkit.LeakCheck;

/**
 * Conformance: grpc-java's official interop client ({@code TestServiceClient} from
 * io.grpc:grpc-interop-testing, unchanged) against our {@code grpc.testing.TestService} on our
 * transport, over its Netty and its OkHttp transports; one named result per case and transport.
 * A case passes when the client returns normally (it throws on any mismatch).
 */
@ExtendWith(LeakCheck.class)
class InteropConformanceTest {
    static final List<String> CASES = List.of(
            "empty_unary", "large_unary", "client_compressed_unary", "client_compressed_unary_noprobe",
            "server_compressed_unary", "client_streaming", "client_compressed_streaming",
            "client_compressed_streaming_noprobe", "server_streaming", "server_compressed_streaming", "ping_pong",
            "empty_stream", "custom_metadata", "status_code_and_message", "special_status_message",
            "unimplemented_method", "unimplemented_service", "cancel_after_begin", "cancel_after_first_response",
            "timeout_on_sleeping_server", "very_large_request");

    private static InteropServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = InteropServer.startLocal();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String transport : List.of("netty", "okhttp")) {
            for (String c : CASES) {
                out.add(Arguments.of(transport, c));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void interopCase(String transport, String testCase) throws Exception {
        TestServiceClient.main(new String[] {
            "--server_host=127.0.0.1",
            "--server_port=" + server.port(),
            "--use_tls=false",
            "--use_okhttp=" + transport.equals("okhttp"),
            "--test_case=" + testCase,
        });
    }
}
