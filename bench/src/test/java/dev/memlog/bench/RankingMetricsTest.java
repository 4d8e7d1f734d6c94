package dev.memlog.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The metrics on a tiny hand-made conversation whose answers are known. */
class RankingMetricsTest {
    // a ranking over turns of sessions D1..D3; the evidence is D2:4 and D3:1
    static final List<Set<String>> RANKED = RankingMetrics.turns(List.of("D1:2", "D2:4", "D1:5", "D3:7", "D3:1", "D2:1"));
    static final Set<String> EVIDENCE = Set.of("D2:4", "D3:1");

    @Test
    void hitAtOneCountsOnlyTheTopTurn() {
        assertThat(RankingMetrics.hitAt(1, RANKED, EVIDENCE)).isZero();
        assertThat(RankingMetrics.hitAt(2, RANKED, EVIDENCE)).isEqualTo(1);
    }

    @Test
    void recallIsTheShareOfEvidenceFound() {
        assertThat(RankingMetrics.recallAt(2, RANKED, EVIDENCE)).isEqualTo(0.5);
        assertThat(RankingMetrics.recallAt(5, RANKED, EVIDENCE)).isEqualTo(1.0);
    }

    @Test
    void ndcgUsesBinaryGainsAgainstTheIdealOrder() {
        // hits at ranks 2 and 5: (1/log2 3 + 1/log2 6) / (1 + 1/log2 3)
        double expected = (1 / log2(3) + 1 / log2(6)) / (1 + 1 / log2(3));
        assertThat(RankingMetrics.ndcgAt(5, RANKED, EVIDENCE)).isCloseTo(expected, within(1e-12));
        assertThat(RankingMetrics.ndcgAt(5, RankingMetrics.turns(List.of("D2:4", "D3:1")), EVIDENCE)).isEqualTo(1.0);
        assertThat(RankingMetrics.ndcgAt(5, RankingMetrics.turns(List.of("D9:9")), EVIDENCE)).isZero();
    }

    @Test
    void reciprocalRankOfTheFirstEvidenceTurn() {
        assertThat(RankingMetrics.reciprocalRank(10, RANKED, EVIDENCE)).isEqualTo(0.5);
        assertThat(RankingMetrics.reciprocalRank(1, RANKED, EVIDENCE)).isZero();
    }

    @Test
    void sessionsAreRankedByTheirBestTurn() {
        assertThat(RankingMetrics.sessionsByBestTurn(RANKED)).containsExactly(Set.of("D1"), Set.of("D2"), Set.of("D3"));
        Set<String> relevantSessions = Set.of("D2", "D3");
        var sessions = RankingMetrics.sessionsByBestTurn(RANKED);
        assertThat(RankingMetrics.hitAt(1, sessions, relevantSessions)).isZero();
        double expected = (1 / log2(3) + 1 / log2(4)) / (1 + 1 / log2(3));
        assertThat(RankingMetrics.ndcgAt(5, sessions, relevantSessions)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void aDerivedRecordCountsForTheEvidenceTurnsInItsProvenance() {
        // a summary covering D1:1..D1:3 and D2:4 first, then the turn D3:1
        List<Set<String>> ranked = List.of(Set.of("D1:1", "D1:2", "D1:3", "D2:4"), Set.of("D3:1"), Set.of("D3:1"));

        assertThat(RankingMetrics.hitAt(1, ranked, EVIDENCE)).isEqualTo(1);
        assertThat(RankingMetrics.recallAt(1, ranked, EVIDENCE)).isEqualTo(0.5);
        assertThat(RankingMetrics.recallAt(2, ranked, EVIDENCE)).isEqualTo(1.0);
        // each relevant turn gains once: ranks 1 and 2 gain, the repeated D3:1 at rank 3 does not
        assertThat(RankingMetrics.ndcgAt(5, ranked, EVIDENCE)).isEqualTo(1.0);
        assertThat(RankingMetrics.reciprocalRank(10, ranked, EVIDENCE)).isEqualTo(1.0);
        // a summary that covers no evidence is a miss however many turns it covers
        assertThat(RankingMetrics.hitAt(1, List.of(Set.of("D1:1", "D1:2")), EVIDENCE)).isZero();
        assertThat(RankingMetrics.sessionsByBestTurn(ranked)).containsExactly(Set.of("D1"), Set.of("D2"), Set.of("D3"));
    }

    @Test
    void metricTableAveragesPerCategoryAndOverall() {
        var table = new MetricTable();
        table.add(1, "hit_at_1", 1.0);
        table.add(1, "hit_at_1", 0.0);
        table.add(4, "hit_at_1", 1.0);
        table.add(4, "answer_coverage_500", null);
        assertThat(table.mean("1", "hit_at_1")).isEqualTo(0.5);
        assertThat(table.mean("overall", "hit_at_1")).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(table.mean("4", "answer_coverage_500")).isNaN();
        assertThat(table.toJson().get("overall").get("n")).isEqualTo(3L);
    }

    @Test
    void metricTableAlsoAveragesEachConversationOverAllItsCategories() {
        var table = new MetricTable();
        table.add(1, "conv-a", "hit_at_1", 1.0);
        table.add(4, "conv-a", "hit_at_1", 0.0);
        table.add(2, "conv-b", "hit_at_1", 1.0);
        table.add(2, "hit_at_1", 0.0); // no conversation: counted in the categories only

        var groups = table.groupsJson();
        assertThat(groups.keySet()).containsExactly("conv-a", "conv-b");
        assertThat(groups.get("conv-a").get("hit_at_1")).isEqualTo(0.5);
        assertThat(groups.get("conv-a").get("n")).isEqualTo(2L);
        assertThat(groups.get("conv-b").get("hit_at_1")).isEqualTo(1.0);
        assertThat(table.toJson().get("overall").get("n")).isEqualTo(4L);
    }

    @Test
    void percentilesUseNearestRank() {
        var p = new Percentiles();
        for (int i = 1; i <= 20; i++) {
            p.add(i);
        }
        assertThat(p.at(50)).isEqualTo(10);
        assertThat(p.at(95)).isEqualTo(19);
    }

    static double log2(double x) {
        return Math.log(x) / Math.log(2);
    }
}
