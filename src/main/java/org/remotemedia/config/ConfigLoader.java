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
import java.util.Set;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Builds a {@link ServerConfig} from, in rising precedence: defaults, a YAML file, environment
 * variables, and command-line flags. Environment: the short names of {@link #ENV_ALIASES}
 * (e.g. {@code GRPC_PORT}), then {@code RM_<SECTION>_<KEY>} (e.g. {@code RM_SERVER_PORT}),
 * which wins over a short name for the same setting; variables of other sections
 * ({@code RM_JAVA_OPTS}, {@code RM_HOME}) belong to the launcher and are ignored. Flags:
 * {@code --set key=value}, then the dedicated flags ({@code --port} ...), which win.
 */
public final class ConfigLoader {
    public static final String ENV_PREFIX = "RM_";

    /** Environment names other gRPC daemons of this family use, and the settings they set. */
    public static final Map<String, String> ENV_ALIASES = aliases();

    private static Map<String, String> aliases() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("GRPC_HOST", "server.host");
        m.put("GRPC_PORT", "server.port");
        m.put("AUTH_TOKENS_FILE", "auth.tokens_file");
        m.put("MAX_TIMEOUT_MS", "execution.max_timeout_ms");
        m.put("MAX_MEMORY_BYTES", "execution.max_memory_bytes");
        m.put("MAX_CONCURRENT_EXECUTIONS", "execution.max_concurrent_executions");
        m.put("LOG_LEVEL", "logging.level");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The flat settings and where each came from ("file F", "env X", "--set", "--port"). */
    public record Sources(Map<String, String> values, Map<String, String> origins) {
        public ServerConfig config() {
            return ServerConfig.from(values, origins);
        }
    }

    private ConfigLoader() {
    }

    public static ServerConfig load(Path yamlFile, Map<String, String> env, List<String> overrides) {
        return sources(yamlFile, env, overrides, Map.of()).config();
    }

    /**
     * Collects the settings without validating their values (see {@link Sources#config()}).
     *
     * @param flags dedicated command-line flags as setting -> value, each with the flag's name as
     *              its origin key prefix: {@code "--port" -> "server.port=6000"} is written as the
     *              entry {@code ("--port", "server.port=6000")}
     */
    public static Sources sources(Path yamlFile, Map<String, String> env, List<String> overrides,
            Map<String, String> flags) {
        Map<String, String> flat = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        if (yamlFile != null) {
            Map<String, String> fromFile = new LinkedHashMap<>();
            flatten("", readYaml(yamlFile), fromFile, problems, yamlFile);
            for (String k : fromFile.keySet()) {
                origins.put(k, "file " + yamlFile);
            }
            flat.putAll(fromFile);
        }
        for (Map.Entry<String, String> a : ENV_ALIASES.entrySet()) {
            String v = env.get(a.getKey());
            if (v != null) {
                flat.put(a.getValue(), v);
                origins.put(a.getValue(), "environment " + a.getKey());
            }
        }
        Set<String> sections = ServerConfig.sections();
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            int split = name.indexOf('_', ENV_PREFIX.length());
            if (name.startsWith(ENV_PREFIX) && split > 0) {
                String section = name.substring(ENV_PREFIX.length(), split).toLowerCase(Locale.ROOT);
                if (sections.contains(section)) {
                    String key = section + "." + name.substring(split + 1).toLowerCase(Locale.ROOT);
                    flat.put(key, e.getValue());
                    origins.put(key, "environment " + name);
                }
            }
        }
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                problems.add("--set '" + o + "': expected key=value, e.g. --set server.port=50051");
            } else {
                String key = o.substring(0, eq).trim();
                flat.put(key, o.substring(eq + 1).trim());
                origins.put(key, "--set");
            }
        }
        for (Map.Entry<String, String> f : flags.entrySet()) {
            String kv = f.getValue();
            int eq = kv.indexOf('=');
            flat.put(kv.substring(0, eq), kv.substring(eq + 1));
            origins.put(kv.substring(0, eq), f.getKey());
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Sources(flat, origins);
    }

    private static Object readYaml(Path file) {
        try (Reader in = Files.newBufferedReader(file)) {
            Object doc = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromReader(in);
            return doc == null ? Map.of() : doc;
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": cannot read (" + e.getMessage() + "): give a readable YAML file"
                    + " to --config"));
        } catch (YamlEngineException e) {
            throw new ConfigException(List.of(file + ": not valid YAML: " + e.getMessage().replace('\n', ' ')));
        }
    }

    private static void flatten(String prefix, Object node, Map<String, String> out, List<String> problems, Path file) {
        if (node instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
                if (prefix.isEmpty() && e.getValue() == null) {
                    continue; // a section whose settings are all commented out
                }
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
