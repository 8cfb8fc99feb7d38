package org.remotemedia.transport;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.util.ArrayList;
import java.util.List;
import org.remotemedia.testkit.FuzzBudget;
import org.remotemedia.testkit.FuzzInput;
import org.remotemedia.testkit.FuzzWarmUp;

/**
 * Fuzz target (scripts/fuzz request-headers): the gRPC request-header rules and the deframing
 * behind them, as a client meets them: one HTTP/2 stream into a real {@link ConnectionHandler}
 * on an embedded channel ({@link HeaderRulesConnection}), whose {@code startCall} applies
 * {@link org.remotemedia.grpc.RequestHeaderRules} (405 / 415 / 400 / UNIMPLEMENTED / INTERNAL
 * for a bad grpc-timeout or -bin value / the handler's answer) and turns the answer into frames.
 * The rules alone are unit-tested in {@code RequestHeaderRulesTest}; this target's oracle is
 * about the frames, so it keeps the connection.
 *
 * <p>The input picks pseudo-headers, gRPC headers and custom metadata (well-known values and
 * arbitrary bytes), their order, DATA frames (raw, or well-framed messages) and how the client
 * ends the stream. Checked for every stream (see {@link HeaderRulesConnection.Outcome#check}):
 * exactly one end -- trailers with a valid grpc-status, an HTTP error answer, or RST_STREAM --;
 * no exception inside the channel; no GOAWAY INTERNAL_ERROR; every buffer back to the
 * allocator after the stream (exact count), netty's PARANOID leak detector silent; heap
 * allocation within a linear budget.
 */
public final class RequestHeadersFuzzer {
    /** One request as the client sends it. {@code end}: 0 END_STREAM, 1 RST_STREAM CANCEL after the frames. */
    record Request(List<CharSequence[]> headers, List<byte[]> data, int end) {
    }

    private static final FuzzBudget BUDGET = new FuzzBudget(4 << 20, 1024);

    private static final String[] PATHS = {HeaderRulesConnection.UNARY, HeaderRulesConnection.BIDI,
            "/fuzz.Echo/Nope", "/no.Such/Method", "/", "", "fuzz.Echo/Unary", "/fuzz.Echo/", "//"};
    private static final String[] METHODS = {"POST", "GET", "post", "PUT", "CONNECT"};
    private static final String[] SCHEMES = {"http", "https", ""};
    private static final String[] CONTENT_TYPES = {"application/grpc", "application/grpc+proto",
            "application/grpc;charset=utf-8", "application/grpc+json", "APPLICATION/GRPC", "application/grpc+",
            "application/grpcx", "text/plain", "application/grpc+proto;x=y", ""};
    private static final String[] TES = {"trailers", "Trailers", "gzip", ""};
    private static final String[] ENCODINGS = {"identity", "gzip", "deflate", "GZIP", ""};
    private static final String[] TIMEOUTS = {"1S", "100m", "99999999H", "0n", "1", "S", "123456789n", "-1S",
            "1M", "00000001u", ""};
    private static final String[] ACCEPTS = {"gzip", "identity, gzip", " gzip ,deflate", ",,", ""};
    private static final String[] NAMES = {"x-a-bin", "authorization", "grpc-foo", "x-custom", "user-agent",
            "grpc-status", "content-length", "x-request-id", "te", "connection", "keep-alive", ":bogus", "Upper",
            "a b", ""};

    private RequestHeadersFuzzer() {
    }

    /** Called by Jazzer before fuzzing: loads what the first inputs need (see {@link FuzzWarmUp}). */
    public static void fuzzerInitialize() {
        FuzzWarmUp.run(RequestHeadersFuzzer::fuzzerTestOneInput);
    }

    public static void fuzzerTestOneInput(byte[] data) {
        // a new connection (after the last input's GOAWAY) is set-up cost, not this input's
        HeaderRulesConnection.ensureOpen();
        BUDGET.start();
        Request request = decode(new FuzzInput(data));
        HeaderRulesConnection.Outcome outcome = HeaderRulesConnection.send(request);
        outcome.check(request);
        BUDGET.check(data, "request-headers", () -> fuzzerTestOneInput(data));
        BUDGET.maybeSweepLeaks("request-headers");
    }

    /** Called by Jazzer at the end of a run: one last leak sweep. */
    public static void fuzzerTearDown() {
        HeaderRulesConnection.closeShared();
        FuzzBudget.sweepLeaks("request-headers");
    }

    static Request decode(FuzzInput in) {
        List<CharSequence[]> pseudo = new ArrayList<>();
        List<CharSequence[]> regular = new ArrayList<>();
        pick(in, pseudo, ":method", METHODS, 3);
        pick(in, pseudo, ":scheme", SCHEMES, 3);
        pick(in, pseudo, ":path", PATHS, 3);
        pick(in, pseudo, ":authority", new String[] {"in-memory", "example.com:443"}, 2);
        pick(in, regular, "content-type", CONTENT_TYPES, 3);
        pick(in, regular, "te", TES, 3);
        pick(in, regular, "grpc-encoding", ENCODINGS, 1);
        pick(in, regular, "grpc-timeout", TIMEOUTS, 1);
        pick(in, regular, "grpc-accept-encoding", ACCEPTS, 1);
        pick(in, regular, "x-request-id", new String[] {"abc-123"}, 1);
        int custom = in.below(7);
        for (int i = 0; i < custom; i++) {
            String name = in.bool() ? NAMES[in.below(NAMES.length)] : in.latin1(24);
            regular.add(new CharSequence[] {name, in.latin1(64)});
        }
        List<CharSequence[]> headers = new ArrayList<>();
        if (in.below(8) == 0) { // pseudo-headers out of place, a malformed request
            headers.addAll(regular);
            headers.addAll(pseudo);
        } else {
            headers.addAll(pseudo);
            headers.addAll(regular);
        }
        if (in.below(8) == 0 && headers.size() > 1) { // one header twice
            headers.add(headers.get(in.below(headers.size())));
        }
        List<byte[]> frames = new ArrayList<>();
        int n = in.below(5);
        for (int i = 0; i < n; i++) {
            if (in.bool()) { // a well-framed uncompressed message, so valid calls reach the handlers
                byte[] body = in.bytes(256);
                byte[] msg = new byte[5 + body.length];
                msg[1] = (byte) (body.length >>> 24);
                msg[2] = (byte) (body.length >>> 16);
                msg[3] = (byte) (body.length >>> 8);
                msg[4] = (byte) body.length;
                System.arraycopy(body, 0, msg, 5, body.length);
                frames.add(msg);
            } else {
                frames.add(in.bytes(512));
            }
        }
        return new Request(headers, frames, in.below(6) == 0 ? 1 : 0);
    }

    /**
     * Adds {@code name} with a well-known value, an arbitrary one, or not at all; {@code weight}
     * tilts towards the well-known values (3: mostly present and valid).
     */
    private static void pick(FuzzInput in, List<CharSequence[]> out, String name, String[] known, int weight) {
        int c = in.below(4 + weight);
        if (c == 0) {
            return; // absent
        }
        String value = c == 1 ? in.latin1(48) : c == 2 ? known[in.below(known.length)] : known[0];
        out.add(new CharSequence[] {name, value});
    }

    static Http2Headers toNetty(List<CharSequence[]> headers) {
        Http2Headers h = new DefaultHttp2Headers(false, headers.size()); // the server validates, not the client
        for (CharSequence[] kv : headers) {
            h.add(kv[0], kv[1]);
        }
        return h;
    }
}
