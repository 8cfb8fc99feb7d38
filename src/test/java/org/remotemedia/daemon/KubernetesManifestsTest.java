package org.remotemedia.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.remotemedia.auth.TokenSet;
import org.remotemedia.config.ConfigLoader;
import org.remotemedia.config.ServerConfig;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * deploy/k8s: every manifest is valid against the Kubernetes API schemas, offline
 * ({@code scripts/lib/k8s-validate.mjs}: kubernetes-models' JSON schemas and TypeScript's
 * unknown-field check), a broken one is refused, and the manifests agree with the daemon: the
 * ConfigMap's server.yaml loads, the Secret's lines are token digests, the probes and Services
 * use the ports that file sets, and the termination grace outlasts the preStop delay plus the
 * drain.
 */
class KubernetesManifestsTest {
    private static final Path K8S = Path.of("deploy/k8s");
    private static final Path VALIDATOR = Path.of("scripts/lib/k8s-validate.mjs");

    @TempDir
    Path tmp;

    record Run(int exit, String out) {
    }

    private static Run validate(List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("node", VALIDATOR.toString()));
        files.forEach(f -> cmd.add(f.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the validator ends");
        Run r = new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS));
        assertTrue(r.exit() != 2, "the validator's tools are missing (scripts/lib/install-test-tools.sh): " + r.out());
        return r;
    }

    private static List<Path> manifests() throws IOException {
        try (var files = Files.list(K8S)) {
            return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void everyManifestIsValidAgainstTheKubernetesApiSchemas() throws Exception {
        Run r = validate(manifests());
        assertEquals(0, r.exit(), r.out());
        for (String kind : new String[] {"Deployment remotemedia", "Service remotemedia-headless", "Service remotemedia",
            "PodDisruptionBudget remotemedia", "HorizontalPodAutoscaler remotemedia", "ConfigMap remotemedia-config",
            "Secret remotemedia-tokens"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("ok ") && l.endsWith(" " + kind)), kind + " in\n" + r.out());
        }
    }

    @Test
    void aBrokenManifestIsRefused() throws Exception {
        String deployment = Files.readString(K8S.resolve("deployment.yaml"));
        Map<String, String[]> broken = new java.util.LinkedHashMap<>();
        // {from, to, what the validator must say}
        broken.put("misspelled field", new String[] {"terminationGracePeriodSeconds:", "terminationGracePeriodSecond:",
            "'\"terminationGracePeriodSecond\"' does not exist"});
        broken.put("wrong type", new String[] {"port: 50051\n", "port: \"fifty\"\n", "grpc/port must be integer"});
        broken.put("bad quantity", new String[] {"memory: 2Gi", "memory: two-gigs", "must match format \"quantity\""});
        broken.put("unknown version", new String[] {"apiVersion: apps/v1\n", "apiVersion: apps/v9\n",
            "unknown apiVersion/kind apps/v9/Deployment"});
        for (var e : broken.entrySet()) {
            String[] b = e.getValue();
            assertTrue(deployment.contains(b[0]), e.getKey() + ": deployment.yaml has " + b[0]);
            Path f = Files.writeString(tmp.resolve(e.getKey().replace(' ', '-') + ".yaml"), deployment.replace(b[0], b[1]));
            Run r = validate(List.of(f));
            assertEquals(1, r.exit(), e.getKey() + " is refused:\n" + r.out());
            assertTrue(r.out().contains(b[2]), e.getKey() + ": says " + b[2] + " in\n" + r.out());
        }
        Path notYaml = Files.writeString(tmp.resolve("bad.yaml"), "kind: [unclosed\n");
        assertEquals(1, validate(List.of(notYaml)).exit(), "a YAML syntax error is refused");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> load(String file) throws IOException {
        return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(K8S.resolve(file)));
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, String... path) {
        Object n = node;
        for (String p : path) {
            if (n instanceof List<?> list) {
                n = list.get(Integer.parseInt(p));
            } else {
                n = ((Map<String, Object>) n).get(p);
            }
            assertNotNull(n, "missing " + String.join(".", path) + " at " + p);
        }
        return (T) n;
    }

    @Test
    @SuppressWarnings("unchecked")
    void theManifestsAgreeWithTheDaemonAndWithEachOther() throws Exception {
        // the ConfigMap's server.yaml is a valid configuration, and the Secret's file valid tokens
        Map<String, Object> cm = load("configmap.yaml");
        Path yaml = Files.writeString(tmp.resolve("server.yaml"), (String) at(cm, "data", "server.yaml"));
        Path tokens = Files.writeString(tmp.resolve("tokens"), (String) at(load("secret.yaml"), "stringData", "tokens"));
        ServerConfig cfg = ConfigLoader.sources(yaml, Map.of(), List.of(), Map.of()).config();
        assertEquals(Path.of("/etc/remotemedia/tokens"), cfg.auth().tokensFile(), "the token file is the Secret's mount");
        ServerConfig withTokens = ConfigLoader.sources(yaml, Map.of(), List.of("auth.tokens_file=" + tokens), Map.of()).config();
        assertEquals(1, TokenSet.from(withTokens.auth()).size(), "the Secret holds one NAME:SHA256HEX line");

        Map<String, Object> dep = load("deployment.yaml");
        Map<String, Object> pod = at(dep, "spec", "template", "spec");
        Map<String, String> labels = at(dep, "spec", "template", "metadata", "labels");
        assertEquals(labels, (Object) at(dep, "spec", "selector", "matchLabels"));
        Map<String, Object> c = at(pod, "containers", "0");
        Map<String, Integer> ports = new HashMap<>();
        for (Map<String, Object> p : (List<Map<String, Object>>) at(c, "ports")) {
            ports.put((String) p.get("name"), (Integer) p.get("containerPort"));
        }
        assertEquals(Map.of("grpc", cfg.server().port(), "metrics", cfg.server().metricsPort()), ports);

        // readiness and start-up through native gRPC health of the whole server; liveness through
        // the daemon's liveness name, which overload does not turn off (OperationsTest checks that)
        for (String probe : new String[] {"readinessProbe", "startupProbe", "livenessProbe"}) {
            assertEquals(cfg.server().port(), (Integer) at(c, probe, "grpc", "port"), probe);
        }
        assertEquals("", (Object) at(c, "readinessProbe", "grpc", "service"));
        assertEquals("", (Object) at(c, "startupProbe", "grpc", "service"));
        assertEquals(org.remotemedia.service.health.HealthService.LIVENESS,
                (Object) at(c, "livenessProbe", "grpc", "service"));

        // the kubelet's SIGKILL comes after preStop + drain notice + drain grace
        List<String> preStop = at(c, "lifecycle", "preStop", "exec", "command");
        assertEquals("sleep", preStop.get(0));
        long preStopMs = Long.parseLong(preStop.get(1)) * 1000;
        long graceMs = ((Integer) at(pod, "terminationGracePeriodSeconds")) * 1000L;
        long drainMs = cfg.server().drainNoticeMs() + cfg.server().drainGraceMs();
        assertTrue(preStopMs > 0 && cfg.server().drainNoticeMs() > 0, "a preStop delay and a drain notice");
        assertTrue(graceMs >= preStopMs + drainMs + 5000, "terminationGracePeriodSeconds " + graceMs
                + " ms leaves at least 5 s after preStop " + preStopMs + " + drain " + drainMs);

        for (String r : new String[] {"requests", "limits"}) {
            Map<String, Object> res = at(c, "resources", r);
            assertTrue(res.containsKey("cpu") && res.containsKey("memory"), r + ": " + res);
        }
        // the image's user, and the config file where the entrypoint is told to look
        assertEquals(10001, (Integer) at(pod, "securityContext", "runAsUser"));
        assertTrue(Files.readString(Path.of("Containerfile")).contains("\nUSER 10001:10001\n"));
        Map<String, String> env = new HashMap<>();
        for (Map<String, Object> e : (List<Map<String, Object>>) at(c, "env")) {
            env.put((String) e.get("name"), (String) e.get("value"));
        }
        String mount = null;
        for (Map<String, Object> m : (List<Map<String, Object>>) at(c, "volumeMounts")) {
            if ("config".equals(m.get("name"))) {
                mount = (String) m.get("mountPath");
            }
        }
        assertEquals(mount + "/server.yaml", env.get("RM_CONFIG"));
        assertEquals(cfg.auth().tokensFile(), Path.of(mount, "tokens"));
        List<Map<String, Object>> sources = at(pod, "volumes", "0", "projected", "sources");
        assertEquals("remotemedia-config", (Object) at(sources, "0", "configMap", "name"));
        assertEquals("server.yaml", (Object) at(sources, "0", "configMap", "items", "0", "path"));
        assertEquals("remotemedia-tokens", (Object) at(sources, "1", "secret", "name"));
        assertEquals("tokens", (Object) at(sources, "1", "secret", "items", "0", "path"));

        // Services, PDB and HPA reach these pods
        Map<String, Object> headless = load("service-headless.yaml");
        assertEquals("None", (Object) at(headless, "spec", "clusterIP"));
        for (Map<String, Object> svc : List.of(headless, load("service.yaml"))) {
            assertEquals(labels, (Object) at(svc, "spec", "selector"));
            for (Map<String, Object> p : (List<Map<String, Object>>) at(svc, "spec", "ports")) {
                assertTrue(ports.containsKey((String) p.get("targetPort")), "targetPort " + p);
                assertEquals(ports.get((String) p.get("targetPort")), p.get("port"), "the same port outside: " + p);
            }
        }
        assertEquals(labels, (Object) at(load("pdb.yaml"), "spec", "selector", "matchLabels"));
        Map<String, Object> hpa = load("hpa.yaml");
        assertEquals("Deployment", (Object) at(hpa, "spec", "scaleTargetRef", "kind"));
        assertEquals((Object) at(dep, "metadata", "name"), (Object) at(hpa, "spec", "scaleTargetRef", "name"));
        assertEquals("cpu", (Object) at(hpa, "spec", "metrics", "0", "resource", "name"));

        // kubectl apply -k deploy/k8s takes every manifest
        List<String> listed = at(load("kustomization.yaml"), "resources");
        List<String> files = manifests().stream().map(f -> f.getFileName().toString())
                .filter(n -> !n.equals("kustomization.yaml")).toList();
        assertEquals(files.stream().sorted().toList(), listed.stream().sorted().toList());
    }
}
