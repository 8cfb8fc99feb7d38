package org.remotemedia.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.UnknownFieldSet;
import io.prometheus.metrics.core.metrics.Histogram;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The metrics port's formats: text for every scraper, and the protobuf exposition with native
 * histogram buckets when a Prometheus asks for it (native histograms enabled). The protobuf is
 * read by field number (io.prometheus.client's metrics.proto), so the test needs none of
 * Prometheus's generated classes.
 */
class MetricsServerTest {
    private static final String PROTOBUF =
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";
    // metrics.proto field numbers
    private static final int FAMILY_NAME = 1;
    private static final int FAMILY_METRIC = 4;
    private static final int METRIC_HISTOGRAM = 7;
    private static final int HISTOGRAM_SAMPLE_COUNT = 1;
    private static final int HISTOGRAM_BUCKET = 3;
    private static final int HISTOGRAM_SCHEMA = 5;
    private static final int HISTOGRAM_POSITIVE_SPAN = 12;

    @Test
    void aLatencyHistogramHasClassicBucketsInTextAndNativeBucketsInProtobuf() throws Exception {
        Metrics metrics = new Metrics();
        Histogram h = metrics.histogram("test_handling_seconds", "a test latency", "method");
        for (int i = 1; i <= 100; i++) {
            h.labelValues("m").observe(i * 1e-4); // 0.1 ms .. 10 ms
        }
        try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, metrics)) {
            HttpClient http = HttpClient.newHttpClient();
            URI uri = URI.create("http://127.0.0.1:" + server.port() + "/metrics");
            String text = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(text.contains("remotemedia_test_handling_seconds_bucket{method=\"m\",le=\"0.005\"}"), text);

            HttpResponse<byte[]> proto = http.send(HttpRequest.newBuilder(uri).header("Accept", PROTOBUF).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, proto.statusCode());
            assertTrue(proto.headers().firstValue("Content-Type").orElse("").startsWith("application/vnd.google.protobuf"),
                    proto.headers().toString());
            UnknownFieldSet histogram = null;
            for (UnknownFieldSet family : families(proto.body())) {
                String name = family.getField(FAMILY_NAME).getLengthDelimitedList().get(0).toStringUtf8();
                if (name.equals("remotemedia_test_handling_seconds")) {
                    ByteString metric = family.getField(FAMILY_METRIC).getLengthDelimitedList().get(0);
                    histogram = UnknownFieldSet.parseFrom(
                            UnknownFieldSet.parseFrom(metric).getField(METRIC_HISTOGRAM).getLengthDelimitedList().get(0));
                }
            }
            assertNotNull(histogram, "the histogram is in the protobuf exposition");
            assertEquals(List.of(100L), histogram.getField(HISTOGRAM_SAMPLE_COUNT).getVarintList());
            assertTrue(histogram.getField(HISTOGRAM_BUCKET).getLengthDelimitedList().size() > 1, "classic buckets too");
            assertEquals(1, histogram.getField(HISTOGRAM_SCHEMA).getVarintList().size(), "a native histogram has a schema");
            assertTrue(!histogram.getField(HISTOGRAM_POSITIVE_SPAN).getLengthDelimitedList().isEmpty(),
                    "native buckets (positive spans) for the positive observations");
        }
    }

    /** The length-delimited MetricFamily messages of a protobuf exposition. */
    private static List<UnknownFieldSet> families(byte[] body) throws Exception {
        List<UnknownFieldSet> out = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(body);
        while (!in.isAtEnd()) {
            out.add(UnknownFieldSet.parseFrom(in.readBytes()));
        }
        return out;
    }
}
