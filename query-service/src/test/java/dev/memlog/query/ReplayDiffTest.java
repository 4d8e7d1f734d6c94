package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplayDiffTest {
    static ReplayDiff.Memory memory(String id, String text, double importance) {
        return new ReplayDiff.Memory(id, "SEMANTIC", text, importance);
    }

    @Test
    void sortsMemoriesIntoTheSameOneSideOnlyAndChangedWithTheFieldsThatDiffer() {
        var replay = Map.of("a", memory("a", "Ann lives in York", 0.5), "b", memory("b", "Ann likes tea", 0.5),
                "c", memory("c", "Ann has a cat", 0.7));
        var reference = Map.of("a", memory("a", "Ann lives in York", 0.5), "c", memory("c", "Ann has a cat", 0.4),
                "d", memory("d", "summary of the day", 0.6));
        var diff = ReplayDiff.of(replay, reference);
        assertThat(diff.same()).isEqualTo(1);
        assertThat(diff.onlyInReplay()).extracting(ReplayDiff.Memory::recordId).containsExactly("b");
        assertThat(diff.onlyInReference()).extracting(ReplayDiff.Memory::recordId).containsExactly("d");
        assertThat(diff.changed()).singleElement().satisfies(c -> {
            assertThat(c.recordId()).isEqualTo("c");
            assertThat(c.fields()).containsExactly("importance");
        });
        assertThat(diff.truncated()).isFalse();
        assertThat(diff.replayRecords()).isEqualTo(3);
        assertThat(diff.referenceRecords()).isEqualTo(3);
    }

    @Test
    void listsAreCutButCountsStayWholeAndLongTextsAreShortened() {
        Map<String, ReplayDiff.Memory> replay = new HashMap<>();
        for (int i = 0; i < 250; i++) {
            replay.put("r" + i, memory("r" + i, "x".repeat(1000), 0.5));
        }
        var diff = ReplayDiff.of(replay, Map.of());
        assertThat(diff.onlyInReplayCount()).isEqualTo(250);
        assertThat(diff.onlyInReplay()).hasSize(ReplayDiff.LISTED);
        assertThat(diff.truncated()).isTrue();
        assertThat(diff.onlyInReplay().getFirst().text()).hasSize(201);
    }
}
