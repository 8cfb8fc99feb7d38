package org.remotemedia.dsp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.remotemedia.testkit.TestModels;

/**
 * The node contract, over every registered type (aliases included) and every example it
 * declares: streaming in 1-frame, random, 10 ms and 100 ms chunks equals one-shot (tail
 * included), the declared latency holds, reset() works; a data node's example gives its declared
 * data output, once as a streaming delta and always as the summary. A new node registered in
 * BuiltinNodes is covered here without further code.
 */
class NodeContractTest {

    @TestFactory
    Stream<DynamicTest> streamingEqualsOneShotForEveryNode() {
        List<DynamicTest> tests = new ArrayList<>();
        for (NodeType type : TestModels.registry().types()) {
            for (NodeExample ex : type.examples()) {
                if (ex.isData()) {
                    tests.add(DynamicTest.dynamicTest(type.name() + " / " + ex.label(),
                            () -> NodeHarness.assertDataExample(type, ex)));
                    continue;
                }
                int rate = ex.inputs().isEmpty() ? 16000 : ex.inputs().get(0).sampleRate();
                int frames = Math.max(1000, rate / 3); // 1/3 s: bursts and gaps for VAD, a tail for filters
                tests.add(DynamicTest.dynamicTest(type.name() + " / " + ex.label(),
                        () -> NodeHarness.assertStreamingMatchesOneShot(type, ex, frames, true)));
            }
        }
        return tests.stream();
    }

    @Test
    void everyTypeIsDocumentedAndHasExamples() {
        for (NodeType type : TestModels.registry().types()) {
            assertFalse(type.examples().isEmpty(), type.name() + " declares no examples");
            assertNotNull(type.latencyDoc(), type.name());
            assertFalse(type.summary().isBlank(), type.name());
            for (ParamSpec s : type.params().specs()) {
                assertFalse(s.doc().isBlank(), type.name() + "." + s.name() + " has no doc");
            }
            for (NodeExample ex : type.examples()) {
                int n = ex.inputs().size();
                assertTrue(n >= type.ports().minAudioInputs() && n <= type.ports().maxAudioInputs(),
                        type.name() + " example " + ex.label() + " has " + n + " inputs");
            }
        }
    }
}
