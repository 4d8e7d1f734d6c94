package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.memlog.common.http.Json;
import dev.memlog.schemas.Derivation;
import org.junit.jupiter.api.Test;

class GenerationTest {
    static final Generation FIRST = Generation.first("mem", "bge", 384, "mat");

    @Test
    void theFirstGenerationKeepsTheNamesIndexesHadBeforeGenerations() {
        assertThat(FIRST.live()).isEqualTo("mem-v1");
        assertThat(FIRST.lifecycleIndexes()).containsExactly("mem-asof", "mem-history", "mem-strength", "mem-strength-lives");
        assertThat(FIRST.group()).isEqualTo("mat");
        assertThat(FIRST.derivation()).isEqualTo(Derivation.FIRST);
    }

    @Test
    void theSameDerivationRebuiltSharesTheLifecycleIndexesAndAnotherGetsItsOwn() {
        Generation copy = FIRST.next(2, "bge", 384, Derivation.FIRST, "mat");
        assertThat(copy.live()).isEqualTo("mem-v2");
        assertThat(copy.lifecycleIndexes()).isEqualTo(FIRST.lifecycleIndexes());
        assertThat(copy.ownsLifecycle(FIRST)).isFalse();
        assertThat(copy.group()).as("its own group, started where the rebuild stopped reading").isEqualTo("mat-v2");

        Generation green = copy.next(3, "minilm", 384, Derivation.of("green"), "mat");
        assertThat(green.ownsLifecycle(copy)).isTrue();
        assertThat(green.lifecycleIndexes()).containsExactly("mem-asof-v3", "mem-history-v3", "mem-strength-v3",
                "mem-strength-lives-v3");
        assertThat(green.model()).isEqualTo("minilm");
        assertThat(green.derivation().records().name()).isEqualTo("memory.records.green");
    }

    @Test
    void whatTheLiveIndexRecordsIsTheGenerationAndAnOlderIndexIsTheFirstOnesNames() {
        Generation green = FIRST.next(3, "minilm", 384, Derivation.of("green"), "mat");
        assertThat(Generation.of("mem", "mem-v3", green.meta(), "mat")).isEqualTo(green);

        var old = Json.mapper().createObjectNode().put("embedding_model", "bge").put("dimension", 384);
        Generation legacy = Generation.of("mem", "mem-v2", old, "mat");
        assertThat(legacy.number()).isEqualTo(2);
        assertThat(legacy.lifecycleIndexes()).isEqualTo(FIRST.lifecycleIndexes());
        assertThat(legacy.group()).as("a generation made before groups per generation: the materializer's own").isEqualTo("mat");
        assertThat(legacy.model()).isEqualTo("bge");
        assertThat(Generation.of("mem", "mem-v1", Json.mapper().createObjectNode(), "mat").model()).isEmpty();
    }
}
