package org.remotemedia.service.reflection;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.remotemedia.grpc.InboundMessage;
import org.remotemedia.grpc.Status;
import org.remotemedia.grpc.StatusCode;
import org.remotemedia.proto.grpc.reflection.v1.ErrorResponse;
import org.remotemedia.proto.grpc.reflection.v1.ExtensionNumberResponse;
import org.remotemedia.proto.grpc.reflection.v1.ExtensionRequest;
import org.remotemedia.proto.grpc.reflection.v1.FileDescriptorResponse;
import org.remotemedia.proto.grpc.reflection.v1.ListServiceResponse;
import org.remotemedia.proto.grpc.reflection.v1.ServerReflectionProto;
import org.remotemedia.proto.grpc.reflection.v1.ServerReflectionRequest;
import org.remotemedia.proto.grpc.reflection.v1.ServerReflectionResponse;
import org.remotemedia.proto.grpc.reflection.v1.ServiceResponse;
import org.remotemedia.rpc.CallListener;
import org.remotemedia.rpc.MethodRegistry;
import org.remotemedia.rpc.ServerCall;
import org.remotemedia.service.ProtoCodec;

/**
 * gRPC server reflection, {@code grpc.reflection.v1} and {@code grpc.reflection.v1alpha}, so
 * that grpcurl, buf curl, ghz and Postman call the server without .proto files. It serves the
 * descriptors the daemon passes in (one per registered service) plus its own and every file they
 * import: list_services, file_by_filename, file_containing_symbol,
 * file_containing_extension, all_extension_numbers_of_type; an unknown name gets an
 * error_response (NOT_FOUND) on the stream, which stays open.
 *
 * <p>The two versions are the same messages with the same field numbers, so one handler parses
 * and answers both with the v1 classes; only the descriptors served for the reflection service
 * itself differ.
 *
 * <p>Threads: immutable after construction; each call's listener runs on its event loop.
 */
public final class ReflectionService {
    public static final String V1 = "grpc.reflection.v1.ServerReflection";
    public static final String V1ALPHA = "grpc.reflection.v1alpha.ServerReflection";

    private final DescriptorIndex index;

    private ReflectionService(DescriptorIndex index) {
        this.index = index;
    }

    /**
     * Reflection over {@code services} (the descriptors of every other registered service;
     * the two reflection services are added here).
     *
     * @throws IllegalArgumentException if two different files share a name (reflection could
     *     not tell a client which one it means)
     */
    public static ReflectionService of(Collection<ServiceDescriptor> services) {
        ReflectionService r = firstWins(services);
        if (!r.nameClashes().isEmpty()) {
            throw new IllegalArgumentException("different files share the names " + r.nameClashes()
                    + " among the served descriptors: reflection could not tell which one a client means");
        }
        return r;
    }

    /**
     * Like {@link #of}, but where two different files share a name the one met first (in
     * {@code services} order) is served and the other ignored; {@link #nameClashes()} lists them.
     * For test servers that mix proto sets which reuse a file name (grpc-java's interop and
     * benchmark messages.proto).
     */
    public static ReflectionService firstWins(Collection<ServiceDescriptor> services) {
        List<ServiceDescriptor> all = new ArrayList<>(services);
        all.addAll(ownDescriptors());
        return new ReflectionService(new DescriptorIndex(all));
    }

    /** File names met with two different contents (empty unless built with {@link #firstWins}). */
    public java.util.Set<String> nameClashes() {
        return index.clashes();
    }

    /** The descriptors of grpc.reflection.v1.ServerReflection and v1alpha. */
    public static List<ServiceDescriptor> ownDescriptors() {
        return List.of(ServerReflectionProto.getDescriptor().findServiceByName("ServerReflection"),
                org.remotemedia.proto.grpc.reflection.v1alpha.ServerReflectionProto.getDescriptor()
                        .findServiceByName("ServerReflection"));
    }

    /** Registers ServerReflectionInfo of both versions. */
    public ReflectionService register(MethodRegistry.Builder registry) {
        registry.bidiStreaming("/" + V1 + "/ServerReflectionInfo", this::start);
        registry.bidiStreaming("/" + V1ALPHA + "/ServerReflectionInfo", this::start);
        return this;
    }

    /** The served service names, sorted (what list_services answers). */
    public List<String> serviceNames() {
        return index.serviceNames();
    }

    private CallListener start(ServerCall call) {
        call.request(1);
        return new Stream(call);
    }

    /** Answers one request (event loop; not a hot path). */
    ServerReflectionResponse answer(ServerReflectionRequest req) {
        ServerReflectionResponse.Builder out = ServerReflectionResponse.newBuilder()
                .setValidHost(req.getHost())
                .setOriginalRequest(req);
        switch (req.getMessageRequestCase()) {
            case LIST_SERVICES -> {
                ListServiceResponse.Builder list = ListServiceResponse.newBuilder();
                for (String name : index.serviceNames()) {
                    list.addService(ServiceResponse.newBuilder().setName(name));
                }
                out.setListServicesResponse(list);
            }
            case FILE_BY_FILENAME -> {
                FileDescriptor f = index.fileByName(req.getFileByFilename());
                if (f == null) {
                    return error(out, StatusCode.NOT_FOUND, "file '" + req.getFileByFilename()
                            + "' is not known to this server (list_services, then file_containing_symbol, "
                            + "finds the files it serves)");
                }
                out.setFileDescriptorResponse(files(f));
            }
            case FILE_CONTAINING_SYMBOL -> {
                FileDescriptor f = index.fileContainingSymbol(req.getFileContainingSymbol());
                if (f == null) {
                    return error(out, StatusCode.NOT_FOUND, "symbol '" + req.getFileContainingSymbol()
                            + "' is not known to this server: give a fully-qualified name such as "
                            + "grpc.health.v1.Health or grpc.health.v1.HealthCheckRequest");
                }
                out.setFileDescriptorResponse(files(f));
            }
            case FILE_CONTAINING_EXTENSION -> {
                ExtensionRequest x = req.getFileContainingExtension();
                FileDescriptor f = index.fileContainingExtension(x.getContainingType(), x.getExtensionNumber());
                if (f == null) {
                    return error(out, StatusCode.NOT_FOUND, "no extension " + x.getExtensionNumber() + " of type '"
                            + x.getContainingType() + "' is known to this server");
                }
                out.setFileDescriptorResponse(files(f));
            }
            case ALL_EXTENSION_NUMBERS_OF_TYPE -> {
                String type = req.getAllExtensionNumbersOfType();
                if (!index.isMessageType(type)) {
                    return error(out, StatusCode.NOT_FOUND, "message type '" + type
                            + "' is not known to this server");
                }
                out.setAllExtensionNumbersResponse(ExtensionNumberResponse.newBuilder()
                        .setBaseTypeName(type.startsWith(".") ? type.substring(1) : type)
                        .addAllExtensionNumber(index.extensionNumbers(type)));
            }
            default -> {
                return error(out, StatusCode.INVALID_ARGUMENT, "the request sets none of file_by_filename, "
                        + "file_containing_symbol, file_containing_extension, all_extension_numbers_of_type, "
                        + "list_services");
            }
        }
        return out.build();
    }

    private FileDescriptorResponse files(FileDescriptor f) {
        return FileDescriptorResponse.newBuilder().addAllFileDescriptorProto(index.withDependencies(f)).build();
    }

    private static ServerReflectionResponse error(ServerReflectionResponse.Builder out, StatusCode code, String msg) {
        return out.setErrorResponse(ErrorResponse.newBuilder().setErrorCode(code.value()).setErrorMessage(msg))
                .build();
    }

    /**
     * One ServerReflectionInfo stream: one response per request, in order; asks for the next
     * request only while the client reads responses. Owned by the call's event loop.
     */
    private final class Stream implements CallListener {
        private final ServerCall call;
        private boolean waitingForReady;

        Stream(ServerCall call) {
            this.call = call;
        }

        @Override
        public void onMessage(InboundMessage message) {
            ServerReflectionRequest req;
            try {
                req = ProtoCodec.parse(message, ServerReflectionRequest.parser());
            } catch (InvalidProtocolBufferException e) {
                call.close(Status.of(StatusCode.INVALID_ARGUMENT, "the request is not a valid "
                        + "ServerReflectionRequest: " + e.getMessage()));
                return;
            }
            call.sendMessage(answer(req), ProtoCodec.ENCODER);
            if (call.isReady()) {
                call.request(1);
            } else {
                waitingForReady = true;
            }
        }

        @Override
        public void onReady() {
            if (waitingForReady) {
                waitingForReady = false;
                call.request(1);
            }
        }

        @Override
        public void onHalfClose() {
            call.close(Status.OK);
        }
    }
}
