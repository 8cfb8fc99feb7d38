package org.remotemedia.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package dependency rule of docs/design.md ("Layout"), enforced: a change that makes a
 * lower package call up the chain fails the build.
 *
 * <p>{@code service} may also use the small lower-level packages (grpc status codes, buffer,
 * observe, config) that sit below rpc and pipeline anyway, as the table says: it is the top of
 * the request chain and wires nothing itself.
 */
class ArchitectureTest {
    private static final String ROOT = "org.remotemedia";
    private static JavaClasses classes;

    @BeforeAll
    static void importMain() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_JARS)
                .importPackages(ROOT);
    }

    @Test
    void packagesDependOnlyDownTheChain() {
        ArchRule rule = layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .withOptionalLayers(true)
                .layer("json").definedBy(ROOT + ".json..")
                .layer("config").definedBy(ROOT + ".config..")
                .layer("buffer").definedBy(ROOT + ".buffer..")
                .layer("observe").definedBy(ROOT + ".observe..")
                .layer("dsp").definedBy(ROOT + ".dsp..")
                .layer("inference").definedBy(ROOT + ".inference..")
                .layer("pipeline").definedBy(ROOT + ".pipeline..")
                .layer("grpc").definedBy(ROOT + ".grpc..")
                .layer("rpc").definedBy(ROOT + ".rpc..")
                .layer("auth").definedBy(ROOT + ".auth..")
                .layer("limits").definedBy(ROOT + ".limits..")
                .layer("proto").definedBy(ROOT + ".proto..")
                .layer("service").definedBy(ROOT + ".service..")
                .layer("transport").definedBy(ROOT + ".transport..")
                .layer("daemon").definedBy(ROOT + ".daemon..")
                .whereLayer("daemon").mayNotBeAccessedByAnyLayer()
                .whereLayer("json").mayNotAccessAnyLayer()
                .whereLayer("transport").mayOnlyBeAccessedByLayers("daemon")
                .whereLayer("service").mayOnlyBeAccessedByLayers("daemon")
                .whereLayer("proto").mayOnlyBeAccessedByLayers("service", "daemon")
                .whereLayer("auth").mayOnlyBeAccessedByLayers("daemon")
                .whereLayer("limits").mayOnlyBeAccessedByLayers("daemon")
                .whereLayer("rpc").mayOnlyBeAccessedByLayers("auth", "limits", "service", "transport", "daemon")
                .whereLayer("grpc").mayOnlyBeAccessedByLayers("rpc", "auth", "limits", "service", "transport", "daemon")
                .whereLayer("pipeline").mayOnlyBeAccessedByLayers("service", "daemon")
                .whereLayer("inference").mayOnlyBeAccessedByLayers("daemon")
                .whereLayer("dsp").mayOnlyBeAccessedByLayers("pipeline", "inference", "daemon")
                .whereLayer("observe").mayOnlyBeAccessedByLayers(
                        "pipeline", "rpc", "auth", "limits", "service", "transport", "daemon")
                .whereLayer("buffer").mayOnlyBeAccessedByLayers(
                        "dsp", "inference", "pipeline", "grpc", "rpc", "service", "transport", "daemon")
                .whereLayer("config").mayOnlyBeAccessedByLayers(
                        "buffer", "observe", "inference", "pipeline", "rpc", "auth", "limits", "service", "transport", "daemon");
        rule.check(classes);
    }

    @Test
    void nettyStaysInTransportAndDaemon() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".transport..", ROOT + ".daemon..")
                .should().dependOnClassesThat().resideInAPackage("io.netty..")
                .because("the gRPC wire format and everything above it know nothing of Netty")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void onnxRuntimeStaysInInference() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".inference..")
                .should().dependOnClassesThat().resideInAPackage("ai.onnxruntime..")
                .because("model files and the native runtime are loaded in one place; dsp sees a SpeechModel")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void protobufStaysInServiceAndGeneratedCode() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".service..", ROOT + ".proto..", ROOT + ".daemon..")
                .should().dependOnClassesThat().resideInAnyPackage("com.google.protobuf..", "com.google.rpc..")
                .because("only the services decode and encode protobuf; the engine and transport see bytes")
                .allowEmptyShould(true)
                .check(classes);
    }
}
