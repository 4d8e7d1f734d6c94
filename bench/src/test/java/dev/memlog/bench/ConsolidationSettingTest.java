package dev.memlog.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConsolidationSettingTest {

    @Test
    void eachPartSwitchesOnItsSettingsAndTurnsSwitchesThemAllOff() {
        var all = LocomoBenchmark.Consolidation.parse("summaries+facts+importance");
        assertThat(all.settings()).containsEntry("SUMMARIZER", "centrality").containsEntry("FACT_EXTRACTOR", "rules")
                .containsEntry("IMPORTANCE_WEIGHT", "0.1").containsEntry("SESSION_IDLE_SECONDS", "3");
        assertThat(all.derives()).isTrue();

        var turns = LocomoBenchmark.Consolidation.parse("turns");
        assertThat(turns.settings()).containsEntry("SUMMARIZER", "none").containsEntry("FACT_EXTRACTOR", "none")
                .containsEntry("IMPORTANCE_WEIGHT", "0");
        assertThat(turns.derives()).isFalse();
        assertThat(LocomoBenchmark.Consolidation.parse("importance").derives()).isFalse();
    }

    @Test
    void anUnknownPartIsRefusedByName() {
        assertThatThrownBy(() -> LocomoBenchmark.Consolidation.parse("facts+graphs"))
                .hasMessageContaining("facts+graphs");
    }
}
