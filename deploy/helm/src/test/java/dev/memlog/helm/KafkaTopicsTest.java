package dev.memlog.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.schemas.TopicSettings;
import dev.memlog.schemas.Topics;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/** The chart's KafkaTopics are the topic registry's topics, with the same partitions, replicas and settings. */
class KafkaTopicsTest {

    @Test
    void everyRegisteredTopicHasAKafkaTopicWithItsSettings() {
        assertMatchesRegistry(Chart.render("values.yaml"), new TopicSettings(6, (short) 3, 2));
    }

    @Test
    void partitionsAndReplicasFollowTheValues() {
        assertMatchesRegistry(Chart.render(List.of("values.yaml"), Map.of("kafka.topics.partitions", 24,
                "kafka.topics.replicas", 5, "kafka.topics.minInsyncReplicas", 3)), new TopicSettings(24, (short) 5, 3));
    }

    @Test
    void aDerivationListedGetsItsOwnOutputTopicsWithTheRegistrysSettings() {
        assertMatchesRegistry(Chart.render(List.of("values.yaml"), Map.of("consolidation.derivations[0].name", "green")),
                new TopicSettings(6, (short) 3, 2), dev.memlog.schemas.Derivation.of("green"));
    }

    @Test
    void theRegistrysStorageTopicIsOneCompactedPartitionAndGoesWithTheBundledRegistry() {
        Map<String, Map<String, Object>> topics = kafkaTopics(Chart.render("values.yaml"));
        assertThat(topics.get("_schemas")).containsEntry("partitions", 1);
        assertThat(config(topics.get("_schemas"))).containsEntry("cleanup.policy", "compact");
        assertThat(kafkaTopics(Chart.render(List.of("values.yaml"), Map.of("schemaRegistry.enabled", false,
                "schemaRegistry.url", "http://registry:8081")))).doesNotContainKey("_schemas");
    }

    @Test
    void everyKafkaTopicBelongsToTheStrimziCluster() {
        for (HasMetadata topic : Chart.render("values.yaml").ofKind("KafkaTopic")) {
            assertThat(topic.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "memlog");
            assertThat(topic.getApiVersion()).isEqualTo("kafka.strimzi.io/v1beta2");
        }
    }

    private static void assertMatchesRegistry(Chart.Rendered chart, TopicSettings settings) {
        assertMatchesRegistry(chart, settings, dev.memlog.schemas.Derivation.FIRST);
    }

    private static void assertMatchesRegistry(Chart.Rendered chart, TopicSettings settings,
                                              dev.memlog.schemas.Derivation derivation) {
        Map<String, Map<String, Object>> rendered = kafkaTopics(chart);
        List<NewTopic> registry = Topics.definitions(settings, derivation);
        assertThat(registry).isNotEmpty();
        for (NewTopic wanted : registry) {
            Map<String, Object> spec = rendered.get(wanted.name());
            assertThat(spec).as("a KafkaTopic for " + wanted.name()).isNotNull();
            assertThat(spec.get("partitions")).as(wanted.name() + " partitions").isEqualTo(wanted.numPartitions());
            assertThat(spec.get("replicas")).as(wanted.name() + " replicas").isEqualTo((int) wanted.replicationFactor());
            assertThat(config(spec)).as(wanted.name() + " config").isEqualTo(wanted.configs());
        }
        // and nothing the registry does not know, but the registry's own storage
        assertThat(rendered.keySet()).containsExactlyInAnyOrderElementsOf(
                java.util.stream.Stream.concat(registry.stream().map(NewTopic::name), java.util.stream.Stream.of("_schemas")).toList());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> kafkaTopics(Chart.Rendered chart) {
        return chart.ofKind("KafkaTopic").stream().map(GenericKubernetesResource.class::cast).collect(Collectors.toMap(
                t -> (String) ((Map<String, Object>) t.getAdditionalProperties().get("spec")).get("topicName"),
                t -> (Map<String, Object>) t.getAdditionalProperties().get("spec")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> config(Map<String, Object> spec) {
        return ((Map<String, Object>) spec.get("config")).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> String.valueOf(e.getValue())));
    }
}
