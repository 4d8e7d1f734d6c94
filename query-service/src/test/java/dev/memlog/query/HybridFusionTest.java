package dev.memlog.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.memlog.common.http.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class HybridFusionTest {
    static ArrayNode hits(Object... idsAndScores) {
        ArrayNode hits = Json.mapper().createArrayNode();
        for (int i = 0; i < idsAndScores.length; i += 2) {
            hits.addObject().put("_id", (String) idsAndScores[i]).put("_score", ((Number) idsAndScores[i + 1]).doubleValue());
        }
        return hits;
    }

    @Test
    void eachListIsMinMaxNormalizedItsLowestKeptAboveAMissAndTheWeightsCombineThem() {
        JsonNode bm25 = hits("a", 12.0, "b", 6.0, "c", 3.0);
        JsonNode vector = hits("b", 0.9, "d", 0.8, "a", 0.7);
        JsonNode context = hits("d", 0.95);
        var fused = HybridFusion.fuse(List.of(bm25, vector, context), new double[] {0.5, 0.25, 0.25}, 10);

        var byId = fused.stream().collect(java.util.stream.Collectors.toMap(HybridFusion.Candidate::id, c -> c));
        assertThat(byId.get("a").normalized()).containsExactly(new double[] {1.0, HybridFusion.MIN_SCORE, 0.0}, within(1e-6));
        assertThat(byId.get("b").normalized()).containsExactly(new double[] {1.0 / 3, 1.0, 0.0}, within(1e-6));
        assertThat(byId.get("c").normalized()[0]).as("the lowest of a list").isEqualTo(HybridFusion.MIN_SCORE, within(1e-9));
        assertThat(byId.get("d").normalized()).as("a list of one scores 1").containsExactly(new double[] {0.0, 0.5, 1.0}, within(1e-6));
        assertThat(byId.get("c").raw()).containsExactly(3.0, null, null);
        assertThat(byId.get("a").fused()).isCloseTo(0.5 * 1 + 0.25 * 0.001, within(1e-6));
        assertThat(fused).extracting(HybridFusion.Candidate::id).containsExactly("a", "b", "d", "c");
        assertThat(fused).extracting(HybridFusion.Candidate::fused).isSortedAccordingTo((x, y) -> Double.compare(y, x));
    }

    @Test
    void onlyThePoolIsKeptAndNoListIsNeeded() {
        var fused = HybridFusion.fuse(List.of(hits("a", 2.0, "b", 1.0, "c", 0.5), hits(), hits()), new double[] {0.5, 0.25, 0.25}, 2);
        assertThat(fused).extracting(HybridFusion.Candidate::id).containsExactly("a", "b");
        assertThat(HybridFusion.fuse(List.of(hits(), hits(), hits()), new double[] {0.5, 0.25, 0.25}, 5)).isEmpty();
    }
}
