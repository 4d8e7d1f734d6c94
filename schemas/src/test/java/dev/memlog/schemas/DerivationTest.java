package dev.memlog.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class DerivationTest {
    @Test
    void theFirstDerivationWritesThePlatformsTopicsAndANamedOneTopicsOfItsOwn() {
        assertThat(Derivation.of(null)).isEqualTo(Derivation.FIRST);
        assertThat(Derivation.of("  ").records()).isSameAs(Topics.MEMORY_RECORDS);
        assertThat(Derivation.FIRST.consolidationApplicationId()).isEqualTo("memlog-consolidation");
        var green = Derivation.of("minilm-2");
        assertThat(green.records().name()).isEqualTo("memory.records.minilm-2");
        assertThat(green.strength().name()).isEqualTo("memory.strength.minilm-2");
        assertThat(green.records().valueSubject()).isEqualTo("memory.records.minilm-2-value");
        assertThat(green.records().config()).isEqualTo(Topics.MEMORY_RECORDS.config());
        assertThat(green.consolidationApplicationId()).isEqualTo("memlog-consolidation-minilm-2");
        assertThat(Topics.definitions(TopicSettings.singleBroker(3), green)).extracting(NewTopic::name)
                .contains("memory.events", "memory.records", "memory.records.minilm-2", "memory.strength.minilm-2");
        assertThat(Topics.definitions(TopicSettings.singleBroker(3))).extracting(NewTopic::name)
                .noneMatch(n -> n.startsWith("memory.records."));
    }

    @Test
    void aNameThatCouldReachAnotherTopicOrGroupIsRefused() {
        for (String hostile : new String[] {"G2", "a.b", "../x", "a b", "-x", "x".repeat(41), "a\u0000", "ä", "a$", "a*"}) {
            assertThatThrownBy(() -> Derivation.of(hostile)).as(hostile).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("derivation name");
        }
    }
}
