package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Our own health and reflection .proto files against the ones grpc-java ships compiled
 * (io.grpc:grpc-services): same file name, package, messages, fields (name, number, type,
 * label, oneof), enum values and methods (types, streaming), so every standard client that
 * was generated from the official files talks to ours unchanged. Only options (the Java
 * package) may differ.
 */
class ProtoCompatibilityTest {
    @Test
    void healthMatchesTheStandardProtocol() {
        assertSameShape(io.grpc.health.v1.HealthProto.getDescriptor(),
                org.remotemedia.proto.grpc.health.v1.HealthProto.getDescriptor());
    }

    @Test
    void reflectionV1MatchesTheStandardProtocol() {
        assertSameShape(io.grpc.reflection.v1.ServerReflectionProto.getDescriptor(),
                org.remotemedia.proto.grpc.reflection.v1.ServerReflectionProto.getDescriptor());
    }

    @Test
    void reflectionV1alphaMatchesTheStandardProtocol() {
        assertSameShape(io.grpc.reflection.v1alpha.ServerReflectionProto.getDescriptor(),
                org.remotemedia.proto.grpc.reflection.v1alpha.ServerReflectionProto.getDescriptor());
    }

    private static void assertSameShape(FileDescriptor official, FileDescriptor ours) {
        assertEquals(official.getName(), ours.getName());
        assertEquals(shape(official), shape(ours));
    }

    /** Everything that reaches the wire or a generated client, as lines. */
    private static List<String> shape(FileDescriptor f) {
        List<String> out = new ArrayList<>();
        out.add("package " + f.getPackage() + " syntax " + f.toProto().getSyntax());
        for (Descriptor m : f.getMessageTypes()) {
            message(m, out);
        }
        for (EnumDescriptor e : f.getEnumTypes()) {
            enumeration(e, out);
        }
        for (ServiceDescriptor s : f.getServices()) {
            out.add("service " + s.getFullName());
            for (MethodDescriptor m : s.getMethods()) {
                out.add("  rpc " + m.getName() + "(" + (m.isClientStreaming() ? "stream " : "") + m.getInputType()
                        .getFullName() + ") returns (" + (m.isServerStreaming() ? "stream " : "")
                        + m.getOutputType().getFullName() + ")");
            }
        }
        return out;
    }

    private static void message(Descriptor m, List<String> out) {
        out.add("message " + m.getFullName());
        for (FieldDescriptor fd : m.getFields()) {
            out.add("  " + fd.getNumber() + " " + fd.getName() + " " + fd.getType()
                    + (fd.isRepeated() ? " repeated" : "")
                    + (fd.getType() == FieldDescriptor.Type.MESSAGE ? " " + fd.getMessageType().getFullName() : "")
                    + (fd.getType() == FieldDescriptor.Type.ENUM ? " " + fd.getEnumType().getFullName() : "")
                    + (fd.getRealContainingOneof() != null ? " oneof " + fd.getRealContainingOneof().getName() : ""));
        }
        for (Descriptor n : m.getNestedTypes()) {
            message(n, out);
        }
        for (EnumDescriptor e : m.getEnumTypes()) {
            enumeration(e, out);
        }
    }

    private static void enumeration(EnumDescriptor e, List<String> out) {
        out.add("enum " + e.getFullName());
        e.getValues().forEach(v -> out.add("  " + v.getName() + " = " + v.getNumber()));
    }
}
