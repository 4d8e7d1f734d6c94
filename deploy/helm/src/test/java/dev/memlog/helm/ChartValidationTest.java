package dev.memlog.helm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Values that cannot work are refused at render time with the chart's own message, naming what to change. */
class ChartValidationTest {

    static List<Arguments> broken() {
        return List.of(
                Arguments.of(Map.of("consolidation.replicas", 7),
                        "consolidation may run 7 instances but kafka.topics.partitions is 6"),
                Arguments.of(Map.of("consolidation.autoscaling.enabled", true, "consolidation.autoscaling.maxReplicas", 9),
                        "consolidation may run 9 instances but kafka.topics.partitions is 6"),
                Arguments.of(Map.of("consolidation.replicas", 1),
                        "consolidation.standbyReplicas (1) needs at least 2 instances"),
                Arguments.of(Map.of("kafka.topics.minInsyncReplicas", 4),
                        "kafka.topics.minInsyncReplicas (4) cannot exceed kafka.topics.replicas (3)"),
                Arguments.of(Map.of("auth.existingSecret", ""), "auth.existingSecret is required"),
                Arguments.of(Map.of("kafka.strimzi.enabled", false), "kafka.bootstrapServers is required"),
                Arguments.of(Map.of("kafka.strimzi.enabled", false, "kafka.bootstrapServers", "kafka:9092"),
                        "kafka.topics.create and kafka.user.create make Strimzi resources"),
                Arguments.of(Map.of("opensearch.url", ""), "opensearch.url is required"),
                Arguments.of(Map.of("schemaRegistry.enabled", false), "schemaRegistry.url is required"),
                Arguments.of(Map.of("query.autoscaling.minReplicas", 5, "query.autoscaling.maxReplicas", 3),
                        "query.autoscaling.minReplicas (5) exceeds its maxReplicas (3)"),
                Arguments.of(Map.of("managementPort", 8080), "ingest.port and managementPort are both 8080"),
                Arguments.of(Map.of("encryption.kmsKeyUri", "aws-kms://arn:aws:kms:eu-west-1:1:key/k"),
                        "encryption.existingSecret (a Secret with kek.json) is required"),
                // what values.schema.json refuses before any template runs
                Arguments.of(Map.of("podSecurityContext.runAsNonRoot", false), "at '/podSecurityContext/runAsNonRoot': value must be true"),
                Arguments.of(Map.of("ingest.replicas", "two"), "at '/ingest/replicas': got string, want integer"),
                Arguments.of(Map.of("embeddingModel", "my-model"), "at '/embeddingModel'"),
                Arguments.of(Map.of("kafka.topics.partitions", 0), "at '/kafka/topics/partitions': minimum"),
                Arguments.of(Map.of("consolidation.derivations[0].name", "Green.$"), "at '/consolidation/derivations/0/name'"),
                Arguments.of(Map.of("consolidation.derivations[0].name", "green", "consolidation.derivations[1].name", "green"),
                        "consolidation.derivations names green twice"),
                Arguments.of(Map.of("consolidation.derivations[0].name", "green", "consolidation.derivations[0].replicas", 8),
                        "derivation green may run 8 instances but kafka.topics.partitions is 6"),
                Arguments.of(Map.of("ingest.env.bad-name", "x"), "'bad-name' does not match pattern"),
                Arguments.of(Map.of("replicaCount", 3), "additional properties 'replicaCount' not allowed"));
    }

    @ParameterizedTest
    @MethodSource("broken")
    void brokenValuesAreRefusedWithTheChartsMessage(Map<String, Object> settings, String message) {
        assertThatThrownBy(() -> Chart.render(List.of("values.yaml"), settings)).hasMessageContaining(message);
    }
}
