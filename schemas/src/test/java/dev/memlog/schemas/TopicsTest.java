package dev.memlog.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/** The topics the services create, with the durability their settings give them. */
class TopicsTest {

    @Test
    void byDefaultEveryTopicHasThreeReplicasAndTwoMustHaveAnAppend() {
        var settings = TopicSettings.from(name -> null);
        assertThat(settings).isEqualTo(new TopicSettings(6, (short) 3, 2));
        assertThat(Topics.definitions(settings)).allSatisfy(t -> {
            assertThat(t.replicationFactor()).isEqualTo((short) 3);
            assertThat(t.configs()).containsEntry("min.insync.replicas", "2");
            // kept forever: the log of record and what derives from it, or compacted to the latest value per key
            assertThat(t.configs().get("cleanup.policy").equals("compact") || "-1".equals(t.configs().get("retention.ms")))
                    .as(t.name()).isTrue();
        });
        assertThat(Topics.definitions(settings)).extracting(NewTopic::name).contains("memory.events", "memory.records",
                "memory.access", "memory.strength", "memory.keys", "memory.consolidation.dlq", "memory.materializer.dlq");
    }

    @Test
    void aSingleBrokerIsSaidExplicitlyAndAClusterTooSmallForTwoInSyncGetsOne() {
        assertThat(TopicSettings.from(Map.of("TOPIC_REPLICATION_FACTOR", "1", "TOPIC_PARTITIONS", "3")::get))
                .isEqualTo(TopicSettings.singleBroker(3));
        assertThatThrownBy(() -> TopicSettings.from(Map.of("TOPIC_REPLICATION_FACTOR", "2", "TOPIC_MIN_INSYNC_REPLICAS", "3")::get))
                .hasMessageContaining("cannot exceed");
        assertThatThrownBy(() -> TopicSettings.from(Map.of("TOPIC_PARTITIONS", "many")::get)).hasMessageContaining("TOPIC_PARTITIONS");
    }
}
