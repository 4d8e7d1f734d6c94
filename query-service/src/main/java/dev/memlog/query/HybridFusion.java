package dev.memlog.query;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuses the hit lists of the three sub-queries (BM25, the turn's vector, the turn in its context) as OpenSearch's
 * min-max normalization and weighted arithmetic mean do, keeping each sub-query's raw and normalized score: so a
 * hybrid search needs no explanation from the engine to explain itself.
 */
final class HybridFusion {
    /** The normalized score of a sub-query's lowest hit, so that it stays apart from a memory the sub-query missed. */
    static final double MIN_SCORE = 0.001;

    /** One candidate: its hit from whichever sub-query found it first, each sub-query's raw and normalized score. */
    record Candidate(JsonNode hit, Double[] raw, double[] normalized, double fused) {
        String id() {
            return hit.path("_id").asText();
        }
    }

    private HybridFusion() {
    }

    /**
     * @param lists   each sub-query's hits, best first, as the engine returned them
     * @param weights each sub-query's weight, summing to 1
     * @param size    how many candidates to keep, best fused score first
     */
    static List<Candidate> fuse(List<JsonNode> lists, double[] weights, int size) {
        int n = lists.size();
        Map<String, Candidate> byId = new LinkedHashMap<>();
        for (int q = 0; q < n; q++) {
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            for (JsonNode hit : lists.get(q)) {
                min = Math.min(min, hit.path("_score").asDouble());
                max = Math.max(max, hit.path("_score").asDouble());
            }
            for (JsonNode hit : lists.get(q)) {
                String id = hit.path("_id").asText();
                Candidate c = byId.computeIfAbsent(id, k -> new Candidate(hit, new Double[n], new double[n], 0));
                double score = hit.path("_score").asDouble();
                c.raw()[q] = score;
                c.normalized()[q] = normalize(score, (float) min, (float) max);
            }
        }
        List<Candidate> fused = new ArrayList<>(byId.size());
        for (Candidate c : byId.values()) {
            double sum = 0;
            for (int q = 0; q < n; q++) {
                sum += weights[q] * c.normalized()[q];
            }
            fused.add(new Candidate(c.hit(), c.raw(), c.normalized(), sum));
        }
        fused.sort(Comparator.comparingDouble(Candidate::fused).reversed());
        return fused.size() > size ? List.copyOf(fused.subList(0, size)) : fused;
    }

    /** Min-max, in the engine's float arithmetic: 1 when all scores are one, the lowest at {@link #MIN_SCORE}. */
    static double normalize(double score, float min, float max) {
        float s = (float) score;
        if (Float.compare(max, min) == 0) {
            return 1.0f;
        }
        float normalized = (s - min) / (max - min);
        return normalized == 0.0f ? (float) MIN_SCORE : normalized;
    }
}
