package org.remotemedia.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Builds a {@link ServerConfig} from, in rising precedence: defaults, a YAML file, environment
 * variables {@code RM_<SECTION>_<KEY>} (e.g. {@code RM_SERVER_PORT}), and {@code key=value}
 * overrides from the command line.
 */
public final class ConfigLoader {
    public static final String ENV_PREFIX = "RM_";

    private ConfigLoader() {
    }

    public static ServerConfig load(Path yamlFile, Map<String, String> env, List<String> overrides) {
        Map<String, String> flat = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        if (yamlFile != null) {
            flatten("", readYaml(yamlFile), flat, problems, yamlFile);
        }
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            int split = name.indexOf('_', ENV_PREFIX.length());
            if (name.startsWith(ENV_PREFIX) && split > 0) {
                String section = name.substring(ENV_PREFIX.length(), split).toLowerCase(Locale.ROOT);
                String key = name.substring(split + 1).toLowerCase(Locale.ROOT);
                flat.put(section + "." + key, e.getValue());
            }
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                problems.add("override '" + o + "': expected key=value, e.g. server.port=50051");
            } else {
                flat.put(o.substring(0, eq).trim(), o.substring(eq + 1).trim());
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return ServerConfig.from(flat);
    }

    private static Object readYaml(Path file) {
        try (Reader in = Files.newBufferedReader(file)) {
            Object doc = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromReader(in);
            return doc == null ? Map.of() : doc;
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read (" + e.getMessage() + ")"));
        } catch (YamlEngineException e) {
            throw new ConfigException(List.of(file + ": not valid YAML: " + e.getMessage()));
        }
    }

    private static void flatten(String prefix, Object node, Map<String, String> out, List<String> problems, Path file) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
                flatten(key, e.getValue(), out, problems, file);
            }
        } else if (node instanceof List<?> list) {
            List<String> parts = new ArrayList<>();
            for (Object item : list) {
                parts.add(String.valueOf(item));
            }
            out.put(prefix, String.join(",", parts));
        } else if (prefix.isEmpty()) {
            problems.add(file + ": the top level must be a mapping of sections (server:, transport:, ...)");
        } else {
            out.put(prefix, node == null ? "" : String.valueOf(node));
        }
    }
}
