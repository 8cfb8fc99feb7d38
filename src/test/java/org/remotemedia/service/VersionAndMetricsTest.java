package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.remotemedia.daemon.TestDaemon;
import org.remotemedia.dsp.NodeRegistry;
import org.remotemedia.proto.v1.GetMetricsRequest;
import org.remotemedia.proto.v1.GetMetricsResponse;
import org.remotemedia.proto.v1.LatencySummary;
import org.remotemedia.proto.v1.VersionRequest;
import org.remotemedia.proto.v1.VersionResponse;
import org.remotemedia.testkit.LeakCheck;

/** GetVersion (build info, node types, negotiation) and GetMetrics through grpc-java. */
@ExtendWith(LeakCheck.class)
class VersionAndMetricsTest {

    @Test
    void getVersionReportsBuildNodeTypesAndNegotiates() throws Exception {
        Properties build = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/org/remotemedia/build-info.properties")) {
            build.load(in);
        }
        assertFalse(build.getProperty("version").contains("${"), "filtered by the build");
        try (TestDaemon d = TestDaemon.start()) {
            var stub = ExecutePipelineTest.stub(d);
            VersionResponse r = stub.getVersion(VersionRequest.newBuilder().setClientVersion("1.2.3").build());
            assertEquals("v1", r.getVersionInfo().getProtocolVersion());
            assertEquals(build.getProperty("version"), r.getVersionInfo().getRuntimeVersion());
            assertEquals(build.getProperty("build_timestamp"), r.getVersionInfo().getBuildTimestamp());
            assertEquals(NodeRegistry.builtin().names(), r.getVersionInfo().getSupportedNodeTypesList());
            assertTrue(r.getVersionInfo().getSupportedNodeTypesList().containsAll(
                    java.util.List.of("AudioResample", "RustResampleNode", "VAD", "PassThrough", "Echo")));
            assertEquals(java.util.List.of("v1"), r.getVersionInfo().getSupportedProtocolsList());
            assertTrue(r.getCompatible());
            assertTrue(r.getCompatibilityMessage().contains("compatible"));

            VersionResponse bad = stub.getVersion(VersionRequest.newBuilder().setClientVersion("v2").build());
            assertFalse(bad.getCompatible());
            assertTrue(bad.getCompatibilityMessage().contains("not supported"), bad.getCompatibilityMessage());
            VersionResponse empty = stub.getVersion(VersionRequest.getDefaultInstance());
            assertTrue(empty.getCompatible());
        }
    }

    @Test
    void getMetricsCountsAndTimesCalls() throws Exception {
        try (TestDaemon d = TestDaemon.start()) {
            var stub = ExecutePipelineTest.stub(d);
            float[] big = Kit.sine(44_100, 44_100);
            float[] small = Kit.sine(441, 44_100);
            for (int i = 0; i < 3; i++) {
                assertTrue(stub.executePipeline(Kit.request(Kit.resample16k(), "resample", Kit.f32(big, 44_100)))
                        .hasResult());
            }
            assertTrue(stub.executePipeline(Kit.request(Kit.resample16k(), "resample", Kit.f32(small, 44_100)))
                    .hasResult());
            assertTrue(stub.executePipeline(Kit.request(Kit.resample16k(), "resample", Kit.f32(big, 44_100))
                    .toBuilder().setClientVersion("9").build()).hasError());
            GetMetricsResponse m = stub.getMetrics(GetMetricsRequest.getDefaultInstance());
            assertTrue(m.getUptimeMs() > 0);
            assertEquals(4L, m.getCountersOrThrow("remotemedia_service_executions_total{outcome=\"success\"}"));
            assertEquals(1L, m.getCountersOrThrow("remotemedia_service_executions_total{outcome=\"version_mismatch\"}"));
            // a 4.4 kB request arrives in one DATA frame (parsed in place); 176 kB ones span several
            assertTrue(m.getCountersOrThrow("remotemedia_service_request_parse_total{path=\"in_place\"}") >= 1);
            assertTrue(m.getCountersOrThrow("remotemedia_service_request_parse_total{path=\"gathered\"}") >= 1);
            // the first call's manifest is parsed by protobuf; the same manifest bytes then find its plan in place
            assertEquals(1L, m.getCountersOrThrow("remotemedia_service_request_read_total{how=\"protobuf\"}"));
            assertEquals(4L, m.getCountersOrThrow("remotemedia_service_request_read_total{how=\"cached_manifest\"}"));
            assertTrue(m.getCountersMap().keySet().stream().anyMatch(k -> k.startsWith("remotemedia_grpc_server_calls")),
                    "transport counters too: " + m.getCountersMap().keySet());
            LatencySummary exec = m.getLatenciesList().stream()
                    .filter(l -> l.getName().equals("remotemedia_service_execute_pipeline_seconds")).findFirst()
                    .orElseThrow();
            assertEquals(5, exec.getCount());
            assertTrue(exec.getP50Ms() > 0 && exec.getP99Ms() >= exec.getP50Ms() && exec.getMaxMs() >= exec.getP99Ms());
            assertEquals(0, m.getMemoryInUseBytes(), "nothing held between calls");
            assertTrue(m.getMemoryPeakBytes() > 64_000, "outputs were pooled: " + m.getMemoryPeakBytes());
        }
    }
}
