package org.remotemedia.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every validation rule, reported all at once with JSON-pointer paths. */
class ManifestValidationTest {
    private final PipelineEngine engine = PipelineEngine.standard();

    /** The validation problems of {@code e} as {path, message} pairs. */
    static List<String[]> problems(PipelineException e) throws Exception {
        assertEquals(ErrorType.VALIDATION, e.type(), e.getMessage());
        JsonNode ctx = new ObjectMapper().readTree(e.error().contextJson());
        List<String[]> out = new ArrayList<>();
        for (JsonNode p : ctx.get("problems")) {
            out.add(new String[] {p.get("path").asText(), p.get("message").asText()});
        }
        return out;
    }

    /** Fails unless a problem at {@code path} contains every fragment. */
    static void has(List<String[]> ps, String path, String... fragments) {
        for (String[] p : ps) {
            if (p[0].equals(path) && java.util.Arrays.stream(fragments).allMatch(p[1]::contains)) {
                return;
            }
        }
        StringBuilder sb = new StringBuilder();
        ps.forEach(p -> sb.append("\n  ").append(p[0]).append(": ").append(p[1]));
        throw new AssertionError("no problem at " + path + " containing " + List.of(fragments) + " in:" + sb);
    }

    @Test
    void reportsEveryProblemAtOnceWithPaths() throws Exception {
        String json = """
                {"version": "v2", "metadata": {},
                 "nodes": [
                   {"id": "in", "node_type": "PassThrough"},
                   {"id": "bad id!", "node_type": "Gain", "params": {"gain_db": 99, "gian": 1}},
                   {"id": "in", "node_type": "AudioFormatConvertor", "params": {}},
                   {"id": "fmt", "node_type": "AudioFormatConverter", "params": {"target_format": "i8", "dither": 3}},
                   {"id": "g", "node_type": "Gain", "capabilities": {"gpu": {"type": "cuda", "required": true}}},
                   {"id": "a", "node_type": "Gain"},
                   {"id": "b", "node_type": "Gain"},
                   {"id": "c", "node_type": "Gain"},
                   {"id": "m", "node_type": "Mixer"}
                 ],
                 "connections": [
                   {"from": "in", "to": "nowhere"},
                   {"from": "g", "to": "g"},
                   {"from": "a", "to": "b"}, {"from": "b", "to": "c"}, {"from": "c", "to": "a"},
                   {"from": "in", "to": "fmt"}, {"from": "g", "to": "fmt"},
                   {"from": "in", "to": "m"},
                   {"from": "in", "to": "fmt"}
                 ]}""";
        PipelineException e = assertThrows(PipelineException.class, () -> engine.compileJson(json));
        List<String[]> ps = problems(e);
        has(ps, "/version", "unsupported version \"v2\"", "v1");
        has(ps, "/metadata/name", "required");
        has(ps, "/nodes/1/id", "invalid", "^[A-Za-z0-9_-]+$");
        has(ps, "/nodes/1/params/gain_db", "out of range", "[-120, 60]");
        has(ps, "/nodes/1/params/gian", "unknown param", "did you mean 'gain'", "accepted params");
        has(ps, "/nodes/2/id", "duplicate node id \"in\"", "/nodes/0");
        has(ps, "/nodes/2/node_type", "unknown node_type", "did you mean \"AudioFormatConverter\"", "available types",
                "Mixer", "PassThrough");
        has(ps, "/nodes/3/params/target_format", "\"i8\"", "f32 | i16 | i32");
        has(ps, "/nodes/3/params/dither", "must be a string", "none | tpdf");
        has(ps, "/nodes/4/capabilities/gpu/required", "GPU", "cuda");
        has(ps, "/connections/0/to", "unknown node \"nowhere\"");
        has(ps, "/connections/1", "to itself");
        has(ps, "/connections", "cycle: a -> b -> c -> a");
        has(ps, "/nodes/3", "takes 1 audio input", "2 connections", "from in, g", "Mixer");
        has(ps, "/nodes/8", "Mixer \"m\" takes 2..64 audio inputs", "1 connection leads");
        has(ps, "/connections/8", "duplicate connection");
        assertTrue(e.getMessage().startsWith("invalid request ("), e.getMessage());
    }

    @Test
    void noNodesAndMissingVersion() throws Exception {
        PipelineException e = assertThrows(PipelineException.class,
                () -> engine.compileJson("{\"metadata\": {\"name\": \"x\"}, \"nodes\": []}"));
        List<String[]> ps = problems(e);
        has(ps, "/version", "missing");
        has(ps, "/nodes", "no nodes");
    }

    @Test
    void jsonSyntaxErrorsCarryLineAndColumn() throws Exception {
        String json = "{\n  \"version\": \"v1\",\n  \"nodes\": [ {\"id\": \"a\",, } ]\n}";
        PipelineException e = assertThrows(PipelineException.class, () -> engine.compileJson(json));
        assertEquals(ErrorType.VALIDATION, e.type());
        assertTrue(e.getMessage().contains("line 3, column"), e.getMessage());
        JsonNode ctx = new ObjectMapper().readTree(e.error().contextJson());
        assertEquals(3, ctx.get("line").asInt());
        assertTrue(ctx.get("column").asInt() > 10);
        PipelineException dup = assertThrows(PipelineException.class,
                () -> engine.compileJson("{\"version\": \"v1\", \"version\": \"v1\"}"));
        assertTrue(dup.getMessage().contains("Duplicate field"), dup.getMessage());
    }

    @Test
    void protobufFormParamsTextErrorsPointIntoTheText() throws Exception {
        Manifest m = new Manifest("v1", new Manifest.Metadata("p", "", ""), List.of(
                Manifest.Node.withParamsText("g", "Gain", "{\n \"gain_db\": -6,\n \"x\" 1}"),
                Manifest.Node.withParamsText("h", "Gain", "[1, 2]"),
                Manifest.Node.withParamsText("k", "Gain", "{\"gain_db\": \"loud\"}")),
                List.of(new Manifest.Connection("g", "h"), new Manifest.Connection("h", "k")));
        PipelineException e = assertThrows(PipelineException.class, () -> engine.compile(m));
        List<String[]> ps = problems(e);
        has(ps, "/nodes/0/params", "line 3, column");
        has(ps, "/nodes/1/params", "must be a JSON object");
        has(ps, "/nodes/2/params/gain_db", "must be a number", "string \"loud\"");
    }

    @Test
    void validManifestCompilesToATopologicalPlan() throws Exception {
        String json = """
                {"version": "v1", "metadata": {"name": "fan"},
                 "nodes": [
                   {"id": "mix", "node_type": "Mixer", "params": {"gains": [0.5, 0.5]}},
                   {"id": "a", "node_type": "Gain", "params": {"gain_db": -3}},
                   {"id": "src", "node_type": "PassThrough"},
                   {"id": "b", "nodeType": "Gain", "params": "{\\"gain\\": 2}", "isStreaming": true}
                 ],
                 "connections": [{"from": "src", "to": "a"}, {"from": "src", "to": "b"},
                                 {"from": "a", "to": "mix"}, {"from": "b", "to": "mix"}]}""";
        CompiledPlan plan = engine.compileJson(json);
        assertEquals(List.of("src", "a", "b", "mix"), plan.nodes().stream().map(CompiledPlan.PlanNode::id).toList());
        assertEquals(List.of("src"), plan.sources().stream().map(CompiledPlan.PlanNode::id).toList());
        assertEquals(List.of("mix"), plan.sinks().stream().map(CompiledPlan.PlanNode::id).toList());
        CompiledPlan.PlanNode src = plan.node("src");
        assertEquals(2, src.lastReader()); // b reads src last
        assertEquals(2, plan.node("mix").inputs().length);
        assertEquals("fan", plan.name());
        assertEquals(2.0, plan.node("b").params().number("gain"));
    }

    @Test
    void aThousandBrokenNodesAreCountedButOnlyTheFirstFiftyListed() throws Exception {
        StringBuilder json = new StringBuilder("{\"version\":\"v1\",\"metadata\":{\"name\":\"x\"},\"nodes\":[");
        for (int i = 0; i < 1000; i++) {
            json.append(i == 0 ? "" : ",").append("{\"id\":\"n").append(i).append("\",\"node_type\":\"Gian\"}");
        }
        json.append("],\"connections\":[]}");
        PipelineException e = assertThrows(PipelineException.class, () -> engine.compileJson(json.toString()));
        List<String[]> ps = problems(e);
        assertEquals(org.remotemedia.dsp.Problems.MAX_LISTED, ps.size());
        has(ps, "/nodes/0/node_type", "unknown node_type \"Gian\"", "did you mean \"Gain\"", "available types");
        JsonNode ctx = new ObjectMapper().readTree(e.error().contextJson());
        int omitted = ctx.get("omitted").asInt();
        assertTrue(omitted >= 1000 - ps.size(), "omitted " + omitted);
        assertTrue(e.getMessage().startsWith("invalid request (" + (ps.size() + omitted) + " problems): "));
        assertTrue(e.getMessage().endsWith("; and " + omitted + " more, not listed (the first 50 are)"),
                e.getMessage().substring(e.getMessage().length() - 80));
        assertTrue(e.getMessage().length() < 100_000, "bounded text: " + e.getMessage().length() + " chars");
    }

    @Test
    void aLongUnknownNodeTypeGetsNoSuggestion() throws Exception {
        org.remotemedia.dsp.NodeRegistry registry = org.remotemedia.dsp.NodeRegistry.builtin();
        assertEquals("Gain", registry.suggest("gian"));
        assertEquals("AudioResample", registry.suggest("Resample"), "a name that contains it");
        assertEquals(null, registry.suggest("Gain".repeat(100_000)), "out of reach by its length alone");
    }

    @Test
    void unknownFieldsAreReportedWithSuggestions() throws Exception {
        PipelineException e = assertThrows(PipelineException.class, () -> engine.compileJson(
                "{\"version\":\"v1\",\"metadata\":{\"name\":\"x\"},\"nodes\":[{\"id\":\"a\",\"node_type\":\"Gain\","
                        + "\"parms\":{}}],\"conections\":[]}"));
        List<String[]> ps = problems(e);
        has(ps, "/nodes/0/parms", "did you mean 'params'");
        has(ps, "/conections", "did you mean 'connections'");
    }

    @Test
    void aliasesAreAccepted() throws Exception {
        CompiledPlan plan = engine.compileJson("""
                {"version":"v1","metadata":{"name":"x"},"nodes":[
                 {"id":"e","node_type":"Echo"},{"id":"p","node_type":"PassThroughNode"},
                 {"id":"f","node_type":"RustFormatConverterNode","params":{"target_format":"i16"}}],
                 "connections":[{"from":"e","to":"p"},{"from":"p","to":"f"}]}""");
        assertEquals("PassThrough", plan.node("e").type().canonicalName());
        assertEquals(Map.of("target_format", "i16", "dither", "none", "dither_seed", 1L), plan.node("f").params().asMap());
    }
}
