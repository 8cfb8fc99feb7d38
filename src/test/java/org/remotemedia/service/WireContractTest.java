package org.remotemedia.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.remotemedia.proto.v1.CommonProto;
import org.remotemedia.proto.v1.ExecutionProto;
import org.remotemedia.proto.v1.StreamingProto;

/**
 * Reads the message and enum tables of docs/contract.md and checks every listed field
 * (number, name, type) and enum value (number, name) against our compiled protos, so a
 * renumbered or retyped field fails the build instead of breaking existing clients.
 */
class WireContractTest {
    private static final Pattern ROW = Pattern.compile("^\\|\\s*(enum\\s+)?(\\w+)\\s*\\|\\s*([^|]+)\\|");
    private static final Pattern FIELD = Pattern.compile("(\\d+): (repeated )?(map<\\w+, \\w+>|[\\w.]+) (\\w+)");
    private static final Pattern ENUM_VALUE = Pattern.compile("(\\w+)=(\\d+)");
    private static final Pattern NESTED_ENUM = Pattern.compile("nested enum (\\w+) \\{([^}]*)}");
    private static final FileDescriptor[] FILES = {
        CommonProto.getDescriptor(), ExecutionProto.getDescriptor(), StreamingProto.getDescriptor()
    };

    @Test
    void everyContractFieldAndEnumValueIsOnTheWireUnchanged() throws IOException {
        Path contract = Path.of("docs", "contract.md");
        assertTrue(Files.exists(contract), "docs/contract.md (the wire contract) is missing");
        int checked = 0;
        List<String> problems = new ArrayList<>();
        for (String line : Files.readAllLines(contract)) {
            Matcher row = ROW.matcher(line);
            if (!row.find() || row.group(2).equals("message")) {
                continue;
            }
            String name = row.group(2);
            String body = row.group(3);
            if (row.group(1) != null) {
                checked += checkEnum(findEnum(name), body, problems);
                continue;
            }
            Descriptor message = findMessage(name);
            if (message == null) {
                continue; // a row of another table (error table), not a message
            }
            Matcher nested = NESTED_ENUM.matcher(body);
            if (nested.find()) {
                checked += checkEnum(message.findEnumTypeByName(nested.group(1)), nested.group(2), problems);
                body = body.substring(0, nested.start());
            }
            Matcher f = FIELD.matcher(body);
            while (f.find()) {
                checked++;
                int number = Integer.parseInt(f.group(1));
                FieldDescriptor field = message.findFieldByNumber(number);
                if (field == null) {
                    problems.add(name + ": no field number " + number);
                    continue;
                }
                String fieldName = f.group(4);
                if (!field.getName().equals(fieldName)) {
                    problems.add(name + "." + number + ": named " + field.getName() + ", contract says " + fieldName);
                }
                String type = typeName(field);
                if (!type.equals(f.group(3))) {
                    problems.add(name + "." + fieldName + ": type " + type + ", contract says " + f.group(3));
                }
                boolean repeated = field.isRepeated() && !field.isMapField();
                if (repeated != (f.group(2) != null)) {
                    problems.add(name + "." + fieldName + ": repeated=" + repeated + " differs from the contract");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(checked > 100, "contract tables were not read (checked " + checked + ")");
    }

    private static int checkEnum(EnumDescriptor e, String body, List<String> problems) {
        assertNotNull(e, "enum in contract missing from protos: " + body);
        String prefix = e.findValueByNumber(0).getName().replace("UNSPECIFIED", "");
        int checked = 0;
        Matcher v = ENUM_VALUE.matcher(body);
        while (v.find()) {
            checked++;
            String expected = v.group(1).startsWith(prefix) ? v.group(1) : prefix + v.group(1);
            EnumValueDescriptor value = e.findValueByNumber(Integer.parseInt(v.group(2)));
            if (value == null || !value.getName().equals(expected)) {
                problems.add(e.getName() + "=" + v.group(2) + ": expected " + expected + ", have "
                        + (value == null ? "nothing" : value.getName()));
            }
        }
        return checked;
    }

    private static String typeName(FieldDescriptor field) {
        if (field.isMapField()) {
            Descriptor entry = field.getMessageType();
            return "map<" + typeName(entry.findFieldByName("key")) + ", " + typeName(entry.findFieldByName("value")) + ">";
        }
        return switch (field.getJavaType()) {
            case MESSAGE -> field.getMessageType().getName();
            case ENUM -> field.getEnumType().getName();
            default -> field.getType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    private static Descriptor findMessage(String name) {
        for (FileDescriptor f : FILES) {
            Descriptor d = f.findMessageTypeByName(name);
            if (d != null) {
                return d;
            }
        }
        return null;
    }

    private static EnumDescriptor findEnum(String name) {
        for (FileDescriptor f : FILES) {
            EnumDescriptor d = f.findEnumTypeByName(name);
            if (d != null) {
                return d;
            }
        }
        return null;
    }
}
