package dev.memlog.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConsolidationSettingTest {

    @Test
    void eachPartSwitchesOnItsSettingsAndTurnsSwitchesThemAllOff() {
        var all = LocomoBenchmark.Consolidation.parse("summaries+facts+importance");
        assertThat(all.settings()).containsEntry("SUMMARIZER", "centrality").containsEntry("FACT_EXTRACTOR", "rules")
                .containsEntry("IMPORTANCE_WEIGHT", "0.1").containsEntry("SESSION_IDLE_SECONDS", "3")
                .containsEntry("STRENGTH_WEIGHT", "0").containsEntry("FORGETTING", "false");

        var turns = LocomoBenchmark.Consolidation.parse("turns");
        assertThat(turns.settings()).containsEntry("SUMMARIZER", "none").containsEntry("FACT_EXTRACTOR", "none")
                .containsEntry("IMPORTANCE_WEIGHT", "0").containsEntry("STRENGTH_WEIGHT", "0");

        assertThat(LocomoBenchmark.Consolidation.parse("importance+strength").settings())
                .containsEntry("SUMMARIZER", "none").containsEntry("FORGETTING", "true").containsEntry("STRENGTH_WEIGHT", "0.1");
    }

    @Test
    void defaultsLeaveEveryConsolidationSettingToTheServices() {
        assertThat(LocomoBenchmark.Consolidation.parse("defaults").settings()).containsOnlyKeys("SESSION_IDLE_SECONDS");
        assertThat(LocomoBenchmark.Options.parse(new String[0]).consolidation())
                .extracting(LocomoBenchmark.Consolidation::label).containsExactly("defaults");
    }

    @Test
    void anUnknownPartIsRefusedByName() {
        assertThatThrownBy(() -> LocomoBenchmark.Consolidation.parse("facts+graphs"))
                .hasMessageContaining("facts+graphs");
    }
}
