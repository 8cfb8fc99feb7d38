package org.remotemedia.service.reflection;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What reflection can answer, built once from the served services' descriptors: every file
 * they reach through imports, every fully-qualified symbol (messages, nested ones, fields,
 * oneofs, enums, enum values, services, methods, extensions) mapped to its file, extensions by
 * (extended type, number), and each file's serialized {@code FileDescriptorProto}. Immutable
 * after construction; read by every event loop.
 */
final class DescriptorIndex {
    private final List<String> serviceNames;
    private final Map<String, FileDescriptor> files = new LinkedHashMap<>();
    private final Map<String, FileDescriptor> symbols = new HashMap<>();
    private final Map<String, Map<Integer, FileDescriptor>> extensions = new HashMap<>();
    private final Map<String, ByteString> serialized = new HashMap<>();
    private final Set<String> messageTypes = new HashSet<>();
    private final Set<String> clashes = new java.util.TreeSet<>();

    DescriptorIndex(Collection<ServiceDescriptor> services) {
        TreeSet<String> names = new TreeSet<>();
        for (ServiceDescriptor s : services) {
            names.add(s.getFullName());
            addFile(s.getFile());
        }
        this.serviceNames = List.copyOf(names);
    }

    private void addFile(FileDescriptor root) {
        Deque<FileDescriptor> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            FileDescriptor f = todo.pop();
            FileDescriptor known = files.get(f.getName());
            if (known != null) {
                if (known != f && !known.toProto().equals(f.toProto())) {
                    clashes.add(f.getName()); // the first one stays; see ReflectionService.firstWins
                }
                continue;
            }
            files.put(f.getName(), f);
            serialized.put(f.getName(), f.toProto().toByteString());
            indexFile(f);
            for (FileDescriptor d : f.getDependencies()) {
                todo.push(d);
            }
        }
    }

    private void indexFile(FileDescriptor f) {
        for (Descriptor m : f.getMessageTypes()) {
            indexMessage(f, m);
        }
        for (EnumDescriptor e : f.getEnumTypes()) {
            indexEnum(f, e);
        }
        for (ServiceDescriptor s : f.getServices()) {
            symbols.putIfAbsent(s.getFullName(), f);
            for (MethodDescriptor m : s.getMethods()) {
                symbols.putIfAbsent(m.getFullName(), f);
            }
        }
        for (FieldDescriptor x : f.getExtensions()) {
            indexExtension(f, x);
        }
    }

    private void indexMessage(FileDescriptor f, Descriptor m) {
        symbols.putIfAbsent(m.getFullName(), f);
        messageTypes.add(m.getFullName());
        for (FieldDescriptor field : m.getFields()) {
            symbols.putIfAbsent(field.getFullName(), f);
        }
        for (OneofDescriptor o : m.getOneofs()) {
            symbols.putIfAbsent(o.getFullName(), f);
        }
        for (Descriptor nested : m.getNestedTypes()) {
            indexMessage(f, nested);
        }
        for (EnumDescriptor e : m.getEnumTypes()) {
            indexEnum(f, e);
        }
        for (FieldDescriptor x : m.getExtensions()) {
            indexExtension(f, x);
        }
    }

    private void indexEnum(FileDescriptor f, EnumDescriptor e) {
        symbols.putIfAbsent(e.getFullName(), f);
        // protobuf scopes enum values beside their enum (pkg.Msg.VALUE); Java's descriptors
        // name them inside it (pkg.Msg.Enum.VALUE): index both spellings
        String scope = e.getContainingType() != null ? e.getContainingType().getFullName() : f.getPackage();
        for (EnumValueDescriptor v : e.getValues()) {
            symbols.putIfAbsent(v.getFullName(), f);
            symbols.putIfAbsent(scope.isEmpty() ? v.getName() : scope + "." + v.getName(), f);
        }
    }

    private void indexExtension(FileDescriptor f, FieldDescriptor x) {
        symbols.putIfAbsent(x.getFullName(), f);
        extensions.computeIfAbsent(x.getContainingType().getFullName(), k -> new TreeMap<>())
                .putIfAbsent(x.getNumber(), f);
    }

    /** Names of files met twice with different contents (only the first is served). */
    Set<String> clashes() {
        return clashes;
    }

    /** Fully-qualified names of the served services, sorted. */
    List<String> serviceNames() {
        return serviceNames;
    }

    /** The file named {@code name}, or null. */
    FileDescriptor fileByName(String name) {
        return files.get(name);
    }

    /** The file declaring {@code symbol} (a leading '.' is accepted), or null. */
    FileDescriptor fileContainingSymbol(String symbol) {
        String s = symbol.startsWith(".") ? symbol.substring(1) : symbol;
        return symbols.get(s);
    }

    /** The file declaring extension {@code number} of {@code type}, or null. */
    FileDescriptor fileContainingExtension(String type, int number) {
        Map<Integer, FileDescriptor> byNumber = extensions.get(stripDot(type));
        return byNumber == null ? null : byNumber.get(number);
    }

    /** True if {@code type} is a message type reflection knows. */
    boolean isMessageType(String type) {
        return messageTypes.contains(stripDot(type));
    }

    /** Known extension numbers of {@code type}, ascending (empty if none). */
    List<Integer> extensionNumbers(String type) {
        Map<Integer, FileDescriptor> byNumber = extensions.get(stripDot(type));
        return byNumber == null ? Collections.emptyList() : new ArrayList<>(byNumber.keySet());
    }

    /** {@code file} then every file it imports, transitively, each once, as serialized FileDescriptorProtos. */
    List<ByteString> withDependencies(FileDescriptor file) {
        List<ByteString> out = new ArrayList<>();
        Map<String, Boolean> seen = new HashMap<>();
        Deque<FileDescriptor> todo = new ArrayDeque<>();
        todo.add(file);
        while (!todo.isEmpty()) {
            FileDescriptor f = todo.poll();
            if (seen.putIfAbsent(f.getName(), Boolean.TRUE) != null) {
                continue;
            }
            out.add(serialized.get(f.getName()));
            todo.addAll(f.getDependencies());
        }
        return out;
    }

    private static String stripDot(String s) {
        return s.startsWith(".") ? s.substring(1) : s;
    }

}
