package org.remotemedia.service.reflection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors.FileDescriptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.okhttp.OkHttpChannelBuilder;
import io.grpc.reflection.v1.ExtensionRequest;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.remotemedia.daemon.InteropServer;

/**
 * Server reflection on our transport, called by grpc-java's generated reflection clients
 * (io.grpc:grpc-services, v1 and v1alpha): every request kind, errors on one long stream, and
 * descriptors complete enough to rebuild every served file with its imports.
 */
class ReflectionServiceTest {
    private static InteropServer server;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        server = InteropServer.startLocal();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.close();
    }

    /** One reflection stream: send a request, read its response. */
    private static final class Session implements AutoCloseable {
        final BlockingQueue<Object> in = new LinkedBlockingQueue<>();
        final StreamObserver<ServerReflectionRequest> out;

        Session(ManagedChannel ch) {
            out = ServerReflectionGrpc.newStub(ch).serverReflectionInfo(new StreamObserver<>() {
                @Override
                public void onNext(ServerReflectionResponse v) {
                    in.add(v);
                }

                @Override
                public void onError(Throwable t) {
                    in.add(t);
                }

                @Override
                public void onCompleted() {
                    in.add("completed");
                }
            });
        }

        ServerReflectionResponse ask(ServerReflectionRequest r) throws InterruptedException {
            out.onNext(r);
            Object o = in.poll(10, TimeUnit.SECONDS);
            if (!(o instanceof ServerReflectionResponse resp)) {
                throw new AssertionError("expected a response, got " + o);
            }
            assertEquals(r, resp.getOriginalRequest(), "original_request echoes the request");
            return resp;
        }

        @Override
        public void close() throws InterruptedException {
            out.onCompleted();
            assertEquals("completed", in.poll(10, TimeUnit.SECONDS));
        }
    }

    private static final Set<String> SERVED = Set.of("grpc.testing.TestService", "grpc.testing.BenchmarkService",
            "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

    @Test
    void listServicesNamesEveryRegisteredService() throws Exception {
        try (Session s = new Session(channel)) {
            ServerReflectionResponse r = s.ask(ServerReflectionRequest.newBuilder().setHost("h").setListServices("*").build());
            Set<String> names = new HashSet<>();
            for (ServiceResponse sr : r.getListServicesResponse().getServiceList()) {
                names.add(sr.getName());
            }
            assertEquals(SERVED, names);
            assertEquals("h", r.getValidHost());
        }
    }

    /** Builds FileDescriptors from a response: fails unless every import is in it too. */
    private static Map<String, FileDescriptor> build(ServerReflectionResponse r) throws Exception {
        Map<String, FileDescriptorProto> protos = new HashMap<>();
        for (ByteString b : r.getFileDescriptorResponse().getFileDescriptorProtoList()) {
            FileDescriptorProto p = FileDescriptorProto.parseFrom(b);
            protos.put(p.getName(), p);
        }
        Map<String, FileDescriptor> built = new HashMap<>();
        for (String name : protos.keySet()) {
            buildOne(name, protos, built);
        }
        return built;
    }

    private static FileDescriptor buildOne(String name, Map<String, FileDescriptorProto> protos,
            Map<String, FileDescriptor> built) throws Exception {
        FileDescriptor f = built.get(name);
        if (f != null) {
            return f;
        }
        FileDescriptorProto p = protos.get(name);
        assertNotNull(p, "import " + name + " missing from the response");
        List<FileDescriptor> deps = new ArrayList<>();
        for (String d : p.getDependencyList()) {
            deps.add(buildOne(d, protos, built));
        }
        f = FileDescriptor.buildFrom(p, deps.toArray(new FileDescriptor[0]));
        built.put(name, f);
        return f;
    }

    @Test
    void everyListedServiceCanBeDescribedWithItsImports() throws Exception {
        try (Session s = new Session(channel)) {
            for (String service : SERVED) {
                ServerReflectionResponse r = s.ask(ServerReflectionRequest.newBuilder()
                        .setFileContainingSymbol(service).build());
                FileDescriptorProto first = FileDescriptorProto.parseFrom(
                        r.getFileDescriptorResponse().getFileDescriptorProto(0));
                Map<String, FileDescriptor> files = build(r);
                FileDescriptor f = files.get(first.getName());
                String simple = service.substring(service.lastIndexOf('.') + 1);
                assertNotNull(f.findServiceByName(simple), service + " in " + first.getName());
            }
        }
    }

    @Test
    void testServiceFileComesWithItsTransitiveImports() throws Exception {
        try (Session s = new Session(channel)) {
            ServerReflectionResponse r = s.ask(ServerReflectionRequest.newBuilder()
                    .setFileByFilename("grpc/testing/test.proto").build());
            Map<String, FileDescriptor> files = build(r);
            assertEquals(Set.of("grpc/testing/test.proto", "grpc/testing/empty.proto", "grpc/testing/messages.proto"),
                    files.keySet());
            assertEquals("grpc/testing/test.proto", FileDescriptorProto.parseFrom(
                    r.getFileDescriptorResponse().getFileDescriptorProto(0)).getName(), "the asked-for file first");
            assertNotNull(files.get("grpc/testing/messages.proto").findMessageTypeByName("SimpleRequest"));
        }
    }

    @Test
    void symbolsOfEveryKindFindTheirFile() throws Exception {
        Map<String, String> expect = Map.of(
                "grpc.health.v1.Health.Check", "grpc/health/v1/health.proto",
                "grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto",
                "grpc.health.v1.HealthCheckResponse.SERVING", "grpc/health/v1/health.proto",
                "grpc.health.v1.HealthCheckRequest.service", "grpc/health/v1/health.proto",
                "grpc.testing.SimpleRequest", "grpc/testing/messages.proto",
                ".grpc.testing.Empty", "grpc/testing/empty.proto",
                "grpc.reflection.v1alpha.ServerReflectionRequest.message_request",
                "grpc/reflection/v1alpha/reflection.proto");
        try (Session s = new Session(channel)) {
            for (Map.Entry<String, String> e : expect.entrySet()) {
                ServerReflectionResponse r = s.ask(ServerReflectionRequest.newBuilder()
                        .setFileContainingSymbol(e.getKey()).build());
                assertTrue(r.hasFileDescriptorResponse(), e.getKey() + ": " + r.getErrorResponse());
                assertEquals(e.getValue(), FileDescriptorProto.parseFrom(
                        r.getFileDescriptorResponse().getFileDescriptorProto(0)).getName(), e.getKey());
            }
        }
    }

    @Test
    void unknownNamesGetNotFoundAndTheStreamGoesOn() throws Exception {
        try (Session s = new Session(channel)) {
            ServerReflectionResponse r = s.ask(ServerReflectionRequest.newBuilder()
                    .setFileContainingSymbol("no.such.Symbol").build());
            assertEquals(5, r.getErrorResponse().getErrorCode());
            assertTrue(r.getErrorResponse().getErrorMessage().contains("no.such.Symbol"));
            r = s.ask(ServerReflectionRequest.newBuilder().setFileByFilename("no/such.proto").build());
            assertEquals(5, r.getErrorResponse().getErrorCode());
            r = s.ask(ServerReflectionRequest.newBuilder().setFileContainingExtension(ExtensionRequest.newBuilder()
                    .setContainingType("grpc.testing.SimpleRequest").setExtensionNumber(100)).build());
            assertEquals(5, r.getErrorResponse().getErrorCode());
            r = s.ask(ServerReflectionRequest.newBuilder().setAllExtensionNumbersOfType("no.Such").build());
            assertEquals(5, r.getErrorResponse().getErrorCode());
            r = s.ask(ServerReflectionRequest.newBuilder().setHost("only-a-host").build());
            assertEquals(3, r.getErrorResponse().getErrorCode(), "no request field set: INVALID_ARGUMENT");
            // still usable
            r = s.ask(ServerReflectionRequest.newBuilder().setAllExtensionNumbersOfType("grpc.testing.SimpleRequest")
                    .build());
            assertEquals("grpc.testing.SimpleRequest", r.getAllExtensionNumbersResponse().getBaseTypeName());
            assertEquals(0, r.getAllExtensionNumbersResponse().getExtensionNumberCount());
        }
    }

    @Test
    void v1alphaAnswersTheSameOverOkHttp() throws Exception {
        ManagedChannel ok = OkHttpChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
        try {
            BlockingQueue<io.grpc.reflection.v1alpha.ServerReflectionResponse> got = new LinkedBlockingQueue<>();
            StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> req =
                    io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(ok).serverReflectionInfo(new StreamObserver<>() {
                        @Override
                        public void onNext(io.grpc.reflection.v1alpha.ServerReflectionResponse v) {
                            got.add(v);
                        }

                        @Override
                        public void onError(Throwable t) {
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            req.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
            io.grpc.reflection.v1alpha.ServerReflectionResponse r = got.poll(10, TimeUnit.SECONDS);
            assertNotNull(r);
            Set<String> names = new HashSet<>();
            r.getListServicesResponse().getServiceList().forEach(x -> names.add(x.getName()));
            assertEquals(SERVED, names);
            req.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder()
                    .setFileContainingSymbol("grpc.reflection.v1alpha.ServerReflection").build());
            r = got.poll(10, TimeUnit.SECONDS);
            assertNotNull(r);
            assertEquals("grpc/reflection/v1alpha/reflection.proto", FileDescriptorProto.parseFrom(
                    r.getFileDescriptorResponse().getFileDescriptorProto(0)).getName());
            req.onCompleted();
        } finally {
            ok.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    // ------------------------------------------------------------------ extensions (no server needed)

    /** google.longrunning.Operations imports google/api annotations, which extend descriptor.proto's options. */
    private static ReflectionService withExtensions() {
        return ReflectionService.of(List.of(com.google.longrunning.OperationsProto.getDescriptor()
                .findServiceByName("Operations")));
    }

    @Test
    void extensionsAreIndexedByTypeAndNumber() throws Exception {
        ReflectionService r = withExtensions();
        org.remotemedia.proto.grpc.reflection.v1.ServerReflectionResponse resp = r.answer(
                org.remotemedia.proto.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
                        .setAllExtensionNumbersOfType("google.protobuf.MethodOptions").build());
        List<Integer> numbers = resp.getAllExtensionNumbersResponse().getExtensionNumberList();
        int http = com.google.api.AnnotationsProto.http.getDescriptor().getNumber();
        assertTrue(numbers.contains(http), numbers.toString());
        resp = r.answer(org.remotemedia.proto.grpc.reflection.v1.ServerReflectionRequest.newBuilder()
                .setFileContainingExtension(org.remotemedia.proto.grpc.reflection.v1.ExtensionRequest.newBuilder()
                        .setContainingType("google.protobuf.MethodOptions").setExtensionNumber(http))
                .build());
        FileDescriptorProto first = FileDescriptorProto.parseFrom(
                resp.getFileDescriptorResponse().getFileDescriptorProto(0));
        assertEquals("google/api/annotations.proto", first.getName());
        Set<String> names = new HashSet<>();
        for (ByteString b : resp.getFileDescriptorResponse().getFileDescriptorProtoList()) {
            names.add(FileDescriptorProto.parseFrom(b).getName());
        }
        assertTrue(names.contains("google/protobuf/descriptor.proto"), names.toString());
        assertTrue(names.contains("google/api/http.proto"), names.toString());
    }

    @Test
    void differentFilesUnderOneNameAreRefusedUnlessFirstWins() {
        List<com.google.protobuf.Descriptors.ServiceDescriptor> clash = List.of(
                io.grpc.testing.integration.Test.getDescriptor().findServiceByName("TestService"),
                io.grpc.benchmarks.proto.Services.getDescriptor().findServiceByName("BenchmarkService"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReflectionService.of(clash));
        assertTrue(e.getMessage().contains("grpc/testing/messages.proto"), e.getMessage());
        assertEquals(Set.of("grpc/testing/messages.proto"), ReflectionService.firstWins(clash).nameClashes());
    }
}
